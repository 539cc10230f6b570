# Frame-level action detection (Fast R-CNN, fsat.models.FastRCNN2D) on the
# embedded JHMDB-format world (tools/data/synthesize.py --preset jhmdb:
# 10 of JHMDB's classes, 12 clips each, 320x240; data/synthetic_jhmdb or
# FSAT_JHMDB_SYNTH_ROOT), split 1. Every frame of a clip holds one box,
# the actor's (from the puppet mask), labelled with the clip's class, as
# in Gkioxari & Malik's frame-AP protocol. Flow (x, y, magnitude images)
# from
#   python tools/data/extract_flow.py data/synthetic_jhmdb/videos \
#       data/synthetic_jhmdb/flow --pattern '*/*.avi' --method farneback
# Sized for a 2-core CPU: every 4th test frame, sliding-window proposals
# of person-like shapes (the real configs read proposal files),
# mmaction2's 2-D ResNet-18 from scratch, its first 2 stages (stride 8),
# 2 fc layers of 512, AdamW.
_base_ = ['../../_base_/schedules/sgd_iter.py']
data_root = '{{$FSAT_JHMDB_SYNTH_ROOT:data/synthetic_jhmdb}}'
# the world's classes (fsat.datasets.synthetic.JHMDB_WORLD_CLASSES names)
classes = [
    'clap', 'jump', 'kick_ball', 'pick', 'push', 'sit', 'stand', 'throw',
    'walk', 'wave'
]
num_classes = len(classes)
split = 1
iters = 2000
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters),
                     logger=dict(interval=50))
# heights / widths 1-3: standing, bending and sitting people
windows = dict(type='SlidingWindowProposals', scales=(40, 64, 96, 144),
               ratios=(1.0, 2.0, 3.0), stride_ratio=0.5)
_dataset = dict(type='JHMDBFrameDetectionDataset', data_root=data_root,
                split=split, classes=classes)
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_dataset, subset='train'))
val_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, subset='test', frame_interval=4,
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCBoxMAP', num_classes=num_classes,
                     class_names=classes)
test_evaluator = val_evaluator
_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
detector = dict(
    type='FastRCNN2D',
    # stages 1-2 only (num_stages=2): the detector reads the stride-8
    # map, so stages 3-4 would cost a third of the step for nothing
    backbone=dict(type='ResNet', depth=18, pretrained=None, num_stages=2,
                  strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
                  norm_eval=False),
    feat_stride=8,
    roi_head=dict(type='RoIBoxHead2D', in_channels=128,
                  num_classes=num_classes, roi_size=7, fc_channels=512,
                  num_rois=128, fg_fraction=0.25, sampling_ratio=2),
    data_preprocessor=dict(type='Det2DDataPreprocessor', **_norm,
                           pad_size_divisor=8))

# flow images hold x in channel 0: mirrored, it changes sign
rgb_train_pipeline = [
    dict(type='Det2DRandomFlip', prob=0.5), windows,
    dict(type='PackDet2DInputs')
]
flow_train_pipeline = [
    dict(type='Det2DRandomFlip', prob=0.5, flow_modalities=('img', )),
    windows,
    dict(type='PackDet2DInputs')
]
test_pipeline = [windows, dict(type='PackDet2DInputs')]
