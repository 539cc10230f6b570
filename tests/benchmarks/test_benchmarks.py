# Copyright (c) fsat contributors. All rights reserved.
"""The benchmark scripts run and report what they claim (speed itself is
never asserted in tests; see docs for measured numbers)."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load(name):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'benchmarks', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_distill_throughput_reports_consistent_ratios():
    bench = load('distill_throughput')
    out = bench.main(['--batch-size', '2', '--num-clips', '2', '--size',
                      '16', '--clip-len', '8', '--iters', '1', '--rounds',
                      '1', '--threads', '1'])
    rate = out['iters_per_s']
    assert set(rate) == {'a', 'b', 'c', 'd'}
    assert all(v > 0 for v in rate.values())
    assert out['b_over_a'] == pytest.approx(rate['b'] / rate['a'], abs=2e-3)
    assert out['c_over_a'] == pytest.approx(rate['c'] / rate['a'], abs=2e-3)
    assert out['a_over_d'] == pytest.approx(rate['a'] / rate['d'], abs=2e-3)
    predicted = 1 / (1 / rate['b'] + out['teacher_s']) / rate['a']
    assert out['c_over_a_predicted'] == pytest.approx(predicted, abs=5e-3)


def test_distill_throughput_models_match_their_configs():
    """b and c run the same distiller as the shipped config (one reads
    features from the cache, one runs the teacher), a and d the same
    recognizer through fsat's and mmaction2's registries."""
    bench = load('distill_throughput')
    args = bench.parse_args(['--batch-size', '2', '--num-clips', '2',
                             '--size', '16', '--clip-len', '8'])
    runs = bench.build(args)
    from fsat.models import FeatureSupervisedDistiller
    assert isinstance(runs['b'][0], FeatureSupervisedDistiller)
    assert runs['b'][0].teacher_source == 'cache'
    assert runs['c'][0].teacher_source == 'online'
    assert type(runs['a'][0]) is type(runs['d'][0])  # noqa: E721
    assert type(runs['a'][0]).__name__ == 'Recognizer3D'
    # the cached targets are the online teacher's features
    import torch
    b, c = runs['b'][0].eval(), runs['c'][0].eval()
    batch = runs['c'][1]
    data_c = c.data_preprocessor(batch, False)
    data_b = b.data_preprocessor(batch, False)
    with torch.no_grad():
        t_c = c._targets(data_c['inputs'], data_c['data_samples'])
        t_b = b._targets(data_b['inputs'], data_b['data_samples'])
    for key in t_c:
        torch.testing.assert_close(t_b[key], t_c[key], atol=1e-5,
                                   rtol=1e-5)


def test_collate_ipc_times_three_collate_functions():
    bench = load('collate_ipc')
    from fsat.datasets import collate
    before = collate.INLINE_BYTES
    out = bench.main(['--batch-size', '2', '--shape', '1', '3', '4', '8',
                      '8', '--workers', '1', '--batches', '3', '--wait',
                      '0.01'])
    assert set(out['fetch_ms']) == {'pseudo_collate',
                                    'shared_collate_no_inline',
                                    'shared_collate'}
    assert all(v > 0 for v in out['fetch_ms'].values())
    assert collate.INLINE_BYTES == before  # restored
