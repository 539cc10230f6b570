# FSAT transfer to the skeleton student (paper Table V): ST-GCN on whole
# sequences (no augmentation) matches the mean of the frozen flow teacher's
# features over all clips of the paired video (video-to-video), through a
# linear projection 256 -> 512; cosine distance; teacher features cached
# (the teacher, its cache hook and the data root are flow2depth_v2c.py's).
# Paper: SGD lr 0.1, momentum 0.9, wd 1e-5, batch 100, 120 epochs.
_base_ = ['./flow2depth_v2c.py']
model = dict(
    student=dict(
        _delete_=True,
        type='RecognizerGCN',
        backbone=dict(
            type='STGCN',
            graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
            in_channels=3,
            base_channels=64,
            num_person=2),
        cls_head=dict(
            type='GCNHead', num_classes=60, in_channels=256, dropout=0.0),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', format_shape='NCTVM')),
    granularity='video',
    # ST-GCN's feature is the (person-averaged) input of its classifier
    student_feature=dict(path='cls_head.fc', source='input', dim=256),
    connector=dict(
        _delete_=True,
        type='LinearConnector',
        in_channels=256,
        out_channels=512),
    student_modality='skeleton')

train_dataloader = dict(
    batch_size=25,  # x 4 GPUs = the paper's 100
    dataset=dict(
        clip_align='any',
        modalities=dict(
            _delete_=True,
            skeleton=dict(
                sampling={{_base_.skeleton_sequence}},
                pipeline={{_base_.skeleton}}))))

train_cfg = dict(max_epochs=120)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=120, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=10))
