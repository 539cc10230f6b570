# Epoch-based SGD for the real datasets (the paper's epochs; the config
# sets max_epochs and the learning-rate steps).
_base_ = ['../default_runtime.py']
# the next batch is received in a background thread while a step runs
# (fsat.engine.loops; same batches, same order as EpochBasedTrainLoop)
train_cfg = dict(
    type='PrefetchEpochBasedTrainLoop', max_epochs=100, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-3),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=True,
        begin=0,
        end=100,
        milestones=[40, 80],
        gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, by_epoch=True, max_keep_ckpts=3,
        save_best='auto'),
    logger=dict(type='LoggerHook', interval=50))
# the paper's batch of 128 on 8 GPUs = 16 per GPU
auto_scale_lr = dict(enable=False, base_batch_size=128)
randomness = dict(seed=0)
