# What the pipelines of Gupta et al.'s Table 1 twin share
# (../st_nyud2_synth_table1.py: no init / copy RGB / supervision transfer;
# ../st_nyud2_synth_table1_adapted.py: the RGB detector, transfer from it
# ("adapted") and RGB + HHA fusion; ../st_nyud2_synth_table1_semantic.py:
# the same trunks frozen; ../st_nyud2_synth_table1_teacher.py: a deeper
# teacher; ../st_nyud2_synth_table1_layers.py: transfer at layer1): the
# NYUD2-format world as the target (its HHA made by the prepare step),
# three seeds, VOC mAP@0.5 on its test views, every row against the HHA
# detector from scratch, and the stages more than one of them runs (a
# later part takes an earlier part's runs over, reuse_from).
#
# The paper's RGB network is trained on ImageNet: many labelled RGB images
# of other scenes. The world has no ImageNet, so its stand-in is an RGB
# detector trained on another seed of the same indoor world (200 labelled
# views of other rooms; data/synthetic_nyud2_source), trained once, as the
# paper uses one ImageNet network for every row: the seeds vary
# everything downstream of it. Every initialisation hands over the trunk
# only (ResNet-18 to stage 2, `backbone.*`); the RPN and the box head
# start at random in every row. Fixed recipes (the configs'); the
# learning rate is chosen on validation rooms held out of the training
# views in ../st_nyud2_synth_table1_val.py only, and the docs compare.
_base_ = ['./detection2d_seeded.py']
prepare = [
    dict(type='synthetic_world', out='data/synthetic_nyud2', preset='nyud2',
         hha=True),
    dict(type='synthetic_world', out='data/synthetic_nyud2_source',
         preset='nyud2', seed=1),
]
reference_method = 'HHA, no init'
_t1 = 'configs/supervision_transfer/table1_synth/'
_source_iters = 800
source_options = {
    'data_root': 'data/synthetic_nyud2_source',
    'randomness.seed': 0,
    'train_cfg.max_iters': _source_iters,
    'train_cfg.val_interval': _source_iters,
    'param_scheduler.0.T_max': _source_iters,
    'default_hooks.checkpoint.interval': _source_iters
}
# a stage's trunk from an RGB detector (keys backbone.*)
source_stages = [
    # the ImageNet stand-in: longer than the target detectors (800
    # iterations), tested on the source world's own test views
    dict(name='rgb_source', config=_t1 + 'rgb_det.py',
         cfg_options=source_options),
    dict(name='noinit', method='HHA, no init', template='seeded',
         config=_t1 + 'hha_det.py'),
]
# part 1's transfer rows: the trunk trained to reproduce the source
# network's map on the target's unlabelled RGB/HHA pairs, then fine-tuned
transfer_stages = [
    dict(name='transfer', template='seeded',
         config=_t1 + 'rgb2hha_transfer.py',
         cfg_options={'model.teacher.checkpoint': '{rgb_source.checkpoint}'}),
    dict(name='hha_transfer', method='HHA, supervision transfer',
         template='seeded', config=_t1 + 'hha_det.py',
         init_from=dict(stage='transfer', prefix='student.',
                        target='backbone.')),
]
copy_stages = [
    dict(name='copy', method='HHA, copy RGB', template='seeded',
         config=_t1 + 'hha_det.py',
         init_from=dict(stage='rgb_source', prefix='backbone.',
                        target='backbone.')),
]
# part 2's: the RGB detector of the target world and transfer from it
adapted_stages = [
    dict(name='rgb', method='RGB (source trunk, fine-tuned)',
         template='seeded', config=_t1 + 'rgb_det.py',
         init_from=dict(stage='rgb_source', prefix='backbone.',
                        target='backbone.')),
    dict(name='transfer_adapted', template='seeded',
         config=_t1 + 'rgb2hha_transfer.py',
         cfg_options={'model.teacher.checkpoint': '{rgb.checkpoint}'}),
    dict(name='hha_adapted', method='HHA, supervision transfer (adapted)',
         template='seeded', config=_t1 + 'hha_det.py',
         init_from=dict(stage='transfer_adapted', prefix='student.',
                        target='backbone.')),
]
# "ft fc only": the HHA detector with its trunk frozen at the weights
# the transfer of part 1 gave it (the semantic and teacher parts both
# show it)
frozen_transfer_stages = [
    dict(name='hha_transfer_fc',
         method='HHA, supervision transfer (ft head only)',
         template='seeded', config=_t1 + 'hha_det_frozen.py',
         init_from=dict(stage='transfer', prefix='student.',
                        target='backbone.')),
]
