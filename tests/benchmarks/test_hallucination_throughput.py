# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/hallucination_throughput.py runs the shipped synthetic
hallucination models and reports consistent ratios (speed itself is never
asserted)."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load():
    spec = importlib.util.spec_from_file_location(
        'hallucination_throughput',
        osp.join(REPO, 'benchmarks', 'hallucination_throughput.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hallucination_throughput_reports_consistent_ratios():
    out = load().main(['--batch-size', '2', '--iters', '1', '--rounds', '1',
                       '--threads', '1'])
    rate = out['videos_per_s']
    assert set(rate) == {'train_rgb', 'train_step3', 'test_rgb_hall',
                         'test_rgb_depth'}
    assert all(v > 0 for v in rate.values())
    assert out['step3_over_rgb_train'] == pytest.approx(
        rate['train_step3'] / rate['train_rgb'], rel=0.02)
    assert out['rgb_hall_over_rgb_depth_test'] == pytest.approx(
        rate['test_rgb_hall'] / rate['test_rgb_depth'], rel=0.02)
    assert out['input'] == '5x3x48x48'


def test_hallucination_throughput_builds_the_configured_steps():
    bench = load()
    runs, _ = bench.build(bench.parse_args(['--batch-size', '2']))
    step3 = runs['train_step3'][0]
    assert step3.frozen_streams == ['depth']
    assert set(runs['test_rgb_hall'][1]['inputs']) == {'rgb'}
    assert not any('depth' in k for k in runs['test_rgb_hall'][0]
                   .state_dict())
    # step 3 starts its streams from the step-2 model's depth stream
    depth = runs['test_rgb_depth'][0].backbone.streams['depth'].state_dict()
    hall = step3.backbone.streams['hallucination'].state_dict()
    assert all(hall[k].equal(depth[k]) for k in depth)
