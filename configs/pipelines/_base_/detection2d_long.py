# What the long 2-D detection pipelines (detection2d_jhmdb_synth_long.py,
# detection2d_jhmdb_synth_long_rgb.py) share, besides the seeds of
# detection2d_seeded.py: the detector trained 3x longer than its config's
# 2,000 iterations, with the cosine decay, the validation and the
# checkpoint stretched to match. A stage takes it with
#   cfg_options={{_base_.long_cfg_options}}
# so the flow and RGB rows train on one schedule by construction.
_base_ = ['./detection2d_seeded.py']
long_iters = 6000
long_cfg_options = {
    'train_cfg.max_iters': long_iters,
    'train_cfg.val_interval': long_iters,
    'param_scheduler.0.T_max': long_iters,
    'default_hooks.checkpoint.interval': long_iters,
}
