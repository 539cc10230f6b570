# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/smarthome_loading.py on a small synthetic Smarthome world:
both ways of reading the VPN++ twin's training samples, checked equal by
the benchmark, and timed."""
import importlib.util

import pytest

from fsat.testing import repo_path


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from fsat.datasets.synthetic import generate_world, get_preset
    root = tmp_path_factory.mktemp('smarthome_loading')
    preset = get_preset(
        'smarthome', subjects=(2, 3, 4, 6, 7, 10), routines=1,
        action_frames=32, frames_range=(32, 40), idle_frames=(2, 4),
        rgb_size=(128, 96))
    generate_world(preset, str(root / 'world'), seed=0, workers=1,
                   progress=False)
    return root


def test_reports_both_ways_and_their_ratio(world, monkeypatch, capsys):
    monkeypatch.setenv('FSAT_SMARTHOME_ROOT', str(world / 'world'))
    spec = importlib.util.spec_from_file_location(
        'smarthome_loading', repo_path('benchmarks', 'smarthome_loading.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(['--num-samples', '4', '--rounds', '1',
                         '--cache-root', str(world / 'cache')])
    for key in ('rgb', 'rgb_pose'):
        assert result[f'{key}_decode_ms'] > 0
        assert result[f'{key}_cached_ms'] > 0
        assert result[f'{key}_speedup'] == pytest.approx(
            result[f'{key}_decode_ms'] / result[f'{key}_cached_ms'])
    assert list((world / 'cache' / 'video').glob('*/*.npy'))
    assert capsys.readouterr().out.count('\n') == 1
