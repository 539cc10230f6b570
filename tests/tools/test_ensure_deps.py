# Copyright (c) fsat contributors. All rights reserved.
"""tools/misc/ensure_deps.py: what ``make`` installs, and what it keeps."""
import importlib.util

import pytest

from fsat.testing import repo_path, run_tool


@pytest.fixture
def ensure_deps(monkeypatch):
    """The tool as a module, with pip replaced by a recorder."""
    spec = importlib.util.spec_from_file_location(
        'fsat_ensure_deps', repo_path('tools', 'misc', 'ensure_deps.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    monkeypatch.setattr(module, '_pip', lambda *args: calls.append(args))
    monkeypatch.setattr(module, '_opencv_has_contrib', lambda: True)
    monkeypatch.setattr(module, '_fsat_is_this_checkout', lambda: True)
    module.calls = calls
    return module


def _requirements(fname):
    with open(repo_path('requirements', fname), encoding='utf-8') as f:
        lines = [line.split('#', 1)[0].strip() for line in f]
    return [line for line in lines if line]


def test_mminstall_does_not_pin_torch():
    """`pip install -r requirements/mminstall.txt` keeps a CUDA torch."""
    for fname in ('mminstall.txt', 'runtime.txt', 'tests.txt'):
        names = [r.split('==')[0].split('>')[0].split('<')[0].strip()
                 for r in _requirements(fname)]
        assert 'torch' not in names, f'requirements/{fname} names torch'
    assert _requirements('torch_cpu.txt') == ['torch==2.13.0']


def test_plan_installs_pinned_torch_first_when_absent(ensure_deps):
    installed = {'mmengine': '0.10.7', 'mmaction2': '1.1.0',
                 'mmcv-lite': '2.0.1'}
    steps = ensure_deps.plan(installed.get)
    # torch alone and first, then everything else that is missing
    assert steps[0] == ['torch==2.13.0']
    assert 'torch' not in ' '.join(steps[1])
    assert 'mmengine==0.10.7' not in steps[1]
    assert 'decord' in steps[1] and 'pytest' in steps[1]


def test_plan_keeps_any_installed_torch(ensure_deps):
    everything = {r.split('==')[0]: r.partition('==')[2] or '1.0'
                  for f in ('mminstall.txt', 'runtime.txt', 'tests.txt')
                  for r in _requirements(f)}
    for torch in ('2.1.0+cu121', '2.13.0', '2.14.0'):
        assert ensure_deps.plan(dict(everything, torch=torch).get) == []
    # a full mmcv 2.0.x stands in for mmcv-lite; 2.1 does not
    del everything['mmcv-lite']
    with_mmcv = dict(everything, torch='2.1.0', mmcv='2.0.1')
    assert ensure_deps.plan(with_mmcv.get) == []
    with_mmcv['mmcv'] = '2.1.0'
    assert ensure_deps.plan(with_mmcv.get) == [['mmcv-lite==2.0.1']]


def test_main_runs_the_plan_in_order(ensure_deps, monkeypatch, capsys):
    monkeypatch.setattr(ensure_deps, '_version', lambda name: None)
    ensure_deps.main([])
    assert ensure_deps.calls[0] == ('torch==2.13.0', )
    assert 'mmaction2==1.1.0' in ensure_deps.calls[1]
    assert 'installing missing dependencies: torch==2.13.0' in \
        capsys.readouterr().out


def test_dry_run_and_help_install_nothing(ensure_deps, monkeypatch, capsys):
    monkeypatch.setattr(ensure_deps, '_version', lambda name: None)
    ensure_deps.main(['--dry-run'])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'pip install torch==2.13.0'
    with pytest.raises(SystemExit) as exc:
        ensure_deps.main(['--help'])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith('usage: ensure_deps.py')
    assert ensure_deps.calls == []


def test_help_from_the_command_line():
    proc = run_tool('misc/ensure_deps.py', ['--help'], timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('usage: ensure_deps.py')
    assert '+ -m pip' not in proc.stdout
    bad = run_tool('misc/ensure_deps.py', ['--bogus'], timeout=60)
    assert bad.returncode == 2 and 'unrecognized arguments' in bad.stderr
