# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/smarthome_loading.py on a small synthetic Smarthome world:
both ways of reading the VPN++ twin's training samples, checked equal by
the benchmark, and timed."""
import importlib.util

import pytest

from fsat.testing import repo_path, small_smarthome_world


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('smarthome_loading')
    small_smarthome_world(str(root / 'world'))
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
