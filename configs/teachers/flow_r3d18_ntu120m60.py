# Flow teacher on NTU-120-minus-60 (NTU RGB+D 120 without NTU-60's classes:
# A061-A120 relabelled 0..59, cross-subject): 3D-ResNet-18 (Hara et al.;
# conv1 7x7x7, 3x3x3 blocks) on 16x112x112 flow clips (x/y, 2 channels),
# evaluated at video level (mean of the clips' scores).
# Extract flow first: tools/data/extract_flow.py (docs/optical_flow.md).
#   tools/dist_train.sh configs/teachers/flow_r3d18_ntu120m60.py 8
_base_ = [
    '../_base_/models/r3d18.py', '../_base_/datasets/ntu_rgbd.py',
    '../_base_/schedules/sgd_epoch.py'
]
model = dict(
    backbone=dict(in_channels=2),
    cls_head=dict(num_classes={{_base_.num_classes}}),
    data_preprocessor=dict(mean=[128, 128], std=[128, 128]))

_single = dict(type='PackPairedInputs', pack_single=True)
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # tensors of a batch cross from the workers in one shared block
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(benchmark='ntu120_minus_60', split='train'),
        modalities=dict(flow=dict(pipeline={{_base_.flow_train}})),
        pack=_single))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(benchmark='ntu120_minus_60', split='val'),
        test_mode=True,
        modalities=dict(
            flow=dict(sampling='video', pipeline={{_base_.flow_test}})),
        pack=_single))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=100, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=100,
         milestones=[40, 80], gamma=0.1)
]
