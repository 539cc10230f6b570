# Gupta et al. (CVPR 2016), Table 3 on the JHMDB-format world: frame-level
# action detection on optical flow, the flow detector's trunk initialised
#   * at random (no init);
#   * by supervision transfer: trained from scratch to reproduce the RGB
#     network's stride-8 map on unlabelled RGB / flow pairs of other
#     videos (rgb2flow_transfer.py), then fine-tuned;
#   * by supervised pre-training (Gkioxari & Malik's ceiling): a flow
#     detector trained with labels on other videos, itself started from
#     the RGB network's trunk, then fine-tuned.
# The same flow detector config for every row
# (configs/supervision_transfer/table3_synth/flow_det.py), averaged over
# JHMDB's three splits, as the paper reports it (each split its own
# random seed: the table's spread is over splits and seeds at once).
#
# The paper's RGB network is trained on ImageNet and its unlabelled and
# pre-training videos are UCF-101's. The world has neither, so another
# seed of the same JHMDB-format world (other performers and scenes, 120
# clips; data/synthetic_jhmdb_source) stands in for both: its RGB
# detector (the ImageNet stand-in, trained once, as the paper uses one
# ImageNet network), its videos as unlabelled pairs (5 frames each) and
# its labelled flow for the supervised pre-training. No target clip is
# seen before fine-tuning. Every initialisation hands over the trunk
# only (ResNet-18 to stage 2, `backbone.*`); the box head starts at random
# in every row. Fixed recipes (the configs'), no choice on validation: the
# world has only train and test clips, and the docs say so beside the
# table.
#   python tools/run_pipeline.py configs/pipelines/st_jhmdb_synth_table3.py \
#       --jobs 2
prepare = [
    dict(type='synthetic_world', out='data/synthetic_jhmdb', preset='jhmdb',
         flow='farneback'),
    dict(type='synthetic_world', out='data/synthetic_jhmdb_source',
         preset='jhmdb', seed=1, flow='farneback'),
]
sweeps = dict(split=[1, 2, 3])
report_metric = 'voc/mAP@0.5'
reference_method = 'flow, no init'
templates = dict(
    split=dict(
        sweep=['split'],
        cfg_options={
            'train_dataloader.dataset.split': '{split}',
            'test_dataloader.dataset.split': '{split}',
            'randomness.seed': '{split}'
        }))
_t3 = 'configs/supervision_transfer/table3_synth/'
_source = 'data/synthetic_jhmdb_source'
# the RGB network (800 iterations) and the supervised flow pre-training
# (600) on the source world, split 1, each tested on its test clips
_on_source = {'data_root': _source, 'randomness.seed': 0}
# the fields an iteration count sets (the configs' cosine schedule)
_length = ('train_cfg.max_iters', 'train_cfg.val_interval',
           'param_scheduler.0.T_max', 'default_hooks.checkpoint.interval')
_rgb_source = dict(_on_source, **dict.fromkeys(_length, 800))
_flow_source = dict(_on_source, **dict.fromkeys(_length, 600))


# a stage's trunk from a detector or a transfer (keys backbone.* or
# student.*)
stages = [
    # the ImageNet stand-in: RGB, longer than the target detectors
    dict(name='rgb_source', config=_t3 + 'rgb_det.py',
         cfg_options=_rgb_source),
    dict(name='noinit', method='flow, no init', template='split',
         config=_t3 + 'flow_det.py'),
    # Gkioxari & Malik's pre-training: labelled flow of the source world,
    # from the RGB network's trunk
    dict(name='flow_source', config=_t3 + 'flow_det.py',
         cfg_options=_flow_source,
         init_from=dict(stage='rgb_source', prefix='backbone.',
                        target='backbone.')),
    dict(name='transfer', config=_t3 + 'rgb2flow_transfer.py',
         cfg_options={'model.teacher.checkpoint': '{rgb_source.checkpoint}'}),
    dict(name='flow_transfer', method='flow, supervision transfer',
         template='split', config=_t3 + 'flow_det.py',
         init_from=dict(stage='transfer', prefix='student.',
                        target='backbone.')),
    dict(name='flow_supervised', method='flow, supervised pre-training',
         template='split', config=_t3 + 'flow_det.py',
         init_from=dict(stage='flow_source', prefix='backbone.',
                        target='backbone.')),
]
