# Copyright (c) fsat contributors. All rights reserved.
"""Learnability of each modality of a synthetic world.

Trains a small network on each single modality (RGB, optical flow, depth,
skeleton) of the TARGET half with all training labels, cross-view split
(train cameras 2, 3; test camera 1), with the shipped configs, and tests it
at video level. Every modality must beat chance by a wide margin, and none
should be trivially perfect. Prints one JSON line per modality and a
summary table.

Example:
    python benchmarks/learnability.py --data-root data/synthetic_demo/ntu \\
        --iters 1500 --out work_dirs/learnability.json
"""
import argparse
import json
import os.path as osp
import time

CONFIGS = dict(
    rgb='configs/teachers/rgb_r3d18_synth.py',
    flow='configs/teachers/flow_r3d18_synth.py',
    depth='configs/finetune/depth_r3d18_synth.py',
    skeleton='configs/finetune/skeleton_stgcn_synth.py',
)


def options(modality: str, data_root: str, num_classes: int,
            iters: int) -> dict:
    """Overrides putting every modality on the same split and schedule."""
    target = dict(
        benchmark='ntu60_xview',
        split_rule=None,
        classes=list(range(1, num_classes + 1)))
    opts = {
        'train_dataloader.dataset.ntu': dict(target, split='train'),
        'test_dataloader.dataset.ntu': dict(target, split='val'),
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'param_scheduler.0.T_max': iters,
        'default_hooks.checkpoint.interval': iters,
        'model.cls_head.num_classes': num_classes,
        'val_cfg': None,
        'val_dataloader': None,
        'val_evaluator': None,
    }
    for split in ('train', 'test'):
        opts[f'{split}_dataloader.dataset.data_root'] = data_root
    if modality in ('depth', 'skeleton'):  # every label, not a budget
        opts['train_dataloader.dataset.labeled_subset'] = None
        opts['train_dataloader.dataset.subset'] = 'all'
        opts['test_dataloader.dataset.labeled_subset'] = None
        opts['test_dataloader.dataset.subset'] = 'all'
    return opts


def run(modality: str, args) -> dict:
    from fsat.apis import build_runner, load_config
    cfg = load_config(
        CONFIGS[modality],
        options(modality, args.data_root, args.num_classes, args.iters))
    cfg.work_dir = osp.join(args.work_dir, modality)
    cfg.experiment_name = f'learnability-{modality}'
    start = time.time()
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    return dict(
        modality=modality,
        top1=round(float(metrics['acc/top1']), 4),
        mean_class=round(float(metrics['acc/mean1']), 4),
        chance=round(1 / args.num_classes, 4),
        iters=args.iters,
        seconds=round(time.time() - start, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/synthetic_demo/ntu')
    parser.add_argument('--num-classes', type=int, default=10)
    parser.add_argument('--iters', type=int, default=1500)
    parser.add_argument('--modalities', nargs='+', default=list(CONFIGS))
    parser.add_argument('--work-dir', default='work_dirs/learnability')
    parser.add_argument('--out', help='also write the results to this JSON')
    args = parser.parse_args()
    results = []
    for modality in args.modalities:
        results.append(run(modality, args))
        print(json.dumps(results[-1]), flush=True)
    print('\n| modality | top-1 (%) | mean class (%) | chance (%) |')
    print('|---|---|---|---|')
    for r in results:
        print(f"| {r['modality']} | {100 * r['top1']:.1f} | "
              f"{100 * r['mean_class']:.1f} | {100 * r['chance']:.1f} |")
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(results, f, indent=2)


if __name__ == '__main__':
    main()
