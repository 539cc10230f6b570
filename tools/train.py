#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Train a model from a config (the MMEngine runner does the work).

Examples:
    python tools/train.py configs/distill/flow2depth_v2c_synth.py
    tools/dist_train.sh configs/distill/flow2depth_v2c.py 8 --amp
"""
import argparse
import logging
import os

from mmengine.config import DictAction
from mmengine.logging import print_log

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
from fsat.engine.resume import find_resume_checkpoint
from fsat.utils.cli import FsatUserError, run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or (without a value) from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (CUDA only; ignored with a warning '
        'on CPU)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_epochs=2')
    parser.add_argument(
        '--launcher',
        choices=LAUNCHERS,
        default='none',
        help='job launcher (tools/dist_train.sh sets pytorch)')
    parser.add_argument(
        '--check-only',
        action='store_true',
        help='validate the config and arguments, then exit (used by '
        'tools/dist_train.sh before it starts torchrun)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args) -> None:
    """Apply the command-line arguments to the config."""
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or default_work_dir(
        args.config)
    if args.resume == 'auto':
        # the newest complete checkpoint, whatever the moment of the kill
        # (MMEngine's last_checkpoint may name a removed file)
        found = find_resume_checkpoint(cfg.work_dir)
        if found is None:
            print_log(
                f'--resume: no complete checkpoint in {cfg.work_dir}; '
                'training from the start', logger='current',
                level=logging.WARNING)
        cfg.resume = found is not None
        cfg.load_from = found or cfg.get('load_from')
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = require_file(args.resume, 'resume checkpoint')
        verify_checkpoint(cfg.load_from, check_crc=False)  # also --check-only
    if args.amp:
        import torch
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            print_log(
                '--amp needs a CUDA device; training in float32 on the CPU',
                logger='current',
                level=logging.WARNING)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        if not (cfg.get('auto_scale_lr') or {}).get('base_batch_size'):
            raise FsatUserError(
                f'{args.config}: --auto-scale-lr needs '
                'auto_scale_lr.base_batch_size, the total batch size the '
                "config's learning rate is meant for (e.g. --cfg-options "
                'auto_scale_lr.base_batch_size=128)')
        cfg.auto_scale_lr.enable = True
    if args.seed is not None:
        cfg.setdefault('randomness', dict())
        cfg.randomness.seed = args.seed


def main() -> None:
    args = parse_args()
    check_config_path(args.config)
    cfg = load_config(args.config, args.cfg_options)
    merge_args(cfg, args)
    check_required_fields(cfg, args.config, 'train')
    if args.check_only:
        return
    setup_launcher(cfg, args.launcher)
    runner = build_runner(cfg)
    check_runner(runner, cfg, 'train')
    runner.train()
    finalize_dist()


if __name__ == '__main__':
    run_cli(main, prog='train')
