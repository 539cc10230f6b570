# Copyright (c) fsat contributors. All rights reserved.
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from fsat.engine import launch
from fsat.engine.launch import check_nproc, find_free_port
from fsat.utils.cli import FsatUserError


def test_check_nproc_accepts_up_to_the_core_count(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(os, 'cpu_count', lambda: 4)
    monkeypatch.delenv('FSAT_ALLOW_OVERSUBSCRIBE', raising=False)
    assert check_nproc('4') == 4
    with pytest.raises(FsatUserError, match='NPROC=5 is larger than'):
        check_nproc('5')
    monkeypatch.setenv('FSAT_ALLOW_OVERSUBSCRIBE', '1')
    assert check_nproc('5') == 5


def test_check_nproc_counts_gpus_when_there_are_some(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 8)
    assert check_nproc('8') == 8
    with pytest.raises(FsatUserError, match='8 CUDA device'):
        check_nproc('9')


@pytest.mark.parametrize('bad', ['0', '-1', 'x', '1.5', ''])
def test_check_nproc_rejects_non_positive_integers(bad):
    with pytest.raises(FsatUserError, match='positive integer'):
        check_nproc(bad)


def test_find_free_port_is_bindable():
    import socket
    port = find_free_port()
    with socket.socket() as sock:
        sock.bind(('', port))


def test_init_dist_without_launcher_environment_is_one_clear_error(
        monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR',
                'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(FsatUserError, match='tools/dist_train.sh'):
        launch.init_dist('pytorch')
    with pytest.raises(FsatUserError, match='unknown launcher'):
        launch.init_dist('horovod')


def test_slurm_and_mpi_environments_are_translated(monkeypatch):
    # the translation writes these; monkeypatch restores them afterwards
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('SLURM_PROCID', '5')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    monkeypatch.setenv('SLURM_LOCALID', '1')
    monkeypatch.setenv('MASTER_ADDR', 'node01')
    monkeypatch.delenv('MASTER_PORT', raising=False)
    launch._env_from_slurm()
    assert (os.environ['RANK'], os.environ['WORLD_SIZE'],
            os.environ['LOCAL_RANK'], os.environ['MASTER_PORT']) == (
                '5', '8', '1', '29500')
    monkeypatch.setenv('OMPI_COMM_WORLD_RANK', '3')
    monkeypatch.setenv('OMPI_COMM_WORLD_SIZE', '4')
    monkeypatch.setenv('OMPI_COMM_WORLD_LOCAL_RANK', '0')
    launch._env_from_mpi()
    assert (os.environ['RANK'], os.environ['WORLD_SIZE'],
            os.environ['LOCAL_RANK']) == ('3', '4', '0')


WRAP_ON_CPU = textwrap.dedent('''
    import os
    import torch
    import fsat.engine
    from fsat.engine import DeviceAgnosticDDP, init_dist
    os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
                      MASTER_ADDR='127.0.0.1', MASTER_PORT=os.environ['P'])
    # a config asking for nccl falls back to gloo without CUDA
    print('backend', init_dist('pytorch', backend='nccl'))
    model = torch.nn.Linear(3, 2)
    # what MMEngine's runner passes: device_ids=[LOCAL_RANK]
    ddp = DeviceAgnosticDDP(module=model, device_ids=[0],
                            broadcast_buffers=False)
    print('device_ids', ddp.device_ids)
    out = ddp(torch.ones(4, 3)).sum()
    out.backward()
    print('grad', float(model.weight.grad.abs().sum()) > 0)
''')


def test_wrapper_and_gloo_group_on_cpu():
    env = dict(os.environ, P=str(find_free_port()), CUDA_VISIBLE_DEVICES='')
    out = subprocess.run([sys.executable, '-c', WRAP_ON_CPU],
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'backend gloo' in out.stdout
    assert 'device_ids None' in out.stdout
    assert 'grad True' in out.stdout
