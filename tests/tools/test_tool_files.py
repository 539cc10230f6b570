# Copyright (c) fsat contributors. All rights reserved.
"""Every script under tools/ can be run directly (``tools/x.py ...``)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from fsat.testing import REPO_ROOT, repo_path

SCRIPTS = sorted(
    osp.relpath(osp.join(root, name), repo_path('tools'))
    for root, _, names in os.walk(repo_path('tools'))
    for name in names if name.endswith(('.py', '.sh')))


def _tracked_mode(rel: str) -> str:
    """The mode git records (what a fresh clone gets), e.g. ``100755``."""
    out = subprocess.run(
        ['git', 'ls-files', '-s', '--', osp.join('tools', rel)],
        cwd=REPO_ROOT, capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        pytest.skip('not a git checkout, or the file is not tracked yet')
    return out.stdout.split()[0]


def test_there_are_scripts():
    assert 'run_pipeline.py' in SCRIPTS
    assert osp.join('misc', 'ensure_deps.py') in SCRIPTS


@pytest.mark.parametrize('rel', SCRIPTS)
def test_script_has_shebang_and_exec_bit(rel):
    path = repo_path('tools', rel)
    with open(path, encoding='utf-8') as f:
        first = f.readline().rstrip('\n')
    want = ('#!/usr/bin/env python'
            if rel.endswith('.py') else '#!/usr/bin/env bash')
    assert first == want, f'tools/{rel}: first line is {first!r}'
    assert os.access(path, os.X_OK), f'tools/{rel} is not executable'
    assert _tracked_mode(rel) == '100755', \
        f'tools/{rel}: git records it without the exec bit'


def test_run_pipeline_runs_directly(tmp_path):
    """The way README.md shows it: ``tools/run_pipeline.py ... --help``."""
    env = dict(os.environ)
    # the shebang's `python` must be this interpreter
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO_ROOT, env.get('PYTHONPATH')) if p)
    proc = subprocess.run([repo_path('tools', 'run_pipeline.py'), '--help'],
                          cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('usage: run_pipeline.py')
