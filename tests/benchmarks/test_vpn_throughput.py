# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/vpn_throughput.py runs the shipped synthetic VPN++ models and
reports consistent ratios (speed itself is never asserted)."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load():
    spec = importlib.util.spec_from_file_location(
        'vpn_throughput', osp.join(REPO, 'benchmarks', 'vpn_throughput.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vpn_throughput_reports_consistent_ratios():
    out = load().main(['--batch-size', '2', '--iters', '1', '--rounds', '1',
                       '--threads', '1', '--channels-last'])
    rate = out['iters_per_s']
    assert set(rate) == {'rgb', 'vpnf', 'vpnf_online', 'vpna', 'vpnpp',
                         'rgb_channels_last'}
    assert all(v > 0 for v in rate.values())
    for key in ('vpnf', 'vpnf_online', 'vpna', 'vpnpp', 'rgb_channels_last'):
        assert out[f'{key}_over_rgb'] == pytest.approx(
            rate[key] / rate['rgb'], abs=2e-3)


def test_vpn_throughput_runs_the_configured_distillers():
    bench = load()
    runs, rgb_clip = bench.build(bench.parse_args(['--batch-size', '2']))
    assert rgb_clip == (3, 8, 64, 64)  # the synthetic configs' clips
    assert runs['rgb'][1]['inputs'][0].shape == (1, ) + rgb_clip
    assert set(runs['vpnf'][1]['inputs']) == {'rgb'}  # cached teacher
    assert runs['vpnf'][0].teacher_specs['pose'].cached
    assert not runs['vpnf_online'][0].teacher_specs['pose'].cached
    assert set(runs['vpnpp'][0].teacher_specs) == {'pose', 'vpn'}
    assert runs['vpnpp'][0].teacher_specs['vpn'].trainable
    assert set(runs['vpna'][0].teacher_specs) == {'vpn'}
    assert runs['vpna'][0].teacher_specs['vpn'].trainable
    assert set(runs['vpna'][1]['inputs']) == {'rgb', 'skeleton'}
    assert 'rgb_channels_last' not in runs  # only with --channels-last
    # the cached features are the teacher's own, pooled
    model, batch, _ = runs['vpnf']
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'student.loss_cls', 'distill.loss_scd'} <= set(losses)
