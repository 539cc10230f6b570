# A control the paper does not need (run configs/pipelines/
# hallucination_synth.py first: its runs are taken over, only the control
# trains): the RGB stream of step 1 trained on with cross-entropy for as
# many iterations as steps 2 and 4 add to the final model's RGB stream
# (150 + 150), so that "RGB only" is not behind the final model just for
# being trained less. Its table holds the main pipeline's rows beside it.
#   python tools/run_pipeline.py \
#       configs/pipelines/hallucination_synth_control.py --jobs 2
_base_ = ['./_base_/hallucination_synth_world.py']
stages = _base_.core_stages + [
    dict(name='step3', method='hallucination stream (step 3)',
         template=['seeded', 'step3']),
    dict(name='step4', method='RGB + hallucination (step 4)',
         template=['seeded', 'step4']),
    dict(name='rgb_longer', method='RGB stream, +300 iterations',
         template=['seeded', 'rgb'], init_from='rgb',
         cfg_options={
             'train_cfg.max_iters': 300,
             'train_cfg.val_interval': 300,
             'param_scheduler.0.T_max': 300,
             'default_hooks.checkpoint.interval': 300}),
]
