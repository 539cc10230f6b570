# Trains ToyFeatureDistiller on fsat's toy clips. With the package installed
# the entry point registers the types; otherwise custom_imports does.
custom_imports = dict(imports=['fsat.testing', 'fsat_plugin_example'])
default_scope = 'fsat'

_recognizer = dict(
    type='Recognizer3D',
    backbone=dict(type='ToyClipBackbone', in_channels=3, width=8),
    cls_head=dict(
        type='I3DHead',
        num_classes=4,
        in_channels=8,
        dropout_ratio=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCTHW'))
model = dict(
    type='ToyFeatureDistiller',
    student=_recognizer,
    teacher=_recognizer,
    distill_loss=dict(type='AbsDistillLoss', loss_weight=1.0))

_dataset = dict(
    type='ToyClipDataset',
    num_samples=32,
    num_classes=4,
    pipeline=[dict(type='PackActionInputs')])
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=_dataset)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=8)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=2),
    checkpoint=dict(type='CheckpointHook', interval=8, by_epoch=False))
log_processor = dict(by_epoch=False)
# a fixed seed: the same initial student and teacher, the same loss curve
randomness = dict(seed=0)
