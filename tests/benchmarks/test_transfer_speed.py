# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/transfer_speed.py runs the synthetic supervision-transfer
model at a tiny size and reports consistent rates and ratios (speed itself
is never asserted)."""
import importlib.util
import json
import math
import shutil

import pytest
import torch

from fsat.testing import repo_path

TINY = ['--iters', '2', '--warmup', '1', '--size', '64', '64',
        '--batch-size', '2', '--threads', '1']


def _load():
    spec = importlib.util.spec_from_file_location(
        'transfer_speed', repo_path('benchmarks', 'transfer_speed.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reports_rates_and_ratios(tmp_path, capsys):
    bench = _load()
    out_file = tmp_path / 'speed.json'
    result = bench.main(TINY + ['--json', str(out_file)])
    rate = result['iters_per_s']
    assert set(rate) == {'plain', 'online', 'cache_float32',
                         'cache_float16'}
    assert all(math.isfinite(v) and v > 0 for v in rate.values())
    for name in ('online', 'cache_float32', 'cache_float16'):
        ratio = result[f'{name}_over_plain']
        assert math.isfinite(ratio) and ratio > 0
        assert ratio == pytest.approx(rate[name] / rate['plain'], rel=2e-3)
    worst = min(result['cache_float32_over_plain'],
                result['cache_float16_over_plain'])
    assert result['cached_over_plain_min'] == worst
    assert result['acceptance_threshold'] == 0.9
    assert result['acceptance_holds'] == (worst >= 0.9)
    assert (result['batch_size'], result['size']) == (2, '64x64')
    # ResNet-18 layer2 of 64x64 images: 128 channels at stride 8
    assert result['teacher_map'] == '128x8x8'
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == result
    assert any(line.startswith('cached / plain >= 0.9: ') for line in lines)
    assert json.loads(out_file.read_text()) == result


def test_cached_maps_are_the_online_teachers():
    """The cached variants read what the online teacher computes for the
    same ids (float16 within its rounding bound), from batches without
    the teacher's images."""
    bench = _load()
    runs, tmp = bench.build(bench.parse_args(TINY))
    try:
        online = runs['online'][0].eval()
        batch = runs['online'][1][1]
        data = online.data_preprocessor(batch, False)
        with torch.no_grad():
            target, cached = online._targets(data['inputs'],
                                             data['data_samples'])
        assert not cached and target.shape == (2, 128, 8, 8)
        for name, rtol in (('cache_float32', 1e-5),
                           ('cache_float16', 2**-11)):
            model, batches, _ = runs[name]
            assert model.teacher_source == 'cache'
            assert set(batches[1]['inputs']) == {'hha'}
            data = model.data_preprocessor(batches[1], False)
            maps, cached = model._targets(data['inputs'],
                                          data['data_samples'])
            assert cached
            torch.testing.assert_close(maps, target, rtol=rtol, atol=1e-5)
        plain, batches, _ = runs['plain']
        assert set(batches[0]['inputs']) == {'hha'}
        losses = plain(**plain.data_preprocessor(batches[0], True))
        assert set(losses) == {'loss_plain'} and losses['loss_plain'] > 0
    finally:
        shutil.rmtree(tmp)


def test_bad_arguments_are_one_line_errors(capsys):
    bench = _load()
    for argv, words in ((['--iters', '0'], '--iters must be >= 1'),
                        (['--model', 'nope.py'], 'no such config file'),
                        (['--size', '0', '8'], '--size must be')):
        with pytest.raises(SystemExit):
            bench.parse_args(argv)
        assert words in capsys.readouterr().err.strip().splitlines()[-1]
    detector = repo_path('configs', 'detection2d',
                         'frcnn_r18_rgb_nyud2_synth.py')
    with pytest.raises(ValueError, match="builds a 'FastRCNN2D', not a "):
        bench.build(bench.parse_args(['--model', detector]))
