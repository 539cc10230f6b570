# Copyright (c) fsat contributors. All rights reserved.
"""One launch helper for distributed runs on GPU (nccl) and CPU (gloo).

MMEngine's ``init_dist`` always calls ``torch.cuda.set_device``, which fails
on a machine without CUDA. :func:`init_dist` normalises the environment of
the ``pytorch`` (torchrun), ``slurm`` and ``mpi`` launchers into the usual
``RANK``/``WORLD_SIZE``/``LOCAL_RANK``/``MASTER_*`` variables, then starts
the process group: nccl with one device per rank when CUDA is available,
gloo otherwise. The tools call it before building the MMEngine runner, which
then finds the process group already initialised.

``tools/dist_*.sh`` check NPROC against the devices of the node with
:func:`check_nproc` (through ``tools/misc/dist_preflight.py``) before they
start torchrun.
"""
import datetime
import os
import socket
import subprocess
import sys
from typing import Optional

import torch
import torch.distributed as torch_dist

from fsat.utils.cli import FsatUserError

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def init_dist(launcher: str,
              backend: Optional[str] = None,
              timeout: Optional[float] = 1800,
              **kwargs) -> str:
    """Initialise ``torch.distributed`` for ``launcher`` on any device.

    Args:
        launcher (str): One of ``'pytorch'``, ``'slurm'``, ``'mpi'``.
        backend (str, optional): Requested backend, e.g. from the config's
            ``env_cfg.dist_cfg.backend``. ``'nccl'`` falls back to
            ``'gloo'`` when CUDA is unavailable. Defaults to None (nccl with
            CUDA, gloo without).
        timeout (float, optional): Collective timeout in seconds.
            Defaults to 1800.
        **kwargs: Passed to ``init_process_group``.

    Returns:
        str: The backend in use.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_backend()
    if launcher == 'slurm':
        _env_from_slurm()
    elif launcher == 'mpi':
        _env_from_mpi()
    elif launcher != 'pytorch':
        raise FsatUserError(f'unknown launcher {launcher!r}; choose one of '
                            f'{", ".join(LAUNCHERS[1:])}')
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR',
                    'MASTER_PORT') if k not in os.environ
    ]
    if missing:
        raise FsatUserError(
            f'launcher {launcher!r} needs the environment variables '
            f'{", ".join(missing)}; start distributed runs with '
            'tools/dist_train.sh (torchrun) or tools/slurm_train.sh')
    use_cuda = torch.cuda.is_available()
    if backend is None or (backend == 'nccl' and not use_cuda):
        backend = 'nccl' if use_cuda else 'gloo'
    if use_cuda:
        torch.cuda.set_device(int(os.environ['LOCAL_RANK']))
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(backend=backend, **kwargs)
    return backend


def finalize_dist() -> None:
    """Leave the process group together with the other ranks.

    Without it each rank tears its gloo/nccl threads down on interpreter
    exit while a peer may still be inside a collective, which aborts the
    process ("terminate called without an active exception", SIGABRT) after
    the work has finished. A barrier followed by ``destroy_process_group``
    makes every rank exit cleanly. A no-op outside distributed runs.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    try:
        torch_dist.barrier()
    finally:
        torch_dist.destroy_process_group()


def _env_from_slurm() -> None:
    """Translate SLURM variables into torchrun-style ones."""
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    local_rank = os.environ.get('SLURM_LOCALID')
    if local_rank is None:
        per_node = max(torch.cuda.device_count(), 1)
        local_rank = str(proc_id % per_node)
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {nodes} | head -n1').strip()
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['LOCAL_RANK'] = str(local_rank)
    os.environ['RANK'] = str(proc_id)


def _env_from_mpi() -> None:
    """Translate Open MPI variables into torchrun-style ones."""
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29500')


def max_procs_per_node() -> int:
    """How many ranks one node can hold: its GPUs, or its CPU cores.

    A CPU rank below one core makes every gloo collective wait on a
    descheduled peer; set ``FSAT_ALLOW_OVERSUBSCRIBE=1`` to allow it anyway.
    """
    if torch.cuda.is_available():
        return torch.cuda.device_count()
    if os.environ.get('FSAT_ALLOW_OVERSUBSCRIBE'):
        return sys.maxsize
    return os.cpu_count() or 1


def check_nproc(nproc: str) -> int:
    """Validate the NPROC argument of ``tools/dist_*.sh``.

    Args:
        nproc (str): Number of processes per node, as typed by the user.

    Returns:
        int: The number of processes.
    """
    try:
        n = int(nproc)
    except ValueError:
        n = 0
    if n < 1:
        raise FsatUserError(
            f'NPROC must be a positive integer, got {nproc!r}')
    allowed = max_procs_per_node()
    if n > allowed:
        what = (f'{allowed} CUDA device(s)' if torch.cuda.is_available() else
                f'{allowed} CPU core(s) and no CUDA device')
        raise FsatUserError(
            f'NPROC={n} is larger than allowed: this node has {what}; use '
            f'NPROC <= {allowed}' +
            ('' if torch.cuda.is_available() else
             ' (or set FSAT_ALLOW_OVERSUBSCRIBE=1)'))
    return n


def find_free_port() -> int:
    """Return a TCP port that is free on this host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('', 0))
        return sock.getsockname()[1]
