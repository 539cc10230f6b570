# Skeleton student (ST-GCN on whole sequences resampled to 64 frames, no
# augmentation, as in the paper) fine-tuned on k labels per class of the
# synthetic TARGET half, cross-view; all layers trained.
_base_ = ['./depth_r3d18_synth.py']
skeleton = [
    dict(type='LoadSkeleton'),
    dict(type='FillSkeletonGaps'),
    dict(type='CenterSkeleton'),
    dict(type='SkeletonDecode'),
    dict(type='FormatGCNInput', num_person=2),
]
_sequence = dict(mode='sequence', length=64, pad='resample')
model = dict(
    _delete_=True,
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
        in_channels=3,
        base_channels=16,
        num_person=2),
    cls_head=dict(
        type='GCNHead',
        num_classes={{_base_.num_classes}},
        in_channels=64,
        dropout=0.0))
train_dataloader = dict(
    dataset=dict(
        modalities=dict(
            _delete_=True,
            skeleton=dict(sampling=_sequence, pipeline=skeleton))))
val_dataloader = dict(
    dataset=dict(
        modalities=dict(
            _delete_=True,
            skeleton=dict(sampling=_sequence, pipeline=skeleton))))
test_dataloader = dict(
    dataset=dict(
        modalities=dict(
            _delete_=True,
            skeleton=dict(sampling=_sequence, pipeline=skeleton))))
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
