#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""How long training steps waited for data, per stage of a pipeline.

Reads every run's ``vis_data/scalars.json`` under a pipeline's work dir
(``<work_dir>/<stage>/<run>/<timestamp>/vis_data/scalars.json``) and prints,
per stage, the mean step time, the mean ``data_time`` and its share. The
first logged window of each run (worker start-up, first pass over the
data) is left out.

Example:
    python tools/analysis/data_time.py work_dirs/fsat_synth_demo
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict

from fsat.utils.cli import FsatUserError, run_cli


def stage_data_time(work_dir: str) -> dict:
    """``stage -> dict(runs, step_ms, data_ms, share)``."""
    runs = defaultdict(list)
    pattern = osp.join(work_dir, '*', '*', '*', 'vis_data', 'scalars.json')
    for path in sorted(glob.glob(pattern)):
        stage = osp.relpath(path, work_dir).split(osp.sep)[0]
        with open(path, encoding='utf-8') as f:
            rows = [json.loads(line) for line in f if line.strip()]
        rows = [r for r in rows if 'data_time' in r and 'loss' in r][1:]
        if rows:
            runs[stage].append((sum(r['time'] for r in rows) / len(rows),
                                sum(r['data_time'] for r in rows) / len(rows)))
    out = {}
    for stage, values in runs.items():
        step = sum(v[0] for v in values) / len(values)
        data = sum(v[1] for v in values) / len(values)
        out[stage] = dict(runs=len(values), step_ms=1000 * step,
                          data_ms=1000 * data, share=100 * data / step)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir', help='a pipeline work dir')
    args = parser.parse_args()
    stats = stage_data_time(args.work_dir)
    if not stats:
        raise FsatUserError(f'no training logs (vis_data/scalars.json) '
                            f'under {args.work_dir}')
    print('| stage | runs | step time | data_time | share |')
    print('| --- | --- | --- | --- | --- |')
    for stage, s in stats.items():
        print(f"| {stage} | {s['runs']} | {s['step_ms']:.1f} ms | "
              f"{s['data_ms']:.2f} ms | {s['share']:.1f} % |")


if __name__ == '__main__':
    run_cli(main, prog='data_time')
