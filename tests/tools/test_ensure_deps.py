# Copyright (c) fsat contributors. All rights reserved.
"""tools/misc/ensure_deps.py: what ``make`` installs, and what it keeps."""
import importlib.util
import os
import re

import pytest

from fsat.testing import repo_path, run_tool


def _load():
    """The tool as a module, as it is."""
    spec = importlib.util.spec_from_file_location(
        'fsat_ensure_deps', repo_path('tools', 'misc', 'ensure_deps.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def ensure_deps(monkeypatch):
    """The tool as a module, with pip replaced by a recorder."""
    module = _load()
    calls = []
    monkeypatch.setattr(module, '_pip', lambda *args: calls.append(args))
    # one intact OpenCV unless a test says otherwise
    monkeypatch.setattr(module, 'cv2_providers', lambda: [module.OPENCV])
    monkeypatch.setattr(module, '_opencv_intact', lambda: True)
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
    constrained = ('install', '-c', ensure_deps.CONSTRAINTS)
    assert ensure_deps.calls[0] == constrained + ('torch==2.13.0', )
    assert ensure_deps.calls[1][:3] == constrained
    assert 'mmaction2==1.1.0' in ensure_deps.calls[1]
    assert len(ensure_deps.calls) == 2
    assert 'installing missing dependencies: torch==2.13.0' in \
        capsys.readouterr().out


def test_dry_run_and_help_install_nothing(ensure_deps, monkeypatch, capsys):
    monkeypatch.setattr(ensure_deps, '_version', lambda name: None)
    ensure_deps.main(['--dry-run'])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f'pip install -c {ensure_deps.CONSTRAINTS} torch==2.13.0'
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


class _FakeDist:
    """A distribution with the metadata files ensure_deps reads."""

    def __init__(self, name, root='.', **files):
        self.metadata = {'Name': name}
        self.root = root
        self.files = {k.replace('_txt', '.txt'): v for k, v in files.items()}

    def read_text(self, fname):
        return self.files.get(fname)

    def locate_file(self, path):
        return os.path.join(self.root, path)


def test_constraints_pin_the_demo_versions():
    pins = dict(r.split('==') for r in _requirements('constraints.txt'))
    for name in ('opencv-contrib-python-headless', 'numpy', 'scipy',
                 'decord'):
        assert re.fullmatch(r'\d+(\.\d+)+', pins.get(name, '')), name
    assert 'torch' not in pins
    # the OpenCV that runtime.txt asks for is the pinned one, the only one
    runtime = _requirements('runtime.txt')
    opencvs = [r for r in runtime if r.startswith('opencv')]
    assert opencvs == ['opencv-contrib-python-headless']


def test_constraints_pass_to_every_install(ensure_deps, monkeypatch):
    monkeypatch.setattr(ensure_deps, '_version', lambda name: None)
    monkeypatch.setattr(ensure_deps, '_fsat_is_this_checkout', lambda: False)
    monkeypatch.setattr(ensure_deps, 'cv2_providers',
                        lambda: ['opencv-python', ensure_deps.OPENCV])
    ensure_deps.main([])
    installs = [c for c in ensure_deps.calls if c[0] == 'install']
    assert len(installs) == 4  # torch, the rest, OpenCV, fsat
    for call in installs:
        assert call[1:3] == ('-c', ensure_deps.CONSTRAINTS), call
    assert os.path.isfile(ensure_deps.CONSTRAINTS)


def test_provides_cv2_reads_top_level_or_record(ensure_deps):
    assert ensure_deps.provides_cv2(
        _FakeDist('opencv-python', top_level_txt='cv2\n'))
    # no top_level.txt: the RECORD tells
    assert ensure_deps.provides_cv2(_FakeDist(
        'opencv-contrib-python',
        RECORD='cv2/__init__.py,sha256=abc,120\ncv2/cv2.abi3.so,,\n'))
    assert not ensure_deps.provides_cv2(_FakeDist(
        'cv2-helpers', top_level_txt='cv2_helpers\n',
        RECORD='cv2_helpers/__init__.py,sha256=abc,10\n'))
    assert not ensure_deps.provides_cv2(_FakeDist('empty'))


def test_cv2_providers_are_canonical_and_unique(ensure_deps):
    dists = [
        _FakeDist('opencv_contrib_python', top_level_txt='cv2\n'),
        _FakeDist('opencv-contrib-python', top_level_txt='cv2\n'),
        _FakeDist('Opencv.Python', RECORD='cv2/data/x.xml,sha256=a,1\n'),
        _FakeDist('numpy', top_level_txt='numpy\n'),
        _FakeDist('decord', RECORD='decord/__init__.py,sha256=a,1\n'),
    ]
    # the module's own function, not the fixture's stand-in
    module = _load()
    assert module.cv2_providers(dists) == ['opencv-contrib-python',
                                           'opencv-python']
    assert module.cv2_providers([]) == []


def test_opencv_steps(ensure_deps):
    keep = ensure_deps.OPENCV
    reinstall = ['install', '-c', ensure_deps.CONSTRAINTS,
                 '--force-reinstall', '--no-deps', keep]
    # the right environment: nothing to do
    assert ensure_deps.opencv_steps([keep], True) == []
    # others pulled in: every provider goes (the kept one too, its shared
    # files are gone with the others), then the kept one comes back alone
    providers = ['opencv-contrib-python', keep, 'opencv-python']
    assert ensure_deps.opencv_steps(providers, True) == [
        ['uninstall', '-y', *providers], reinstall]
    assert ensure_deps.opencv_steps(['opencv-python'], False) == [
        ['uninstall', '-y', 'opencv-python'], reinstall]
    # the kept one alone, but its files were changed
    assert ensure_deps.opencv_steps([keep], False) == [
        ['uninstall', '-y', keep], reinstall]
    assert ensure_deps.opencv_steps([], False) == [reinstall]


def test_files_intact_compares_record_sizes(ensure_deps, tmp_path):
    pkg = tmp_path / 'cv2'
    (pkg / '__pycache__').mkdir(parents=True)
    (pkg / '__init__.py').write_text('x = 1\n')
    (pkg / 'cv2.so').write_bytes(b'\0' * 100)
    record = ('cv2/__init__.py,sha256=a,6\n'
              'cv2/cv2.so,sha256=b,100\n'
              'cv2/__pycache__/__init__.cpython-311.pyc,sha256=c,999\n'
              'opencv.dist-info/RECORD,,\n')
    dist = _FakeDist(ensure_deps.OPENCV, root=str(tmp_path), RECORD=record)
    assert ensure_deps.files_intact(dist)
    # another build's file has another size
    (pkg / 'cv2.so').write_bytes(b'\0' * 101)
    assert not ensure_deps.files_intact(dist)
    # uninstalling another distribution deleted it
    (pkg / 'cv2.so').unlink()
    assert not ensure_deps.files_intact(dist)
    assert not ensure_deps.files_intact(
        _FakeDist(ensure_deps.OPENCV, root=str(tmp_path)))


def test_main_keeps_one_opencv_after_installing(ensure_deps, monkeypatch,
                                                capsys):
    """The check runs after the installs, which may pull in other OpenCVs."""
    monkeypatch.setattr(ensure_deps, '_version',
                        lambda name: '1.0' if name != 'mmaction2' else None)
    keep = ensure_deps.OPENCV

    def providers():
        # installing mmaction2 1.1.0 pulls in opencv-contrib-python
        return ['opencv-contrib-python', keep] if ensure_deps.calls else [keep]

    monkeypatch.setattr(ensure_deps, 'cv2_providers', providers)
    monkeypatch.setattr(ensure_deps, '_fsat_is_this_checkout', lambda: False)
    ensure_deps.main([])
    calls = ensure_deps.calls
    assert [c[0] for c in calls] == ['install', 'uninstall', 'install',
                                     'install']
    assert 'mmaction2==1.1.0' in calls[0]
    assert calls[1] == ('uninstall', '-y', 'opencv-contrib-python', keep)
    assert calls[2][-3:] == ('--force-reinstall', '--no-deps', keep)
    assert calls[3][-2:] == ('-e', ensure_deps.ROOT)
    out = capsys.readouterr().out
    assert f'keeping one OpenCV ({keep}): opencv-contrib-python also ' \
        'provide' in out


def test_main_is_quiet_when_everything_is_right(ensure_deps, monkeypatch,
                                                capsys):
    monkeypatch.setattr(ensure_deps, '_version', lambda name: '2.0.1')
    monkeypatch.setattr(ensure_deps, '_satisfied', lambda req, v=None: True)
    ensure_deps.main([])
    assert ensure_deps.calls == []
    assert capsys.readouterr().out == ''
    # the kept OpenCV alone with a changed file is re-installed
    monkeypatch.setattr(ensure_deps, '_opencv_intact', lambda: False)
    ensure_deps.main([])
    assert [c[0] for c in ensure_deps.calls] == ['uninstall', 'install']
    assert 'missing or its files were changed' in capsys.readouterr().out


def test_dry_run_shows_the_opencv_clean_up(ensure_deps, monkeypatch,
                                           capsys):
    monkeypatch.setattr(ensure_deps, '_satisfied', lambda req, v=None: True)
    monkeypatch.setattr(ensure_deps, 'cv2_providers',
                        lambda: ['opencv-python', ensure_deps.OPENCV])
    ensure_deps.main(['--dry-run'])
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f'pip uninstall -y opencv-python {ensure_deps.OPENCV}',
        f'pip install -c {ensure_deps.CONSTRAINTS} --force-reinstall '
        f'--no-deps {ensure_deps.OPENCV}']
    assert ensure_deps.calls == []


def test_environment_has_one_intact_opencv():
    """The real environment: what ensure_deps would leave as it is."""
    module = _load()
    providers = module.cv2_providers()
    assert module.opencv_steps(providers, module._opencv_intact()) == [], (
        f'cv2 is provided by {providers or "nothing"}; run python '
        'tools/misc/ensure_deps.py')
