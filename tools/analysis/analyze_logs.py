#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Loss and accuracy curves, and training speed, from MMEngine's json logs.

MMEngine 0.10.7 writes one json object per line to
``<work_dir>/<timestamp>/vis_data/scalars.json`` (and the same lines to
``vis_data/<timestamp>.json``):

* a training row every ``LoggerHook.interval`` steps, with ``iter`` and
  ``step`` (the global iteration), ``loss`` and every logged loss,
  ``lr``, ``time``, ``data_time``, and ``epoch`` in epoch-based runs;
* a validation row after each validation, with the metrics
  (``acc/top1``, ...) and ``step``, which is the *epoch*, 0 in
  iteration-based runs (``LoggerHook.log_metric_by_epoch`` defaults to
  True).

So every curve here is drawn against the training iteration: a validation
row is placed at the step of the last training row logged before it. A
LOG argument is a json file, or a run's work dir, whose
``<timestamp>/vis_data/scalars.json`` files are read in time order (a
resumed run continues its curve; a step logged twice keeps its newest
value).

mmaction2's ``tools/analysis_tools/analyze_logs.py`` (not installed with
the mmaction2 package) needs seaborn, which fsat does not install, and
skips every row without an ``epoch`` key: all rows of iteration-based runs
(most of fsat's configs) and the validation rows of every run. Hence this
tool, matplotlib only (Agg).

Examples:
    python tools/analysis/analyze_logs.py plot_curve work_dirs/a work_dirs/b \
        --keys loss acc/top1 --legend a_loss a_top1 b_loss b_top1 \
        --out curves.png
    python tools/analysis/analyze_logs.py cal_train_time \
        work_dirs/a/20260101_120000/vis_data/scalars.json
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
from typing import Dict, List, Tuple

from fsat.utils.cli import FsatUserError, run_cli

Series = List[Tuple[int, float]]


def log_files(path: str) -> List[str]:
    """The json files a LOG argument names, oldest first."""
    if osp.isfile(path):
        return [path]
    if osp.isdir(path):
        found = sorted(
            glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
        if found:
            return found
        raise FsatUserError(f'{path}: no <timestamp>/vis_data/scalars.json '
                            'in this folder (is it a training work dir?)')
    raise FsatUserError(f'log does not exist: {path}')


def read_rows(path: str) -> List[dict]:
    """The json rows of one log file (a line that is no json object is an
    error naming the file and line)."""
    rows = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if not isinstance(row, dict):
                raise FsatUserError(f'{path}, line {i}: not a json object '
                                    "(expected MMEngine's scalars.json)")
            rows.append(row)
    return rows


def load_log(path: str) -> Dict[str, Dict[int, float]]:
    """``key -> {training step: value}`` of a log file or work dir.

    Training rows are those with an ``iter`` key; any other row (a
    validation or test result) is placed at the step of the last training
    row before it, its ``time`` and ``data_time`` renamed ``val/time`` and
    ``val/data_time`` (they would overwrite the training step's).
    """
    curves: Dict[str, Dict[int, float]] = {}
    for fname in log_files(path):
        step = 0
        for row in read_rows(fname):
            train = 'iter' in row
            if train:
                step = int(row.get('step', row['iter']))
            for key, value in row.items():
                if key in ('iter', 'step', 'epoch'):
                    continue
                if not train and key in ('time', 'data_time'):
                    key = f'val/{key}'
                if isinstance(value, (int, float)) and \
                        not isinstance(value, bool):
                    curves.setdefault(key, {})[step] = float(value)
    if not curves:
        raise FsatUserError(f'{path}: no scalars in the log')
    return curves


def series(curves: Dict[str, Dict[int, float]], key: str,
           name: str) -> Series:
    """The sorted ``(step, value)`` points of ``key``."""
    if key not in curves:
        raise FsatUserError(
            f'{name} has no key {key!r}; it has: {", ".join(sorted(curves))}')
    return sorted(curves[key].items())


def train_time(path: str, include_outliers: bool = False) -> dict:
    """Seconds per training iteration of one log.

    ``time`` of a training row is the mean over the iterations since the
    previous row; the first row (start-up, first data) is left out unless
    ``include_outliers``.

    Returns:
        dict: ``rows``, ``mean``, ``std``, ``slowest``, ``fastest`` (s/iter,
        the last three over rows) and ``last_step``.
    """
    rows = [r for f in log_files(path) for r in read_rows(f)
            if 'iter' in r and 'time' in r]
    if not include_outliers:
        rows = rows[1:]
    if not rows:
        raise FsatUserError(f'{path}: too few training rows with a time '
                            '(log more often: LoggerHook interval)')
    times = [float(r['time']) for r in rows]
    return dict(
        rows=len(times),
        mean=statistics.fmean(times),
        std=statistics.pstdev(times),
        slowest=max(times),
        fastest=min(times),
        last_step=int(rows[-1].get('step', rows[-1]['iter'])))


def plot_curve(args) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    if not args.out.lower().endswith(('.png', '.pdf', '.svg', '.jpg')):
        raise FsatUserError(
            f'--out must end with .png, .pdf, .svg or .jpg, got {args.out}')
    logs = [load_log(path) for path in args.logs]
    lines = [(path, key) for path in args.logs for key in args.keys]
    legend = args.legend or [
        f'{osp.basename(osp.normpath(path))} {key}' for path, key in lines
    ]
    if len(legend) != len(lines):
        raise FsatUserError(
            f'--legend has {len(legend)} names; it needs one per log and key '
            f'({len(args.logs)} x {len(args.keys)} = {len(lines)}), in the '
            'order log1 key1, log1 key2, ...')
    fig, ax = plt.subplots(figsize=(8, 5))
    for (path, key), curves, label in zip(
            lines, [c for c in logs for _ in args.keys], legend):
        points = series(curves, key, path)
        ax.plot([p[0] for p in points], [p[1] for p in points],
                marker='o' if len(points) < 30 else None, label=label)
    ax.set_xlabel('iteration')
    ax.set_title(args.title or ', '.join(args.keys))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'saved {len(lines)} curve(s) to {args.out}')


def cal_train_time(args) -> None:
    for path in args.logs:
        t = train_time(path, args.include_outliers)
        print(f'{path}: {t["rows"]} logged training rows up to iteration '
              f'{t["last_step"]}')
        print(f'  time per iteration: mean {t["mean"]:.4f} s '
              f'(std {t["std"]:.4f} s over rows; slowest {t["slowest"]:.4f} '
              f's, fastest {t["fastest"]:.4f} s)')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Curves and training speed from MMEngine json logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser(
        'plot_curve', help='plot scalars of one or several runs to a file')
    plot.add_argument('logs', nargs='+',
                      help='scalars.json files or training work dirs')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='scalars to plot (default: loss), e.g. loss '
                      'acc/top1 distill.loss_cos')
    plot.add_argument('--legend', nargs='+',
                      help='one name per log and key (log1 key1, log1 key2, '
                      '..., log2 key1, ...)')
    plot.add_argument('--title', help='figure title (default: the keys)')
    plot.add_argument('--out', required=True,
                      help='figure file (.png, .pdf, .svg or .jpg)')
    speed = sub.add_parser('cal_train_time',
                           help='seconds per training iteration')
    speed.add_argument('logs', nargs='+',
                       help='scalars.json files or training work dirs')
    speed.add_argument('--include-outliers', action='store_true',
                       help='keep the first logged row (start-up)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.task == 'plot_curve':
        plot_curve(args)
    else:
        cal_train_time(args)


if __name__ == '__main__':
    run_cli(main, prog='analyze_logs')
