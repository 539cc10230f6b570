# What the pipelines of Gupta et al.'s Table 3 twin share
# (../st_jhmdb_synth_table3.py, the fixed recipe;
# ../st_jhmdb_synth_table3_val.py, the learning rate chosen on validation
# clips): the JHMDB-format world as the target (its flow made by the
# prepare step) and another seed of it as the source, the three splits,
# VOC mAP@0.5 on each split's test clips, every row against the flow
# detector from scratch, and the stages (a later pipeline takes the
# earlier one's runs over, reuse_from). See ../st_jhmdb_synth_table3.py
# for what each stage stands in for.
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

# the source network, the supervised flow pre-training and the transfer
# (each trained once, on the source world or its unlabelled pairs)
source_stages = [
    # the ImageNet stand-in: RGB, longer than the target detectors
    dict(name='rgb_source', config=_t3 + 'rgb_det.py',
         cfg_options=_rgb_source),
    # Gkioxari & Malik's pre-training: labelled flow of the source world,
    # from the RGB network's trunk
    dict(name='flow_source', config=_t3 + 'flow_det.py',
         cfg_options=_flow_source,
         init_from=dict(stage='rgb_source', prefix='backbone.',
                        target='backbone.')),
    dict(name='transfer', config=_t3 + 'rgb2flow_transfer.py',
         cfg_options={'model.teacher.checkpoint': '{rgb_source.checkpoint}'}),
]
# the table's rows: the flow detector of each split from each trunk
# (keys backbone.* of a detector, student.* of a transfer)
row_stages = [
    dict(name='noinit', method='flow, no init', template='split',
         config=_t3 + 'flow_det.py'),
    dict(name='flow_transfer', method='flow, supervision transfer',
         template='split', config=_t3 + 'flow_det.py',
         init_from=dict(stage='transfer', prefix='student.',
                        target='backbone.')),
    dict(name='flow_supervised', method='flow, supervised pre-training',
         template='split', config=_t3 + 'flow_det.py',
         init_from=dict(stage='flow_source', prefix='backbone.',
                        target='backbone.')),
]
