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
# the test loader's settings (every 8th frame, the test pipeline) on the
# held-out training clips
val_dataloader = dict(
    _base_.test_dataloader,
    _delete_=True,
    dataset=dict(
        _base_.test_dataloader.dataset,
        subset='train',
        holdout=holdout,
        holdout_seed=0,
        use_holdout=True))
val_cfg = dict(_delete_=True, type='ValLoop')
val_evaluator = dict(_base_.test_evaluator, _delete_=True)
