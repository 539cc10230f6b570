# Fine-tuning the depth student on k labels per class of the synthetic
# TARGET half (cross-view: train cameras 2 and 3, test camera 1), evaluated
# at video level (mean of the scores of all 16-frame clips).
# Validation: 5 more videos per class from the labeled training pool,
# held out of every budget's training picks (never the test split).
# Sweeps set budget and seed; methods set the initialisation:
#   from scratch:   nothing (all layers trained)
#   FSAT:           custom_hooks=[PretrainedWeightsHook(transfer ckpt,
#                   prefix='student.')], backbone.frozen_stages=3
#   pretraining:    PretrainedWeightsHook(teacher ckpt,
#                   adapt_input_channels=True), frozen_stages=3
_base_ = [
    '../_base_/models/r3d18_slim_depth.py',
    '../_base_/datasets/synthetic_ntu.py', '../_base_/schedules/sgd_iter.py'
]
budget = 10
seed = 0
max_budget = 20
val_per_class = 5
# the validation picks (positions max_budget.. of each class's seeded
# order); the training pick holds them out, so the two never meet, even
# for a budget above max_budget (fsat/datasets/subsets.py)
_val = dict(k_per_class=val_per_class, skip_per_class=max_budget)
_target = dict(benchmark='ntu60_xview', classes={{_base_.target_classes}})

model = dict(
    backbone=dict(frozen_stages=-1),
    cls_head=dict(num_classes={{_base_.num_classes}}))

_single = dict(type='PackPairedInputs', pack_single=True)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    # iteration-based: an endless sampler (a DefaultSampler makes MMEngine
    # sleep 2 s at every pass over a small labeled set)
    sampler=dict(type='InfiniteSampler', shuffle=True),
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
    num_workers=2,
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
        test_mode=True,
        modalities=dict(
            depth=dict(sampling='video', pipeline={{_base_.depth_test}})),
        pack=_single))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(max_iters=150, val_interval=150)
optim_wrapper = dict(optimizer=dict(lr=0.02, weight_decay=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=150, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=150, save_best=None))
