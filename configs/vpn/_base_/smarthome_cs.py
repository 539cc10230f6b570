# Toyota Smarthome (trimmed), cross-subject (CS): 31 classes, for the VPN++
# configs in configs/vpn/ (see docs/distillers.md, "VPN++"). Defines the models
# at the paper's size for this dataset and every data loader the configs use:
# * rgb_*: RGB clips alone (the student; test time of every distilled
#   student, whose checkpoint tools/export_student.py exports);
# * paired_*: an RGB clip and the skeleton of the same frames (VPN*);
# * skeleton_*: whole skeleton sequences (the pose teacher AGCN-J, and the
#   view of the pose teacher's feature cache).
# 64-frame RGB clips at 224x224; skeletons of a whole video brought to
# 400 frames (uniformly resampled when longer, zero-padded
# when shorter); no flip (it would unpair RGB and pose).
# RGB frames are cropped to the person (the square box of the clip's
# 2-D LCR-Net joints, LCRNetPersonCrop): the wall cameras film the
# whole room, and VPN*'s pose-driven attention has no image position
# to find the person with (fsat's choice).
# Link the dataset (mp4/, skeletonv12/) to data/smarthome or set
# SMARTHOME_ROOT.
_base_ = [
    './models_i3d_agcn.py', './schedule_epoch.py',
    '../../_base_/default_runtime.py'
]
num_classes = 31
num_person = 1
graph_layout = 'smarthome15'
student = dict(cls_head=dict(num_classes=num_classes))
pose_model = dict(
    backbone=dict(graph_cfg=dict(layout=graph_layout), num_person=num_person),
    cls_head=dict(num_classes=num_classes))
vpn_star = dict(
    pose_backbone=dict(
        graph_cfg=dict(layout=graph_layout), num_person=num_person),
    cls_head=dict(num_classes=num_classes))
data_root = '{{$SMARTHOME_ROOT:data/smarthome}}'
clip_len = 64
rgb_train = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='LCRNetPersonCrop', margin=0.15, on_missing='keep'),
    dict(type='Resize', scale=(256, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
rgb_test = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='LCRNetPersonCrop', margin=0.15, on_missing='keep'),
    dict(type='Resize', scale=(256, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
]
skeleton = [
    dict(type='LoadLCRNetSkeleton'),
    dict(type='LCRNetTo15Joints'),
    dict(type='FillSkeletonGaps'),
    dict(type='CenterSkeleton', joint=14),
    dict(type='SkeletonDecode'),
    dict(type='FormatGCNInput', num_person=1),
]
skeleton_sequence = dict(mode='sequence', length=400, pad='zero')

_source = dict(type='SmarthomeDataset', data_root=data_root, protocol='CS')
_train_split = dict(split='train')
_val_split = dict(split='test')
_test_split = dict(split='test')
_single = dict(type='PackPairedInputs', pack_single=True)
# samples without a skeleton file are dropped (and counted in the log) where
# a model reads the pose; VPN-F's RGB batches keep the same samples (the
# skeleton file is the reference timeline, read for its length only), so
# every training video has a cached teacher feature
_with_pose = dict(on_missing='skip')
_pose_timeline = dict(reference='skeleton', on_missing='skip')
_train = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
# video-level tests: every non-overlapping clip, probabilities averaged
_test = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
_rgb_video = dict(sampling='video', pipeline=rgb_test)
# the student (plain recognizer)
rgb_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, **_train_split, clip_len=clip_len,
        modalities=dict(rgb=dict(pipeline=rgb_train)), pack=_single))
rgb_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, **_test_split, clip_len=clip_len, test_mode=True,
        modalities=dict(rgb=_rgb_video), pack=_single))
rgb_val_dataloader = dict(
    rgb_test_dataloader,
    dataset=dict(rgb_test_dataloader['dataset'], **_val_split))
# distillers: paired batches (dict of modalities), RGB alone at test time
distill_rgb_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, **_train_split, **_pose_timeline, clip_len=clip_len,
        modalities=dict(rgb=dict(pipeline=rgb_train))))
distill_paired_train_dataloader = dict(
    _train,
    dataset=dict(
        _source, **_train_split, **_with_pose, clip_len=clip_len,
        modalities=dict(
            rgb=dict(pipeline=rgb_train),
            skeleton=dict(sampling='same_clip', pipeline=skeleton))))
distill_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, **_test_split, clip_len=clip_len, test_mode=True,
        modalities=dict(rgb=_rgb_video)))
distill_val_dataloader = dict(
    distill_test_dataloader,
    dataset=dict(distill_test_dataloader['dataset'], **_val_split))
# VPN*: RGB and pose at test time (the centre clip and its skeleton)
paired_train_dataloader = distill_paired_train_dataloader
paired_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, **_test_split, **_with_pose, clip_len=clip_len,
        test_mode=True,
        modalities=dict(
            rgb=dict(pipeline=rgb_test),
            skeleton=dict(sampling='same_clip', pipeline=skeleton))))
paired_val_dataloader = dict(
    paired_test_dataloader,
    dataset=dict(paired_test_dataloader['dataset'], **_val_split))
# late fusion (Table 5): the RGB model's video-level scores and AGCN-J's
# on the whole skeleton sequence, averaged (test only)
fusion_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, **_test_split, **_with_pose, clip_len=clip_len,
        test_mode=True,
        modalities=dict(
            rgb=_rgb_video,
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton))))
# AGCN-J: whole skeleton sequences
skeleton_train_dataloader = dict(
    _train,
    batch_size={{_base_.pose_batch_size}},
    dataset=dict(
        _source, **_train_split, **_with_pose,
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton)),
        pack=_single))
skeleton_test_dataloader = dict(
    _test,
    dataset=dict(
        _source, **_test_split, **_with_pose, test_mode=True,
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton)),
        pack=_single))
skeleton_val_dataloader = dict(
    skeleton_test_dataloader,
    dataset=dict(skeleton_test_dataloader['dataset'], **_val_split))
# the frozen pose teacher's features of the training videos, computed once
# (fsat.engine.TeacherFeatureCacheHook): VPN-F then costs what RGB
# training costs
pose_cache_hook = dict(
    type='TeacherFeatureCacheHook',
    teacher='pose',
    cache_root='work_dirs/teacher_cache',
    dataset=dict(
        _source, **_train_split, **_with_pose, test_mode=True,
        modalities=dict(
            skeleton=dict(sampling=skeleton_sequence, pipeline=skeleton))))
evaluator = dict(type='AccMetric')
# no "best" checkpoint (Smarthome CS and NTU validate on their test split)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3, save_best=None))
