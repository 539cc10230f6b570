# The flow detector of the Table 3 twin (flow_det.py) with a validation
# set for choosing its recipe: 30 % of the split's training source videos
# (the world's actors: 2 of 7, every clip of each, at least one clip of
# every class), held out of training (JHMDBFrameDetectionDataset
# holdout=0.3, holdout_seed 0), as Gkioxari & Malik's JHMDB has no
# validation set of its own; validated once, after the last iteration,
# on every 8th frame as the test. The test clips never choose anything.
# Used by configs/pipelines/st_jhmdb_synth_table3_val.py (the learning
# rate on split 1's validation clips).
#   python tools/train.py \
#       configs/supervision_transfer/table3_synth/flow_det_val.py
_base_ = ['./flow_det.py']
holdout = 0.3
train_dataloader = dict(dataset=dict(holdout=holdout, holdout_seed=0))
val_dataloader = dict(
    _delete_=True,
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='JHMDBFrameDetectionDataset',
        data_root=_base_.data_root,
        split=_base_.split,
        classes=_base_.classes,
        subset='train',
        holdout=holdout,
        holdout_seed=0,
        use_holdout=True,
        modality='flow',
        frame_interval=8,
        test_mode=True,
        pipeline=_base_.test_pipeline))
val_cfg = dict(_delete_=True, type='ValLoop')
val_evaluator = dict(_base_.test_evaluator, _delete_=True)
