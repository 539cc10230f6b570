# Fine-tuning the ST-GCN skeleton student on k labels per class of NTU-60
# cross-view (whole sequences, no augmentation; all layers trained).
# Paper: SGD lr 0.1, momentum 0.9, wd 1e-5, batch 100, 70 epochs.
_base_ = ['./depth_r3d18_ntu60_xview.py']
_skeleton = dict(
    sampling={{_base_.skeleton_sequence}}, pipeline={{_base_.skeleton}})
model = dict(
    _delete_=True,
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
        in_channels=3,
        base_channels=64,
        num_person=2),
    cls_head=dict(
        type='GCNHead',
        num_classes={{_base_.num_classes}},
        in_channels=256,
        dropout=0.0),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCTVM'))
train_dataloader = dict(
    batch_size=25,  # x 4 GPUs = the paper's 100
    dataset=dict(modalities=dict(_delete_=True, skeleton=_skeleton)))
val_dataloader = dict(
    dataset=dict(modalities=dict(_delete_=True, skeleton=_skeleton)))
test_dataloader = dict(
    dataset=dict(modalities=dict(_delete_=True, skeleton=_skeleton)))
train_cfg = dict(max_epochs=70, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=70,
         milestones=[40, 60], gamma=0.1)
]
