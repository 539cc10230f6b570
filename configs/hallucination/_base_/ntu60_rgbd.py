# The hallucination network (Garcia et al., ECCV 2018) on the real NTU
# RGB+D 60, as the paper trains it: per-frame ResNet-50 streams at
# 224x224, 5 frames sampled uniformly per video (the same 5 for RGB and
# depth, at training and test), depth as jet-coloured 3-channel images,
# both modalities registered from the skeleton joints and cropped to the
# part of the scene both cameras see (NTURegistrationCrop, supplementary
# Sec. 2), one horizontal flip with p = 0.5 shared by RGB and depth at
# training (PairedFlip). Validation: the paper's sets (cross-subject:
# training subject 1; cross-view: 31 videos per action drawn with numpy
# seed 0), kept out of training. Videos without skeleton data (NTU's
# list) are left out: they cannot be registered.
# Loaders for both benchmarks: ntu_loaders['ntu60_xsub' | 'ntu60_xview'].
#
# Data: link the dataset to data/nturgbd or set NTU_ROOT (docs/datasets.md;
# nturgb+d_rgb/, nturgb+d_depth_masked/, nturgb+d_skeletons/).
# ImageNet weights (never downloaded): a torchvision-format ResNet-50
# checkpoint, e.g. resnet50-0676ba61.pth, named by FSAT_IMAGENET_R50;
# without it the step-1 streams start from scratch (a warning is not
# enough to reproduce the paper: set it).
# Optimisation: Adam, lr 1e-3 then 1e-4 (the paper's Fig. 4; the public
# code's Adam 1e-3), batch 5 videos x 5 frames as the public code. The
# paper gives no schedule length: 30,000 iterations per step (about 4
# epochs of the CV training set), lr / 10 at 20,000, are our choice.
_base_ = ['../../_base_/schedules/sgd_iter.py']
iters = 30000
train_cfg = dict(max_iters=iters, val_interval=5000)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=1e-3),
    clip_grad=None)
param_scheduler = [
    dict(
        _delete_=True,
        type='MultiStepLR',
        by_epoch=False,
        milestones=[20000],
        gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=5000, max_keep_ckpts=2, save_best='auto'))
data_root = '{{$NTU_ROOT:data/nturgbd}}'
skeleton_root = data_root + '/nturgb+d_skeletons'
num_classes = 60
num_segments = 5
input_size = 224
# decoded depth folders are not cached (hundreds of GB): set a folder to
# trade disk for CPU (fsat/datasets/frame_cache.py)
frame_cache = None


def _rgb(train):
    return [
        dict(type='DecordInit'),
        dict(type='DecordDecode'),
        dict(type='NTURegistrationCrop', modality='rgb',
             skeleton_root=skeleton_root),
        dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    ] + ([dict(type='PairedFlip', flip_ratio=0.5)] if train else []) + [
        dict(type='FormatShape', input_format='NCHW')
    ]


def _depth(train, noise=False):
    return [
        dict(type='LoadMaskedDepth', cache_root=frame_cache),
    ] + ([dict(type='SpeckleNoise', variance=0.0, void=False)]
         if noise else []) + [
        dict(type='NTURegistrationCrop', modality='depth',
             skeleton_root=skeleton_root),
        dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    ] + ([dict(type='PairedFlip', flip_ratio=0.5)] if train else []) + [
        dict(type='JetDepth'),
        dict(type='FormatShape', input_format='NCHW')
    ]


_uniform = dict(mode='sequence', length=num_segments, pad='resample')


def _modalities(names, train, noise=False):
    pipelines = dict(rgb=_rgb(train), depth=_depth(train, noise))
    return {n: dict(sampling=_uniform, pipeline=pipelines[n]) for n in names}


def _loaders(benchmark):
    ntu = dict(benchmark=benchmark, holdout='garcia2018',
               exclude_missing_skeletons=True)
    source = dict(type='PairedModalityDataset', data_root=data_root)
    train = dict(batch_size=5, num_workers=8, persistent_workers=True,
                 sampler=dict(type='InfiniteSampler', shuffle=True),
                 collate_fn=dict(type='fsat.shared_collate'))
    evaluate = dict(train, sampler=dict(type='DefaultSampler',
                                        shuffle=False))
    out = {}
    for name, modalities in (('rgb', ['rgb']), ('depth', ['depth']),
                             ('rgb_depth', ['rgb', 'depth'])):
        out[name + '_train'] = dict(train, dataset=dict(
            source, ntu=dict(ntu, split='train'),
            modalities=_modalities(modalities, True)))
        out[name + '_val'] = dict(evaluate, dataset=dict(
            source, ntu=dict(ntu, split='train', use_holdout=True),
            modalities=_modalities(modalities, False), test_mode=True))
        out[name + '_test'] = dict(evaluate, dataset=dict(
            source, ntu=dict(benchmark=benchmark, split='val',
                             exclude_missing_skeletons=True),
            modalities=_modalities(modalities, False, noise=True),
            test_mode=True))
    return out


ntu_loaders = {b: _loaders(b) for b in ('ntu60_xsub', 'ntu60_xview')}
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

_norm = dict(
    type='ActionDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    format_shape='NCHW')
imagenet_r50 = '{{$FSAT_IMAGENET_R50:none}}'
stream = dict(
    depth=50,
    pretrained=None if imagenet_r50 == 'none' else imagenet_r50,
    torchvision_pretrain=True,
    norm_eval=False)
head = dict(
    type='TSNHead',
    num_classes=num_classes,
    in_channels=2048,
    dropout_ratio=0.5,
    average_clips='prob')
rgb_preprocessor = dict(
    type='PairedDataPreprocessor', preprocessors=dict(rgb=_norm))
depth_preprocessor = dict(
    type='PairedDataPreprocessor', preprocessors=dict(depth=_norm))
rgb_depth_preprocessor = dict(
    type='PairedDataPreprocessor', preprocessors=dict(rgb=_norm, depth=_norm))
connection_stages = (0, 1, 2, 3)
