# Copyright (c) fsat contributors. All rights reserved.
"""The demo job of ``make demo``: FSAT on the embedded synthetic world.

1. synthesise the ``demo`` world into ``data/synthetic_demo`` (kept: a
   second run reuses it);
2. extract optical flow (Farneback, bound 20) for its NTU-layout videos
   (finished videos are skipped);
3. run ``configs/pipelines/fsat_synth_demo.py``: flow teacher -> transfer
   -> fine-tuning sweeps (finished runs are skipped, so an interrupted demo
   continues where it stopped);
4. print the results table and where the files are.

Every step can be run alone with the tools it calls (see README).
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
    parser.add_argument('--data', default='data/synthetic_demo')
    parser.add_argument('--preset', default='demo')
    parser.add_argument('--pipeline',
                        default='configs/pipelines/fsat_synth_demo.py')
    parser.add_argument('--work-dir', default='work_dirs/fsat_synth_demo')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='pipeline overrides, e.g. sweeps.seed=[0]')
    args = parser.parse_args()
    start = time.time()

    from fsat.datasets.synthetic import generate_world
    _banner(1, 4, f'synthetic world ({args.preset}) in {args.data}')
    generate_world(args.preset, args.data, seed=0, workers=args.workers)

    from fsat.datasets.flow import collect_videos, extract_many
    _banner(2, 4, 'optical flow (Farneback) of the NTU-layout videos')
    ntu = osp.join(args.data, 'ntu')
    videos = collect_videos(osp.join(ntu, 'nturgb+d_rgb'), exts=('avi', ))
    results = extract_many(
        videos,
        osp.join(ntu, 'nturgb+d_flow'),
        workers=args.workers,
        method='farneback',
        skip_existing=True)
    failed = [r for r in results if r.status == 'failed']
    if failed:
        raise RuntimeError(f'optical flow failed for {len(failed)} videos, '
                           f'e.g. {failed[0].message}')

    from fsat.apis.pipeline import load_pipeline, run_pipeline
    from fsat.apis.summary import summarize
    _banner(3, 4, f'pipeline {args.pipeline}')
    pipeline = load_pipeline(args.pipeline, args.work_dir, args.cfg_options)
    run_pipeline(pipeline)

    _banner(4, 4, 'results')
    out = summarize(osp.join(pipeline.work_dir, 'results.json'))
    print(out['table'])
    print(f"table: {out['markdown']}\nplot:  {out['plot']}\n"
          f'demo finished in {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    run_cli(main, prog='demo')
