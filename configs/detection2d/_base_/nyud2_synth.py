# Fast R-CNN (fsat.models.FastRCNN2D) on the embedded NYUD2-format indoor
# world (tools/data/synthesize.py --preset nyud2: 200 train / 160
# test rooms-views at 480x640, 8 of Gupta et al.'s 19 classes; data/
# synthetic_nyud2 or FSAT_NYUD2_SYNTH_ROOT). HHA precomputed by
#   python tools/data/depth_to_hha.py --nyud2-mat \
#       data/synthetic_nyud2/nyu_depth_v2_labeled.mat \
#       data/synthetic_nyud2/hha --workers 2
# or, in a pipeline, by the world's prepare step: dict(type=
# 'synthetic_world', out='data/synthetic_nyud2', preset='nyud2', hha=True)
# Sized for a 2-core CPU: images at half size (shorter side 240, the real
# configs use 688), sliding-window proposals (the real configs read MCG
# proposal files), mmaction2's 2-D ResNet-18 from scratch up to its 2nd
# stage (stride 8, 128 channels), 2 fc layers of 512, AdamW.
_base_ = ['../../_base_/schedules/sgd_iter.py']
data_root = '{{$FSAT_NYUD2_SYNTH_ROOT:data/synthetic_nyud2}}'
# the world's classes (fsat.datasets.synthetic.INDOOR_CLASSES)
classes = [
    'bed', 'bookshelf', 'chair', 'dresser', 'monitor', 'night-stand', 'sofa',
    'table'
]
num_classes = len(classes)
short_side = 240
iters = 800
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters),
                     logger=dict(interval=50))
windows = dict(type='SlidingWindowProposals', scales=(32, 64, 128, 256),
               ratios=(0.5, 1.0, 2.0), stride_ratio=0.5)
train_pipeline = [
    dict(type='Det2DResize', short_side=short_side),
    dict(type='Det2DRandomFlip', prob=0.5),
    windows,
    dict(type='PackDet2DInputs'),
]
test_pipeline = [
    dict(type='Det2DResize', short_side=short_side),
    windows,
    dict(type='PackDet2DInputs'),
]
_dataset = dict(type='NYUD2DetectionDataset', data_root=data_root,
                classes=classes, hha_root='hha', min_area=100)
# one modality per detector: the configs set `modalities`
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_dataset, split='train', filter_empty_gt=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='test', test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCBoxMAP', num_classes=num_classes,
                     class_names=classes)
test_evaluator = val_evaluator
# both modalities are 3-channel uint8 images (HHA as Gupta et al. feed it)
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
# RGB + HHA late fusion (test only): both detectors on the same
# proposals, class scores averaged before the softmax and box deltas
# averaged (Gupta et al.); their checkpoints are given at test time
fusion_detector = dict(
    type='LateFusionDetector2D',
    detectors=dict(rgb=dict(detector, modality='rgb'),
                   hha=dict(detector, modality='hha')),
    checkpoints=dict(rgb=None, hha=None),
    score_fusion='logits')
