# Copyright (c) fsat contributors. All rights reserved.
"""The example plugin package works through custom_imports and entry points.
"""
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from fsat.testing import repo_path, run_tool

EXAMPLE = repo_path('examples', 'fsat_plugin_example')
CONFIG = repo_path('examples', 'fsat_plugin_example', 'configs',
                   'toy_distill.py')

PROBE = textwrap.dedent('''
    import json
    from fsat.registry import MODELS
    from fsat.utils import loaded_plugins
    found = {n: MODELS.get(n) is not None
             for n in ('ToyFeatureDistiller', 'AbsDistillLoss')}
    print(json.dumps(dict(found=found, plugins=loaded_plugins())))
''')


def _probe(pythonpath, **env):
    import json
    import os
    full_env = dict(os.environ, PYTHONPATH=pythonpath, **env)
    out = subprocess.run([sys.executable, '-c', PROBE],
                         env=full_env,
                         capture_output=True,
                         text=True,
                         check=True)
    state = json.loads(out.stdout.strip().splitlines()[-1])
    return state, out.stdout + out.stderr


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The example installed (with its entry point) into a private folder."""
    root = tmp_path_factory.mktemp('plugin')
    source = root / 'src'
    shutil.copytree(EXAMPLE, source)
    site = root / 'site'
    subprocess.run([
        sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
        '--no-build-isolation', '--target',
        str(site),
        str(source)
    ],
                   check=True,
                   capture_output=True)
    return site


def _losses(log, key):
    return [float(v) for v in re.findall(rf'{re.escape(key)}: ([0-9.]+)', log)]


def test_custom_imports_trains_the_toy_distiller(tmp_path):
    proc = run_tool(
        'train.py', [CONFIG, '--work-dir', str(tmp_path)],
        env=dict(PYTHONPATH=EXAMPLE))
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    distill = _losses(log, 'distill.loss_abs')
    assert len(distill) == 4  # logged every 2 of 8 iterations
    assert distill[-1] < distill[0]  # the student moves toward the teacher
    assert (tmp_path / 'iter_8.pth').is_file()


@pytest.mark.slow
def test_entry_point_registers_without_custom_imports(installed, tmp_path):
    state, _ = _probe(str(installed))
    assert state['found'] == {
        'ToyFeatureDistiller': True,
        'AbsDistillLoss': True
    }
    assert state['plugins'] == {'example': 'loaded'}
    # a config naming the plugin's types without importing the plugin
    config = tmp_path / 'no_import.py'
    text = open(CONFIG).read().replace(
        "imports=['fsat.testing', 'fsat_plugin_example']",
        "imports=['fsat.testing']")
    assert 'fsat_plugin_example' not in text
    config.write_text(text)
    proc = run_tool(
        'train.py', [
            str(config), '--work-dir',
            str(tmp_path / 'wd'), '--cfg-options', 'train_cfg.max_iters=2'
        ],
        env=dict(PYTHONPATH=str(installed)))
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_without_installation_the_types_are_unknown(tmp_path):
    state, _ = _probe(str(tmp_path))
    assert state['found'] == {
        'ToyFeatureDistiller': False,
        'AbsDistillLoss': False
    }


def test_plugins_can_be_disabled(installed):
    state, _ = _probe(str(installed), FSAT_DISABLE_PLUGINS='1')
    assert state['found']['ToyFeatureDistiller'] is False
    assert state['plugins'] == {}


def test_a_broken_plugin_is_reported_and_others_still_load(
        installed, tmp_path):
    site = tmp_path / 'broken_site'
    info = site / 'broken_plugin-0.1.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n')
    (info / 'entry_points.txt').write_text(
        '[fsat.plugins]\nbroken = broken_plugin\n')
    (site / 'broken_plugin.py').write_text(
        "raise RuntimeError('boom in plugin')\n")
    state, log = _probe(f'{site}:{installed}')
    assert state['found']['ToyFeatureDistiller'] is True
    assert state['plugins']['example'] == 'loaded'
    assert state['plugins']['broken'] == 'RuntimeError: boom in plugin'
    assert "fsat plugin 'broken'" in log
    assert 'broken-plugin' in log
