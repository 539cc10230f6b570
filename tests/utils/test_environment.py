# Copyright (c) fsat contributors. All rights reserved.
"""What a run records about its environment (fsat.utils.environment)."""
import importlib.metadata
import json
import platform

import numpy as np
import torch

from fsat.utils import environment
from fsat.utils.environment import collect_environment, render_environment

KEYS = ('python', 'platform', 'cpu', 'cpu_count', 'torch', 'torch_threads',
        'cuda', 'gpu', 'numpy', 'scipy', 'opencv', 'opencv_distributions',
        'decord', 'mmengine', 'mmcv', 'mmaction2', 'fsat')


def test_collect_has_every_key_with_plain_values():
    env = collect_environment()
    assert set(env) == set(KEYS)
    for key, value in env.items():
        assert value is None or isinstance(value, (str, int)), key
    assert json.loads(json.dumps(env)) == env


def test_collect_reports_what_is_imported():
    env = collect_environment()
    assert env['python'] == platform.python_version()
    assert env['torch'] == torch.__version__
    assert env['numpy'] == np.__version__
    assert env['torch_threads'] == torch.get_num_threads()
    assert isinstance(env['cpu_count'], int) and env['cpu_count'] >= 1
    if torch.cuda.is_available():
        assert env['gpu'] and env['cuda'] == torch.version.cuda
    else:
        assert env['gpu'] is None and env['cuda'] is None


def test_collect_names_the_mmcv_distribution():
    env = collect_environment()
    if env['mmcv'] is not None:
        assert '(mmcv' in env['mmcv']
    provide_cv2 = importlib.metadata.packages_distributions().get('cv2')
    if provide_cv2:
        for name in provide_cv2:
            assert name in env['opencv_distributions']
    else:
        assert env['opencv_distributions'] is None


def test_a_missing_or_broken_package_is_none(monkeypatch):
    real = environment.importlib.import_module

    def fake(name, *args):
        if name in ('decord', 'cv2'):
            raise ImportError(f'no module named {name}')
        if name == 'scipy':
            raise RuntimeError('broken install')
        return real(name, *args)

    monkeypatch.setattr(environment.importlib, 'import_module', fake)
    env = collect_environment()
    assert env['decord'] is None and env['opencv'] is None
    assert env['scipy'] is None
    assert env['torch'] == torch.__version__


def test_cpu_model_falls_back_to_the_processor(monkeypatch):
    monkeypatch.setattr(environment.os.path, 'isfile', lambda path: False)
    monkeypatch.setattr(environment.platform, 'processor', lambda: 'x86_64')
    assert environment._cpu_model() == 'x86_64'
    monkeypatch.setattr(environment.platform, 'processor', lambda: '')
    assert environment._cpu_model() is None


ENV = dict(python='3.11.7', torch='2.13.0+cpu', torch_threads=2, gpu=None)


def test_render_nothing_for_old_results():
    assert render_environment(dict(runs=[{}, {}])) == ''
    assert render_environment(dict(runs=[], environment=None)) == ''


def test_render_the_top_level_environment_when_runs_have_none():
    text = render_environment(dict(environment=ENV, runs=[{}, {}, {}]))
    lines = text.splitlines()
    assert lines[0] == 'Environment of the runs:'
    assert lines[2] == '| | 3 runs |'
    assert '| torch_threads | 2 |' in lines
    assert '| gpu | - |' in lines
    assert '**' not in text
    # a results.json without runs still shows where it was written
    assert '| | results.json |' in render_environment(
        dict(environment=ENV, runs=[]))


def test_render_one_environment_shared_by_the_runs():
    # a record's own environment wins; equal dicts are one environment
    text = render_environment(
        dict(environment=dict(ENV, python='3.8'),
             runs=[dict(environment=dict(ENV)), dict(environment=ENV)]))
    assert text.splitlines()[2] == '| | 2 runs |'
    assert '| python | 3.11.7 |' in text and '3.8' not in text


def test_render_two_environments_with_counts_and_differences():
    other = dict(ENV, torch_threads=16, gpu='NVIDIA H200')
    runs = [dict(environment=ENV), dict(environment=other), {},
            dict(environment=ENV)]
    text = render_environment(dict(environment=ENV, runs=runs))
    lines = text.splitlines()
    assert lines[0].startswith('The runs ran in 2 different environments')
    assert lines[2] == '| | 3 runs | 1 run |'
    assert '| **torch_threads** | 2 | 16 |' in lines
    assert '| **gpu** | - | NVIDIA H200 |' in lines
    assert '| python | 3.11.7 | 3.11.7 |' in lines
