# Supervision transfer of the Table 3 twin: the flow trunk learns the
# frozen RGB trunk's stride-8 map (../rgb2flow_r18_jhmdb_synth.py) on the
# source world's videos as unlabelled RGB / flow pairs (5 frames a video,
# no label read), as the paper takes them from UCF-101, at the detectors'
# shorter side of 160 and for 300 iterations of 4 pairs. The source world
# is data/synthetic_jhmdb_source or FSAT_JHMDB_SOURCE_ROOT; the teacher's
# checkpoint (an RGB detector, keys backbone.*) is given by the pipeline:
#   python tools/train.py \
#       configs/supervision_transfer/table3_synth/rgb2flow_transfer.py \
#       --cfg-options model.teacher.checkpoint=RGB_DETECTOR.pth
_base_ = ['../rgb2flow_r18_jhmdb_synth.py']
data_root = '{{$FSAT_JHMDB_SOURCE_ROOT:data/synthetic_jhmdb_source}}'
short_side = 160
iters = 300
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
# no validation here: the last checkpoint
default_hooks = dict(
    checkpoint=dict(interval=iters, save_best=None, rule=None))
train_dataloader = dict(dataset=dict(
    data_root=data_root,
    pipeline=[
        dict(type='Det2DResize', short_side=short_side),
        dict(type='PackDet2DInputs')
    ]))
