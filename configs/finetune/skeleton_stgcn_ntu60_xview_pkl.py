# Fine-tuning the ST-GCN skeleton student on k labels per class of NTU-60
# cross-view, read from mmaction2's ntu60_3d.pkl instead of the .skeleton
# files (same model, schedule, sequence sampling and few-label picks as
# skeleton_stgcn_ntu60_xview.py; the bodies are those mmaction2's converter
# chose, see docs/datasets.md). Validation: 5 more samples per class of
# the training split, held out of every budget's training picks.
# Paper: SGD lr 0.1, momentum 0.9, wd 1e-5, batch 100, 70 epochs.
_base_ = [
    '../_base_/models/stgcn.py', '../_base_/datasets/ntu60_xview_pose_pkl.py',
    '../_base_/schedules/sgd_epoch.py'
]
budget = 20
seed = 0
max_budget = 100
val_per_class = 5
_val = dict(k_per_class=val_per_class, skip_per_class=max_budget)
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
_dataset = dict(
    type='PosePklDataset',
    ann_file={{_base_.ann_file}},
    sequence={{_base_.sequence}},
    pipeline={{_base_.skeleton_pipeline}})
train_dataloader = dict(
    batch_size=25,  # x 4 GPUs = the paper's 100
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _dataset,
        split={{_base_.train_split}},
        labeled_subset=dict(k_per_class=budget, seed=seed, holdout=_val),
        subset='labeled'))
val_dataloader = dict(
    batch_size=25,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _dataset,
        split={{_base_.train_split}},
        labeled_subset=dict(_val, seed=seed),
        subset='labeled',
        test_mode=True))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(_dataset, split={{_base_.test_split}}, test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=70, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=70,
         milestones=[40, 60], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=10, save_best='auto'))
