# R-C3D on untrimmed PKU-MMD depth video, cross-subject (FSAT paper §V-D,
# Table VI), from scratch. The two other rows of the table change only the
# initialisation (configs/detection/rc3d_r3d18_depth_pkummd_{pretrain,fsat}
# .py). The paper's recipe: 8 epochs, batch 4, lr 1e-4 then 1e-5 for the
# last 2 epochs; metric mAP at tIoU 0.5 (PKU-MMD protocol). Buffers of 768
# frames at the original frame rate, 50 % overlap; a test video is detected
# buffer by buffer and the buffers' detections merged by class-wise NMS.
#   python tools/train.py configs/detection/rc3d_r3d18_depth_pkummd.py
#   (PKU_ROOT=<folder holding Data/, Label/, Split/>)
# Fraction of the training videos (Table VI: 1/4, 1/2, all):
#   --cfg-options train_dataloader.dataset.video_fraction=0.25
_base_ = [
    '../_base_/models/rc3d_r3d18.py', '../_base_/schedules/sgd_epoch.py'
]
data_root = '{{$PKU_ROOT:data/pku_mmd}}'
num_classes = 51
buffer_len = 768
input_size = 112

model = dict(classifier_head=dict(num_classes=num_classes))

_load = dict(type='LoadMaskedDepth')
train_pipeline = [
    _load,
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='ReplicateDepth', mm_range=(500, 4500)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackDetectionInputs'),
]
test_pipeline = train_pipeline
_dataset = dict(
    type='PKUMMDDetectionDataset',
    data_root=data_root,
    protocol='cross-subject',
    num_classes=num_classes,
    buffer_len=buffer_len,
    modality='depth')
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        _dataset,
        split='train',
        video_fraction=1.0,
        subset_seed=0,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _dataset, split='val', test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
# PKU-MMD's own evaluate.py protocol, so that the numbers compare with the
# PKU-MMD literature (keys tdet/pku_mmd/mAP@...; docs/detection.md)
val_evaluator = dict(
    type='TemporalDetectionMAP',
    num_classes=num_classes,
    protocol='pku_mmd',
    merge_iou=0.3)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=8, val_interval=8)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=8,
        milestones=[6],
        gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=8, max_keep_ckpts=1, save_best=None),
    logger=dict(interval=20))
