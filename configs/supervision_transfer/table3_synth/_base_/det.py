# What the detectors of Gupta et al.'s Table 3 twin share
# (configs/pipelines/st_jhmdb_synth_table3.py): the synthetic JHMDB-format
# world's frame-level action detector
# (../../../detection2d/_base_/jhmdb_synth.py: Fast R-CNN on sliding
# windows of person-like shapes, ResNet-18 to its 2nd stage, stride 8),
# at a shorter side of 160 (not 240: 0.55 s a step instead of 0.8 with
# two runs on 2 cores), the windows scaled with the image, for 300
# iterations of 2 frames, tested on every 8th frame of the split's test
# clips (not every 4th) and not validated (the world has no validation
# clips; the last checkpoint is tested), so that the pipeline's 12 runs
# fit 30 min. Which split: train_dataloader.dataset.split and
# test_dataloader.dataset.split (the pipeline's `split` sweep).
_base_ = ['../../../detection2d/_base_/jhmdb_synth.py']
short_side = 160
iters = 300
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters, save_best=None))
# 2/3 of the 240-side windows (40, 64, 96, 144)
_windows = dict(type='SlidingWindowProposals', scales=(27, 43, 64, 96),
                ratios=(1.0, 2.0, 3.0), stride_ratio=0.5)
_resize = dict(type='Det2DResize', short_side=short_side)
model = _base_.detector
rgb_train_pipeline = [
    _resize, dict(type='Det2DRandomFlip', prob=0.5), _windows,
    dict(type='PackDet2DInputs')
]
flow_train_pipeline = [
    _resize,
    dict(type='Det2DRandomFlip', prob=0.5, flow_modalities=('img', )),
    _windows,
    dict(type='PackDet2DInputs')
]
test_pipeline = [_resize, _windows, dict(type='PackDet2DInputs')]
test_dataloader = dict(dataset=dict(frame_interval=8))
val_dataloader = None
val_cfg = None
val_evaluator = None
