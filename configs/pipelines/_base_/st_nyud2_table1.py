# What the two pipelines of Gupta et al.'s Table 1 twin share
# (../st_nyud2_synth_table1.py: no init / copy RGB / supervision transfer;
# ../st_nyud2_synth_table1_adapted.py: the RGB detector, transfer from it
# ("adapted") and RGB + HHA fusion): the NYUD2-format world as the target
# (its HHA made by the prepare step), three seeds, VOC mAP@0.5 on its test
# views, every row against the HHA detector from scratch.
#
# The paper's RGB network is trained on ImageNet: many labelled RGB images
# of other scenes. The world has no ImageNet, so its stand-in is an RGB
# detector trained on another seed of the same indoor world (200 labelled
# views of other rooms; data/synthetic_nyud2_source), trained once, as the
# paper uses one ImageNet network for every row: the seeds vary
# everything downstream of it. Every initialisation hands over the trunk
# only (ResNet-18 to stage 2, `backbone.*`); the RPN and the box head
# start at random in every row. Fixed recipes (the configs'), no choice
# on validation: the world has only train and test views, and the docs
# say so beside the table.
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
# a stage's trunk from an RGB detector (keys backbone.*)
source_stages = [
    # the ImageNet stand-in: longer than the target detectors (800
    # iterations), tested on the source world's own test views
    dict(name='rgb_source', config=_t1 + 'rgb_det.py',
         cfg_options={
             'data_root': 'data/synthetic_nyud2_source',
             'randomness.seed': 0,
             'train_cfg.max_iters': _source_iters,
             'train_cfg.val_interval': _source_iters,
             'param_scheduler.0.T_max': _source_iters,
             'default_hooks.checkpoint.interval': _source_iters}),
    dict(name='noinit', method='HHA, no init', template='seeded',
         config=_t1 + 'hha_det.py'),
]
