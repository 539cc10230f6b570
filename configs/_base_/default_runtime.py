# Runtime settings shared by every fsat config.
# `fsat` scope: fsat plugins, every mmaction2 type and every MMEngine type
# resolve by name.
default_scope = 'fsat'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPU nodes; fsat.engine.init_dist switches to gloo without CUDA
    dist_cfg=dict(backend='nccl'))

# one DDP wrapper for CUDA and CPU ranks (drops device_ids on the CPU)
model_wrapper_cfg = dict(
    type='DeviceAgnosticDDP',
    broadcast_buffers=False,
    find_unused_parameters=False)

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
