# Flow teacher on the synthetic world's SOURCE half (the NTU-120-minus-60
# stand-in, classes A061..A070), cross-subject split: a slim 3D-ResNet-18
# on 16x32x32 flow clips (2 channels).
_base_ = [
    '../_base_/models/r3d18_slim.py', '../_base_/datasets/synthetic_ntu.py',
    '../_base_/schedules/sgd_iter.py'
]
num_classes = {{_base_.num_classes}}
model = dict(
    backbone=dict(in_channels=2),
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(mean=[128, 128], std=[128, 128]))

_source = dict(
    benchmark='ntu120_minus_60',
    split_rule='xsub',
    classes={{_base_.source_classes}})
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    # iteration-based: an endless sampler (a DefaultSampler makes MMEngine
    # sleep 2 s at every pass over a small labeled set)
    sampler=dict(type='InfiniteSampler', shuffle=True),
    # tensors of a batch cross from the workers in one shared block
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(_source, split='train'),
        modalities=dict(flow=dict(pipeline={{_base_.flow_train}})),
        pack=dict(type='PackPairedInputs', pack_single=True)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(_source, split='val'),
        test_mode=True,
        modalities=dict(
            flow=dict(sampling='video', pipeline={{_base_.flow_test}})),
        pack=dict(type='PackPairedInputs', pack_single=True)))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(max_iters=2000, val_interval=2000)
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=2000, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=2000))
