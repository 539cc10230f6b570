# The synthetic Toyota Smarthome world (tools/data/synthesize.py --preset
# smarthome; docs/synthetic_world.md, "Toyota Smarthome format"),
# cross-subject protocol, for the synth_* VPN++ configs in configs/vpn/:
# the slim models of models_slim.py and every data loader the configs use
# (as the real dataset files: rgb_*, distill_*, paired_*, skeleton_*,
# pose_cache_hook). RGB clips are 8 frames, every 6th (a 48-frame span:
# the whole action of the world's 48-80-frame clips; 16 consecutive frames
# see a quarter of it and leave the student at chance), of the person crop
# (the square box of the clip's 2-D joints from the sample's LCR-Net file,
# 15 % margin, LCRNetPersonCrop) resized to 64x64: the person is 30-55
# pixels tall, so the crop keeps the hand's pixels; skeletons of a whole
# clip are brought to 64 frames. Validation: the training subjects 3 and 4
# held out (cross-subject has no validation split); every run trains on
# the other nine training subjects (1,053 clips), validates on them (234)
# and is tested on the test subjects (819). Iteration-based, batch 8,
# 1,500 iterations, the learning rate divided by 10 at 1,000. Optimiser of
# the RGB and VPN* models: AdamW (lr 1e-3, weight decay 0.01) instead of the
# paper's SGD (lr 0.01, momentum 0.9, for ImageNet/Kinetics-pretrained
# I3D): from scratch, on the held-out subjects, the RGB student reached
# 30.3 % with AdamW, 24.4 % with SGD 0.01 and 8.5 % (chance 7.7 %) with
# SGD 0.1 (docs/reproducing.md, "VPN++"). The world has 13 of the CS
# table's 31 classes: the datasets keep those (metainfo classes), labelled
# 0-12 in the table's order, and the classifiers have 13 outputs.
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
data_root = '{{$FSAT_SMARTHOME_ROOT:data/synthetic_smarthome}}/smarthome'
clip_len = 8
frame_interval = 6
val_subjects = (3, 4)
# every video decoded once, its frames kept on disk (CachedVideoDecode:
# the same pixels as DecordInit + DecordDecode, about 11 GB for the
# world's 2,106 clips): the runs of a table read the same short clips
# thousands of times, and decoding them was most of a sample's cost;
# FSAT_FRAME_CACHE=/path/to/cache puts the cache elsewhere
frame_cache = '{{$FSAT_FRAME_CACHE:work_dirs/frame_cache}}'
rgb_train = [
    dict(type='CachedVideoDecode', cache_root=frame_cache),
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
    frame_interval=frame_interval,
    metainfo=dict(classes=classes))
_fit = dict(_source, split='train', exclude_subjects=val_subjects)
_held_out = dict(
    _source, split='train', subjects=val_subjects, test_mode=True)
_single = dict(type='PackPairedInputs', pack_single=True)
_train = dict(
    batch_size=8,
    num_workers=2,
    # iteration-based: an endless sampler
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='fsat.shared_collate'))
# video-level tests: every non-overlapping 48-frame span (8 frames),
# probabilities averaged
_test = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False))
_test_split = dict(_source, split='test', test_mode=True)
_rgb = dict(rgb=dict(pipeline=rgb_train))
_rgb_video = dict(rgb=dict(sampling='video', pipeline=rgb_test))
_paired = dict(
    rgb=dict(pipeline=rgb_train),
    skeleton=dict(sampling='same_clip', pipeline=skeleton))
_paired_test = dict(
    rgb=dict(pipeline=rgb_test),
    skeleton=dict(sampling='same_clip', pipeline=skeleton))
_sequence = dict(skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton))
rgb_train_dataloader = dict(
    _train,
    dataset=dict(_fit, clip_len=clip_len, modalities=_rgb, pack=_single))
rgb_val_dataloader = dict(
    _test,
    dataset=dict(
        _held_out, clip_len=clip_len, modalities=_rgb_video, pack=_single))
rgb_test_dataloader = dict(
    _test,
    dataset=dict(
        _test_split, clip_len=clip_len, modalities=_rgb_video,
        pack=_single))
distill_rgb_train_dataloader = dict(
    _train, dataset=dict(_fit, clip_len=clip_len, modalities=_rgb))
distill_paired_train_dataloader = dict(
    _train, dataset=dict(_fit, clip_len=clip_len, modalities=_paired))
distill_val_dataloader = dict(
    _test,
    dataset=dict(_held_out, clip_len=clip_len, modalities=_rgb_video))
distill_test_dataloader = dict(
    _test,
    dataset=dict(_test_split, clip_len=clip_len, modalities=_rgb_video))
paired_train_dataloader = distill_paired_train_dataloader
paired_val_dataloader = dict(
    _test,
    dataset=dict(_held_out, clip_len=clip_len, modalities=_paired_test))
paired_test_dataloader = dict(
    _test,
    dataset=dict(_test_split, clip_len=clip_len, modalities=_paired_test))
# late fusion (Table 5): the RGB model's video-level scores and AGCN-J's
# on the whole skeleton sequence, averaged (test only)
fusion_test_dataloader = dict(
    _test,
    dataset=dict(
        _test_split, clip_len=clip_len,
        modalities=dict(_rgb_video, **_sequence)))
skeleton_train_dataloader = dict(
    _train,
    batch_size=16,
    dataset=dict(_fit, modalities=_sequence, pack=_single))
skeleton_val_dataloader = dict(
    _test, dataset=dict(_held_out, modalities=_sequence, pack=_single))
skeleton_test_dataloader = dict(
    _test, dataset=dict(_test_split, modalities=_sequence, pack=_single))
pose_cache_hook = dict(
    type='TeacherFeatureCacheHook',
    teacher='pose',
    cache_root='work_dirs/teacher_cache',
    dataset=dict(_fit, test_mode=True, modalities=_sequence))
evaluator = dict(type='AccMetric')

max_iters = 1500
train_cfg = dict(
    type='PrefetchIterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-2),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[1000], gamma=0.1)
]
# AGCN-J: 600 iterations (batch 16, about 8 epochs; its training loss
# stops falling after ~500), the learning rate divided by 10 at 400
pose_iters = 600
pose_train_cfg = dict(train_cfg, max_iters=pose_iters, val_interval=pose_iters)
pose_optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
pose_param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[400], gamma=0.1)
]
default_hooks = dict(
    # the last checkpoint (validated on the held-out subjects once, at
    # the end)
    checkpoint=dict(
        type='CheckpointHook', interval=max_iters, by_epoch=False,
        max_keep_ckpts=1, save_best=None),
    logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
