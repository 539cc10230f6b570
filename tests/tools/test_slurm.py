# Copyright (c) fsat contributors. All rights reserved.
"""tools/slurm_*.sh: the srun call they make, on GPU and CPU-only nodes.

A fake ``srun`` on ``PATH`` prints the arguments it was given.
"""
import os
import shlex

import pytest

from fsat.testing import last_line, run_tool

CONFIG = 'configs/finetune/depth_r3d18_synth.py'


@pytest.fixture
def fake_srun(tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > '
                    f'{shlex.quote(str(tmp_path / "srun_args"))}\n')
    srun.chmod(0o755)

    def run(script, args, **env):
        env['PATH'] = f'{bin_dir}{os.pathsep}{os.environ["PATH"]}'
        proc = run_tool(script, args, env=env, timeout=300)
        out = tmp_path / 'srun_args'
        called = out.read_text().splitlines() if out.exists() else None
        return proc, called

    return run


def _options(called):
    """The srun options before the command it runs."""
    return called[:called.index('--kill-on-bad-exit=1') + 1]


@pytest.mark.slow
def test_train_on_cpu_nodes_requests_no_gpu(fake_srun, tmp_path):
    proc, called = fake_srun(
        'slurm_train.sh', ['part', 'job', CONFIG, '--work-dir',
                           str(tmp_path / 'w')],
        GPUS_PER_NODE='0', TASKS='4', TASKS_PER_NODE='2', CPUS_PER_TASK='3')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _options(called) == [
        '-p', 'part', '--job-name=job', '--ntasks=4', '--ntasks-per-node=2',
        '--cpus-per-task=3', '--kill-on-bad-exit=1'
    ]
    assert called[-5:] == [CONFIG, '--launcher', 'slurm', '--work-dir',
                           str(tmp_path / 'w')]


@pytest.mark.slow
def test_test_on_gpu_nodes(fake_srun):
    proc, called = fake_srun('slurm_test.sh', ['p', 'j', CONFIG, 'none'],
                             GPUS='16')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _options(called) == [
        '-p', 'p', '--job-name=j', '--ntasks=16', '--ntasks-per-node=8',
        '--gres=gpu:8', '--cpus-per-task=5', '--kill-on-bad-exit=1'
    ]
    assert called[-4:] == [CONFIG, 'none', '--launcher', 'slurm']


@pytest.mark.parametrize('env,want', [
    (dict(), '--ntasks=8 --ntasks-per-node=8 --gres=gpu:8 '
     '--cpus-per-task=5'),
    (dict(GPUS='2'), '--ntasks=2 --ntasks-per-node=2 --gres=gpu:2 '
     '--cpus-per-task=5'),
    (dict(GPUS='0'), '--ntasks=1 --ntasks-per-node=1 --cpus-per-task=5'),
    (dict(GPUS_PER_NODE='0', TASKS='3'),
     '--ntasks=3 --ntasks-per-node=3 --cpus-per-task=5'),
])
def test_srun_options(env, want):
    env = dict(dict.fromkeys(('GPUS', 'GPUS_PER_NODE', 'TASKS',
                              'TASKS_PER_NODE', 'CPUS_PER_TASK'), ''), **env)
    proc = run_tool('misc/slurm_tasks.py', [], env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == want


@pytest.mark.slow
def test_bad_count_stops_before_srun(fake_srun):
    proc, called = fake_srun('slurm_train.sh', ['p', 'j', CONFIG],
                             GPUS_PER_NODE='0', TASKS='two')
    assert proc.returncode == 1 and called is None
    assert last_line(proc.stderr) == (
        "fsat slurm launch: error: TASKS='two': expected a whole number >= 1")
