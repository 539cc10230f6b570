# The synthetic Toyota Smarthome world (tools/data/synthesize.py --preset
# smarthome; docs/synthetic_world.md, "Toyota Smarthome format"),
# cross-subject protocol, for the synth_* VPN++ configs in configs/vpn/:
# the slim models of models_slim.py and every data loader the configs use
# (as the real dataset files: rgb_*, distill_*, paired_*, skeleton_*,
# pose_cache_hook). RGB clips are 16 frames of the person crop (the square
# box of the clip's 2-D joints from the sample's LCR-Net file, 15 % margin,
# LCRNetPersonCrop) resized to 64x64: the person is 30-55 pixels tall, so
# the crop keeps the hand's pixels; skeletons of a whole clip are brought
# to 64 frames (the world's clips have 48-80). Iteration-based, batch 8, SGD
# (lr 0.01, momentum 0.9, the paper's) with the learning rate divided by
# 10 at 2/3 of the run. The world has 13 of the CS table's 31 classes:
# the datasets keep those (metainfo classes), labelled 0-12 in the table's
# order, and the classifiers have 13 outputs.
# The world is data/synthetic_smarthome below the working directory or
# FSAT_SMARTHOME_ROOT=/path/to/world.
_base_ = ['./models_slim.py', '../../_base_/default_runtime.py']
classes = ('Drink.Frombottle', 'Drink.Fromcup', 'Drink.Fromglass',
           'Eat.Snack', 'Getup', 'Pour.Frombottle', 'Pour.Fromcan',
           'Sitdown', 'Takepills', 'Uselaptop', 'Usetelephone', 'Usetablet',
           'Walk')
num_classes = 13
student = dict(cls_head=dict(num_classes=num_classes))
pose_model = dict(cls_head=dict(num_classes=num_classes))
vpn_star = dict(cls_head=dict(num_classes=num_classes))
# SCD's and CRD's M = negatives / num_data: the CS training split of the
# `smarthome` preset (1,287 clips; `smarthome_unit`: 48)
num_train = 1287

data_root = '{{$FSAT_SMARTHOME_ROOT:data/synthetic_smarthome}}/smarthome'
clip_len = 16
rgb_train = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='LCRNetPersonCrop', margin=0.15),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
rgb_test = rgb_train
skeleton = [
    dict(type='LoadLCRNetSkeleton'),
    dict(type='LCRNetTo15Joints'),
    dict(type='FillSkeletonGaps'),
    dict(type='CenterSkeleton', joint=14),
    dict(type='SkeletonDecode'),
    dict(type='FormatGCNInput', num_person=1),
]
skeleton_sequence = dict(mode='sequence', length=64, pad='zero')

_source = dict(
    type='SmarthomeDataset',
    data_root=data_root,
    protocol='CS',
    metainfo=dict(classes=classes))
_single = dict(type='PackPairedInputs', pack_single=True)
_train = dict(
    batch_size=8,
    num_workers=2,
    # iteration-based: an endless sampler
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='fsat.shared_collate'))
# video-level tests: every non-overlapping 16-frame clip, probabilities
# averaged
_test = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False))
_rgb_video = dict(sampling='video', pipeline=rgb_test)
rgb_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, split='train', clip_len=clip_len,
        modalities=dict(rgb=dict(pipeline=rgb_train)), pack=_single))
rgb_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, split='test', clip_len=clip_len, test_mode=True,
        modalities=dict(rgb=_rgb_video), pack=_single))
rgb_val_dataloader = rgb_test_dataloader
distill_rgb_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, split='train', clip_len=clip_len,
        modalities=dict(rgb=dict(pipeline=rgb_train))))
distill_paired_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, split='train', clip_len=clip_len,
        modalities=dict(
            rgb=dict(pipeline=rgb_train),
            skeleton=dict(sampling='same_clip', pipeline=skeleton))))
distill_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, split='test', clip_len=clip_len, test_mode=True,
        modalities=dict(rgb=_rgb_video)))
distill_val_dataloader = distill_test_dataloader
paired_train_dataloader = distill_paired_train_dataloader
paired_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, split='test', clip_len=clip_len, test_mode=True,
        modalities=dict(
            rgb=dict(pipeline=rgb_test),
            skeleton=dict(sampling='same_clip', pipeline=skeleton))))
paired_val_dataloader = paired_test_dataloader
skeleton_train_dataloader = dict(
    _train,
    batch_size=16,
    dataset=dict(
        _source, split='train',
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton)),
        pack=_single))
skeleton_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, split='test', test_mode=True,
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton)),
        pack=_single))
skeleton_val_dataloader = skeleton_test_dataloader
pose_cache_hook = dict(
    type='TeacherFeatureCacheHook',
    teacher='pose',
    cache_root='work_dirs/teacher_cache',
    dataset=dict(
        _source, split='train', test_mode=True,
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton))))
evaluator = dict(type='AccMetric')

max_iters = 1500
train_cfg = dict(
    type='PrefetchIterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[1000], gamma=0.1)
]
pose_train_cfg = train_cfg
pose_optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
pose_param_scheduler = param_scheduler
default_hooks = dict(
    # the validation set is the test set (CS has no validation split):
    # no "best" checkpoint is chosen on it
    checkpoint=dict(
        type='CheckpointHook', interval=max_iters, by_epoch=False,
        max_keep_ckpts=1, save_best=None),
    logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
