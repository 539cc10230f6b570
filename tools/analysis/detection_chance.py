#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""The chance level of a 2-D detector's VOC mAP, from its own detections.

"Far above chance" needs a chance level, and for detection it is not
``1 / num_classes``: it depends on how well the boxes fit. This tool
reads the predictions that ``tools/test.py --dump`` wrote and scores them
three ways with the config's ``VOCBoxMAP`` settings:

* as they are (the test's mAP);
* with the classes made random (``--draws`` times): every image's labels
  renamed by its own random permutation of the classes
  (:func:`fsat.evaluation.functional.label_chance_map`). Boxes, scores and
  their order stay, so this is what a detector that localised exactly as
  well but could not tell the classes apart would score;
* with all classes merged into one (the class-agnostic AP,
  :func:`fsat.evaluation.functional.class_agnostic_ap`): how well the
  boxes fit whatever their class, the localisation part of the mAP.

Several dumps (e.g. one per seed) give one row each and their mean.
mmdetection and mmaction2 have no such analysis.

Example:
    python tools/test.py CONFIG CKPT --dump work_dirs/x/preds.pkl
    python tools/analysis/detection_chance.py CONFIG work_dirs/x/preds.pkl

With ``--label NAME --out FILE.json`` the figures are kept in ``FILE.json``
under ``NAME`` (one detector, its dumps as rows), next to the labels
already there; ``--doc PAGE.md --from FILE.json`` then writes one summary
row per label (means over its dumps) between the page's marker lines
``<!-- chance: NAME (tools/analysis/detection_chance.py) -->`` and
``<!-- /chance: NAME -->``, NAME being the file's name without ``.json``::

    python tools/analysis/detection_chance.py CONFIG s0.pkl s1.pkl s2.pkl \
        --label "flow, 6,000 iterations" --out docs/results/analysis/x.json
    python tools/analysis/detection_chance.py \
        --from docs/results/analysis/x.json --doc docs/detection.md
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np
from mmengine.fileio import load
from mmengine.utils import ProgressBar

from fsat.apis import load_config
from fsat.apis.summary import replace_doc_block
from fsat.evaluation.functional import (
    class_agnostic_ap,
    label_chance_map,
    voc_detection_map,
)
from fsat.evaluation.metrics.voc_map_metric import VOCBoxMAP
from fsat.utils.cli import FsatUserError, run_cli

#: VOCBoxMAP arguments that change the AP (the rest only name things)
_AP_ARGS = ('iou_thr', 'ap_mode', 'pixel_offset', 'matching')


def find_voc_metric(cfg, filename: str) -> dict:
    """The config's ``VOCBoxMAP`` (test evaluator, else val) settings."""
    for field in ('test_evaluator', 'val_evaluator'):
        evaluator = cfg.get(field)
        items = evaluator if isinstance(evaluator, list) else [evaluator]
        for item in items:
            if isinstance(item, dict) and item.get('type') in (
                    'VOCBoxMAP', 'fsat.VOCBoxMAP'):
                return dict(item)
    raise FsatUserError(f'{filename}: no VOCBoxMAP in test_evaluator or '
                        'val_evaluator')


def read_dump(path: str, metric: VOCBoxMAP) -> tuple:
    """Predictions and ground truths (lists of dicts) of a dump."""
    if not osp.isfile(path):
        raise FsatUserError(f'{path}: no such file')
    try:
        samples = load(path)
    except Exception as e:  # pickle, EOF, ...: a file that is not a dump
        raise FsatUserError(f'{path}: not a readable predictions dump '
                            f'({type(e).__name__}: {e})') from None
    if not isinstance(samples, list) or not samples:
        raise FsatUserError(f'{path}: expected the non-empty list of data '
                            'samples that tools/test.py --dump writes')
    metric.results = []
    try:
        metric.process(None, samples)
    except ValueError as e:
        raise FsatUserError(f'{path}: {e}') from None
    return ([r['pred'] for r in metric.results],
            [r['gt'] for r in metric.results])


def chance_of_dump(path: str, settings: dict, draws: int,
                   seed: int) -> dict:
    """Real and label-chance mAP (at the first IoU threshold) of a dump."""
    num_classes = settings['num_classes']
    metric = VOCBoxMAP(num_classes=num_classes,
                       **{k: settings[k] for k in _AP_ARGS if k in settings})
    predictions, ground_truths = read_dump(path, metric)
    kwargs = dict(iou_thr=metric.iou_thrs[0], ap_mode=metric.ap_mode,
                  pixel_offset=metric.pixel_offset, matching=metric.matching)
    real = voc_detection_map(predictions, ground_truths, num_classes,
                             **kwargs)
    bar = ProgressBar(draws, file=sys.stderr)  # stdout: the table
    chance = label_chance_map(predictions, ground_truths, num_classes,
                              draws=draws, seed=seed, progress=bar.update,
                              **kwargs)
    print(file=sys.stderr)
    per_draw = np.nanmean(chance, axis=1)
    return dict(
        dump=path,
        images=len(predictions),
        iou_thr=metric.iou_thrs[0],
        map=float(np.nanmean(real)),
        chance_mean=float(per_draw.mean()),
        chance_std=float(per_draw.std(ddof=1)) if draws > 1 else 0.0,
        chance_p95=float(np.percentile(per_draw, 95)),
        agnostic_ap=class_agnostic_ap(predictions, ground_truths, **kwargs),
        draws=draws,
        per_class=dict(ap=real.tolist(),
                       chance=np.nanmean(chance, axis=0).tolist()))


def format_table(rows: list, class_names=None) -> str:
    """Markdown: one row per dump, their mean, then AP per class."""
    lines = [
        '| dump | mAP (%) | chance (%), mean ± std | chance, 95th '
        'percentile (%) | mAP / chance | class-agnostic AP (%) |',
        '| --- | --- | --- | --- | --- | --- |'
    ]
    for r in rows:
        ratio = (f"{r['map'] / r['chance_mean']:.2f}"
                 if r['chance_mean'] > 0 else '-')
        lines.append(f"| {r['dump']} | {100 * r['map']:.2f} | "
                     f"{100 * r['chance_mean']:.2f} ± "
                     f"{100 * r['chance_std']:.2f} | "
                     f"{100 * r['chance_p95']:.2f} | {ratio} | "
                     f"{100 * r['agnostic_ap']:.2f} |")
    if len(rows) > 1:
        m = np.mean([r['map'] for r in rows])
        c = np.mean([r['chance_mean'] for r in rows])
        a = np.mean([r['agnostic_ap'] for r in rows])
        ratio = f'{m / c:.2f}' if c > 0 else '-'
        lines.append(f'| mean of {len(rows)} | {100 * m:.2f} | '
                     f'{100 * c:.2f} | | {ratio} | {100 * a:.2f} |')
    num = len(rows[0]['per_class']['ap'])
    names = list(class_names or [str(i) for i in range(num)])
    lines += ['', '| class | AP (%) | chance (%) |', '| --- | --- | --- |']
    for i, name in enumerate(names):
        ap = np.nanmean([r['per_class']['ap'][i] for r in rows])
        ch = np.nanmean([r['per_class']['chance'][i] for r in rows])
        lines.append(f'| {name} | {100 * ap:.2f} | {100 * ch:.2f} |')
    return '\n'.join(lines)


#: The marker lines of a summary block in a docs page.
DOC_BEGIN = '<!-- chance: {name} (tools/analysis/detection_chance.py) -->'
DOC_END = '<!-- /chance: {name} -->'


def summary_table(groups: dict) -> str:
    """Markdown: one row per label of a ``--label``/``--out`` file, the
    means over its dumps (the ratio is that of the means)."""
    lines = [
        '| detector | dumps | mAP@0.5 (%) | chance of its own detections '
        '(%) | mAP / chance (per dump) | chance, highest 95th percentile '
        '(%) | class-agnostic AP (%) |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    for label, group in groups.items():
        if not isinstance(group, dict) or 'rows' not in group:
            continue  # e.g. a note on how the file was made
        rows = group['rows']
        m = np.mean([r['map'] for r in rows])
        c = np.mean([r['chance_mean'] for r in rows])
        a = np.mean([r['agnostic_ap'] for r in rows])
        ratios = [r['map'] / r['chance_mean'] for r in rows
                  if r['chance_mean'] > 0]
        spread = (f' ({min(ratios):.2f}-{max(ratios):.2f})'
                  if len(ratios) > 1 else '')
        ratio = f'{m / c:.2f}{spread}' if c > 0 else '-'
        p95 = max(r['chance_p95'] for r in rows)
        lines.append(f'| {label} | {len(rows)} | {100 * m:.2f} | '
                     f'{100 * c:.2f} | {ratio} | {100 * p95:.2f} | '
                     f'{100 * a:.2f} |')
    return '\n'.join(lines)


def update_doc(page: str, name: str, table: str) -> bool:
    """Put ``table`` between the page's markers of ``name``; True when the
    page changed."""
    begin, end = DOC_BEGIN.format(name=name), DOC_END.format(name=name)
    if not osp.isfile(page):
        raise FsatUserError(f'{page}: no such file')
    try:
        return replace_doc_block(
            page, begin, end, table,
            f'{page}: needs one line {begin} and, after it, one line {end}',
            unique=True)
    except ValueError as e:
        raise FsatUserError(str(e)) from None


def _read_groups(path: str) -> dict:
    try:
        with open(path, encoding='utf-8') as f:
            groups = json.load(f)
    except FileNotFoundError:
        raise FsatUserError(f'{path}: no such file') from None
    except ValueError as e:
        raise FsatUserError(f'{path}: not JSON ({e})') from None
    if not isinstance(groups, dict) or not any(
            isinstance(g, dict) and 'rows' in g for g in groups.values()):
        raise FsatUserError(f'{path}: expected labels written by --label '
                            'NAME --out FILE (none found)')
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        help='the detector config (its VOCBoxMAP settings '
                        'are used)')
    parser.add_argument('dumps', nargs='*',
                        help='pickles written by tools/test.py --dump')
    parser.add_argument('--draws', type=int, default=100,
                        help='random relabellings per dump (default 100)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='also write the figures as JSON')
    parser.add_argument('--label',
                        help='keep the figures under this label in --out, '
                        'beside the labels already in it')
    parser.add_argument('--from', dest='source', metavar='JSON',
                        help='with --doc: the --label/--out file to show')
    parser.add_argument('--doc', help='with --from: the docs page whose '
                        'chance block to (re)write')
    args = parser.parse_args()
    if args.doc or args.source:
        if not (args.doc and args.source) or args.config:
            raise FsatUserError('--doc PAGE --from JSON go together, '
                                'without a config or dumps')
        name = osp.splitext(osp.basename(args.source))[0]
        changed = update_doc(args.doc, name,
                             summary_table(_read_groups(args.source)))
        print(f"{args.doc}: chance block {name!r} "
              f"{'updated' if changed else 'unchanged'}")
        return
    if not args.config or not args.dumps:
        raise FsatUserError('give a config and at least one dump (or '
                            '--doc PAGE --from JSON)')
    if args.label and not args.out:
        raise FsatUserError('--label needs --out (the file that keeps it)')
    if args.draws < 1:
        raise FsatUserError(f'--draws must be >= 1, got {args.draws}')
    settings = find_voc_metric(load_config(args.config), args.config)
    rows = [
        chance_of_dump(path, settings, args.draws, args.seed)
        for path in args.dumps
    ]
    print(format_table(rows, settings.get('class_names')))
    if args.out:
        result = dict(config=args.config, rows=rows)
        if args.label:
            groups = (_read_groups(args.out) if osp.isfile(args.out) else
                      {})
            groups[args.label] = result
            result = groups
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    run_cli(main, prog='detection_chance')
