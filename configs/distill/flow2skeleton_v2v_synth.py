# Skeleton twin of flow2depth_v2c_synth.py on the synthetic world: the
# frozen flow teacher's video feature (mean of its N clips, 128-d) supervises
# a slim ST-GCN (64-d feature, projected to 128) that reads the whole
# skeleton sequence (resampled to 64 frames) of the paired TARGET video.
_base_ = ['./flow2depth_v2c_synth.py']
model = dict(
    student=dict(
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
            dropout=0.0),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', format_shape='NCTVM')),
    granularity='video',
    student_feature=dict(path='cls_head.fc', source='input', dim=64),
    connector=dict(
        _delete_=True,
        type='LinearConnector',
        in_channels=64,
        out_channels=128),
    student_modality='skeleton')
train_dataloader = dict(
    dataset=dict(
        clip_align='any',
        modalities=dict(
            _delete_=True,
            skeleton=dict(
                sampling=dict(mode='sequence', length=64, pad='resample'),
                pipeline=[
                    dict(type='LoadSkeleton'),
                    dict(type='FillSkeletonGaps'),
                    dict(type='CenterSkeleton'),
                    dict(type='SkeletonDecode'),
                    dict(type='FormatGCNInput', num_person=2),
                ]))))
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
