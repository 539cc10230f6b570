#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""The demo job of ``make demo``: FSAT on the embedded synthetic world.

Runs ``configs/pipelines/fsat_synth_demo.py``:

1. its ``prepare`` step synthesises the ``demo`` world into
   ``data/synthetic_demo`` and extracts its optical flow (Farneback, bound
   20); both are kept, so a second run reuses them;
2. flow teacher -> transfer -> fine-tuning sweeps, two runs at a time on
   a machine with two or more cores (``--jobs``; each run gets its share of
   the cores); finished runs are skipped, so an interrupted demo continues
   where it stopped;
3. prints the results table and where the files are.

The same as ``python tools/run_pipeline.py
configs/pipelines/fsat_synth_demo.py --jobs 2`` with step banners and the
total time.
"""
import argparse
import os
import os.path as osp
import time

from mmengine.config import DictAction

from fsat.utils.cli import run_cli


def _banner(step: int, total: int, text: str) -> None:
    print(f'\n=== [{step}/{total}] {text}', flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pipeline',
                        default='configs/pipelines/fsat_synth_demo.py')
    parser.add_argument('--work-dir', default='work_dirs/fsat_synth_demo')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='pipeline overrides, e.g. sweeps.seed=[0]')
    parser.add_argument(
        '--jobs', type=int, default=min(2, os.cpu_count() or 1),
        help='runs at once, each in its own process with its share of the '
        'cores (default: 2, or 1 on a one-core machine); the results differ '
        'from --jobs 1 only by floating-point rounding with fewer threads')
    args = parser.parse_args()
    start = time.time()

    from fsat.apis.pipeline import load_pipeline, prepare_data, run_pipeline
    from fsat.apis.summary import summarize
    pipeline = load_pipeline(args.pipeline, args.work_dir, args.cfg_options)
    _banner(1, 3, 'data: the synthetic world and its optical flow')
    prepare_data(pipeline)
    _banner(2, 3, f'pipeline {args.pipeline}')
    run_pipeline(pipeline, prepare=False, jobs=args.jobs)

    _banner(3, 3, 'results')
    out = summarize(osp.join(pipeline.work_dir, 'results.json'))
    print(out['table'])
    print(f"table: {out['markdown']}\nplot:  {out['plot']}")
    if 'curves' in out:
        print(f"validation curves: {out['curves']}")
    print(f'demo finished in {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    run_cli(main, prog='demo')
