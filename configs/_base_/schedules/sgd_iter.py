# Iteration-based runtime + SGD (momentum 0.9) with a cosine decay: the
# default runtime with iteration-based checkpoints and logs. Stages override
# max_iters (and the scheduler's T_max), lr and weight decay.
_base_ = ['../default_runtime.py']
# the next batch is received in a background thread while a step runs
# (fsat.engine.loops; same batches, same order as IterBasedTrainLoop)
train_cfg = dict(
    type='PrefetchIterBasedTrainLoop', max_iters=1000, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-3),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=1000, eta_min=0)
]
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1000, by_epoch=False,
        max_keep_ckpts=1),
    logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
# reproducible runs (pipelines set randomness.seed per sweep seed)
randomness = dict(seed=0)
