# Supervision transfer of the Table 1 twin: the HHA trunk learns the
# frozen RGB trunk's stride-8 map on the target world's unlabelled
# training pairs (../rgb2hha_r18_nyud2_synth.py), at the detectors'
# shorter side of 160 and for 300 iterations of 4 pairs. The teacher's
# checkpoint (an RGB detector, keys backbone.*) is given by the pipeline:
#   python tools/train.py \
#       configs/supervision_transfer/table1_synth/rgb2hha_transfer.py \
#       --cfg-options model.teacher.checkpoint=RGB_DETECTOR.pth
_base_ = ['../rgb2hha_r18_nyud2_synth.py']
short_side = 160
iters = 300
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters))
_pipeline = [
    dict(type='Det2DResize', short_side=short_side),
    dict(type='PackDet2DInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_pipeline))
test_dataloader = val_dataloader
