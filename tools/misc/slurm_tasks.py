#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""The task and resource options ``tools/slurm_*.sh`` pass to ``srun``.

Prints them on one line, from the environment:

* GPU nodes (the default): ``GPUS`` ranks in all (default 8), at most
  ``GPUS_PER_NODE`` per node (default 8), one GPU each
  (``--gres=gpu:<per node>``).
* CPU-only nodes, when ``GPUS_PER_NODE=0`` (or ``GPUS=0``): ``TASKS`` ranks
  in all (default 1), ``TASKS_PER_NODE`` per node (default ``TASKS``), no
  ``--gres``. The ranks use gloo.
* ``CPUS_PER_TASK`` CPU cores per rank in both cases (default 5).

A value that is not a whole number, or a negative one, ends the script with
one line before ``srun`` is called.
"""
import os
from typing import List

from fsat.utils.cli import FsatUserError, run_cli


def _count(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, '').strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise FsatUserError(f'{name}={raw!r}: expected a whole number '
                            f'>= {minimum}')
    return value


def srun_options() -> List[str]:
    """``srun`` options for the ranks and resources the environment asks."""
    gpus = _count('GPUS', 8, 0)
    gpus_per_node = _count('GPUS_PER_NODE', 8, 0)
    cpus = _count('CPUS_PER_TASK', 5, 1)
    if gpus == 0 or gpus_per_node == 0:
        tasks = _count('TASKS', 1, 1)
        per_node = min(_count('TASKS_PER_NODE', tasks, 1), tasks)
        return [f'--ntasks={tasks}', f'--ntasks-per-node={per_node}',
                f'--cpus-per-task={cpus}']
    per_node = min(gpus, gpus_per_node)
    return [f'--ntasks={gpus}', f'--ntasks-per-node={per_node}',
            f'--gres=gpu:{per_node}', f'--cpus-per-task={cpus}']


def main() -> None:
    print(' '.join(srun_options()))


if __name__ == '__main__':
    run_cli(main, prog='slurm launch')
