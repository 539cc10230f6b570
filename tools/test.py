#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Evaluate a checkpoint on the test split of a config.

Examples:
    python tools/test.py CONFIG work_dirs/x/epoch_10.pth --dump preds.pkl
    tools/dist_test.sh CONFIG CKPT 8
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from fsat.apis import (
    build_runner,
    check_config_path,
    check_required_fields,
    check_runner,
    default_work_dir,
    load_config,
    require_file,
    setup_launcher,
)
from fsat.engine.checkpoint import verify_checkpoint
from fsat.engine.launch import LAUNCHERS, finalize_dist
from fsat.utils.cli import FsatUserError, run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        help="checkpoint file, or 'none' for a model that loads its own "
        'weights (e.g. LateFusionRecognizer streams)')
    parser.add_argument('--work-dir', help='where evaluation logs go')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump the predictions to a pickle file (.pkl) for offline '
        'evaluation')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument(
        '--launcher',
        choices=LAUNCHERS,
        default='none',
        help='job launcher (tools/dist_test.sh sets pytorch)')
    parser.add_argument(
        '--check-only',
        action='store_true',
        help='validate the config and arguments, then exit')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args) -> None:
    """Apply the command-line arguments to the config."""
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
    if args.checkpoint.lower() == 'none':
        cfg.load_from = None
    elif osp.isdir(args.checkpoint):
        raise FsatUserError(f'checkpoint {args.checkpoint} is a directory, '
                            'not a checkpoint file')
    else:
        cfg.load_from = require_file(args.checkpoint, 'checkpoint')
        verify_checkpoint(cfg.load_from, check_crc=False)  # also --check-only
    check_required_fields(cfg, args.config, 'test')
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise FsatUserError(
                f'--dump must name a .pkl or .pickle file, got {args.dump}')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, dict):
            evaluator = [evaluator]
        cfg.test_evaluator = list(evaluator) + [dump_metric]


def main() -> None:
    args = parse_args()
    check_config_path(args.config)
    cfg = load_config(args.config, args.cfg_options)
    merge_args(cfg, args)
    if args.check_only:
        return
    setup_launcher(cfg, args.launcher)
    runner = build_runner(cfg)
    check_runner(runner, cfg, 'test')
    runner.test()
    finalize_dist()


if __name__ == '__main__':
    run_cli(main, prog='test')
