# Table 3 of the hallucination network on the synthetic world: step 2's
# two-stream model tested with clean RGB and depth corrupted by speckle
# noise I * n, n ~ N(1, s^2) (SpeckleNoise, before the jet colouring), at
# the paper's variances, and with no depth at all ("void"), against the
# hallucination model (step 4), which needs no depth. Run
# configs/pipelines/hallucination_synth.py first: its runs are taken over,
# and this pipeline only tests.
_base_ = ['./_base_/hallucination_synth_world.py']
_noise = 'test_dataloader.dataset.modalities.depth.pipeline.1.'
# test only: no validation pass
_no_val = {'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None}


def _noisy(name, label, **noise):
    return dict(
        name=name, method=f'RGB + depth (step 2), depth {label}',
        template=['seeded', 'step2'], test_only=True,
        cfg_options=dict(
            _no_val, load_from='{step2.checkpoint}',
            **{_noise + k: v for k, v in noise.items()}))


stages = _base_.core_stages + [
    dict(name='step3', method='hallucination stream (step 3)',
         template=['seeded', 'step3']),
    dict(name='step4', method='RGB + hallucination (step 4), no depth',
         template=['seeded', 'step4']),
    _noisy('var1e-3', 'noise s^2 = 1e-3', variance=1e-3),
    _noisy('var1e-2', 'noise s^2 = 1e-2', variance=1e-2),
    _noisy('var1e-1', 'noise s^2 = 1e-1', variance=1e-1),
    _noisy('var1', 'noise s^2 = 1', variance=1.0),
    _noisy('var10', 'noise s^2 = 10', variance=10.0),
    _noisy('void', 'void (all missing)', void=True),
    # step 3's hallucination stream with the depth gates it trained with
    # (depth needed at test), against the RGB-only test of its own row
    dict(name='step3_gated', method='hallucination stream (step 3), '
         'depth gates kept', template='seeded', test_only=True,
         config='configs/hallucination/step3_gated_test_synth.py',
         cfg_options=dict(_no_val, load_from='{step3.checkpoint}')),
]
