# Fine-tuning the 3D-ResNet-18 depth student on k labels per class of
# NTU-60's cross-view training split (k = 20 / 50 / 100, 5 seeds in the
# paper), evaluated at video level on the cross-view test split (mean of
# the scores of all 16-frame clips; top-1 and mean-class accuracy).
# Paper: SGD lr 0.1, momentum 0.9, wd 1e-3, batch 128, 100 epochs; after
# transfer only the last residual stage and the classifier are trained.
# Validation: 5 more videos per class of the labeled training pool,
# held out of every budget's training picks (never the test split).
# Methods (set by configs/pipelines/fsat_ntu60_depth.py or --cfg-options):
#   from scratch:   nothing (all layers trained)
#   FSAT:           custom_hooks=[PretrainedWeightsHook(<transfer ckpt>,
#                   prefix='student.')], model.backbone.frozen_stages=3
#   pretraining:    PretrainedWeightsHook(<teacher ckpt>,
#                   adapt_input_channels=True), frozen_stages=3
_base_ = [
    '../_base_/models/r3d18_depth.py', '../_base_/datasets/ntu_rgbd.py',
    '../_base_/schedules/sgd_epoch.py'
]
budget = 20
seed = 0
max_budget = 100
val_per_class = 5
# the validation picks (positions max_budget.. of each class's seeded
# order); the training pick holds them out, so the two never meet, even
# for a budget above max_budget (fsat/datasets/subsets.py)
_val = dict(k_per_class=val_per_class, skip_per_class=max_budget)
_target = dict(benchmark='ntu60_xview')
model = dict(
    backbone=dict(frozen_stages=-1),
    cls_head=dict(num_classes={{_base_.num_classes}}))

_single = dict(type='PackPairedInputs', pack_single=True)
train_dataloader = dict(
    batch_size=16,  # x 8 GPUs = the paper's 128
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # tensors of a batch cross from the workers in one shared block
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(_target, split='train'),
        labeled_subset=dict(k_per_class=budget, seed=seed, holdout=_val),
        subset='labeled',
        modalities=dict(depth=dict(pipeline={{_base_.depth_train}})),
        pack=_single))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(_target, split='train'),
        labeled_subset=dict(_val, seed=seed),
        subset='labeled',
        test_mode=True,
        modalities=dict(
            depth=dict(sampling='video', pipeline={{_base_.depth_test}})),
        pack=_single))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=dict(_target, split='val'),
        labeled_subset=None,
        subset='all',
        test_mode=True,
        modalities=dict(
            depth=dict(sampling='video', pipeline={{_base_.depth_test}})),
        pack=_single))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=100, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=100,
         milestones=[60, 90], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=10, save_best='auto'))
