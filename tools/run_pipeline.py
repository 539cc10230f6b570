#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Run a multi-stage pipeline (teacher -> transfer -> fine-tune sweeps).

Finished runs are skipped, interrupted ones resume; at the end the results
table is printed and results.json / results.md / results.png are written.

Examples:
    python tools/run_pipeline.py configs/pipelines/fsat_synth_demo.py
    python tools/run_pipeline.py PIPELINE --nproc 2    # torchrun, 2 ranks
    python tools/run_pipeline.py PIPELINE --jobs 2     # 2 runs at once
"""
import argparse
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import DictAction
from mmengine.dist import get_rank

from fsat.apis.pipeline import load_pipeline, run_pipeline
from fsat.apis.pipeline.parallel import check_jobs
from fsat.apis.summary import summarize
from fsat.engine.launch import (
    LAUNCHERS,
    check_nproc,
    finalize_dist,
    find_free_port,
    init_dist,
)
from fsat.utils.cli import run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Run a pipeline')
    parser.add_argument('config', help='pipeline config file')
    parser.add_argument('--work-dir', help='root of all runs and results')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override pipeline fields, e.g. sweeps.seed=[0]')
    parser.add_argument(
        '--launcher',
        choices=LAUNCHERS,
        default='none',
        help='job launcher (set by --nproc)')
    parser.add_argument(
        '--nproc',
        type=str,
        default='1',
        help='processes per run: > 1 re-launches this tool with torchrun')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        metavar='N',
        help='runs at once: > 1 executes up to N runs whose upstream runs '
        'have finished in worker processes, each with cpu_count // N '
        'threads unless OMP_NUM_THREADS is set (same records as 1; not '
        'with --nproc > 1)')
    parser.add_argument(
        '--skip-data-check',
        action='store_true',
        help='do not build every training set before the first run')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args()


def relaunch_with_torchrun(nproc: int) -> None:
    """Run this tool again under torchrun with ``--launcher pytorch``."""
    argv = [a for a in sys.argv[1:]]
    i = argv.index('--nproc')
    del argv[i:i + 2]
    cmd = [
        sys.executable, '-m', 'torch.distributed.run',
        f'--nproc_per_node={nproc}',
        f'--master_port={os.environ.get("PORT") or find_free_port()}',
        osp.abspath(__file__)
    ] + argv + ['--launcher', 'pytorch']
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', str(max((os.cpu_count() or 1) //
                                              nproc, 1)))
    sys.exit(subprocess.call(cmd, env=env))


def main() -> None:
    args = parse_args()
    nproc = check_nproc(args.nproc)
    check_jobs(args.jobs, 'pytorch' if nproc > 1 else args.launcher,
               'run_pipeline')
    if nproc > 1 and args.launcher == 'none':
        relaunch_with_torchrun(nproc)
    pipeline = load_pipeline(args.config, args.work_dir, args.cfg_options)
    if args.launcher != 'none':
        init_dist(args.launcher)
    run_pipeline(pipeline, args.launcher,
                 check_data=not args.skip_data_check, jobs=args.jobs)
    if get_rank() == 0:
        out = summarize(osp.join(pipeline.work_dir, 'results.json'))
        print(out['table'])
        print(f"results: {out['markdown']}\nplot: {out['plot']}")
    finalize_dist()


if __name__ == '__main__':
    run_cli(main, prog='run_pipeline')
