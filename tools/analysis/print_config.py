#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Print a config as fsat's tools resolve it.

The config is read with :func:`fsat.apis.load_config`, exactly as
``tools/train.py`` and ``tools/test.py`` read it: ``_base_`` files (also
``fsat::`` and ``mmaction::`` ones) merged, ``--cfg-options`` applied and
checked, relative config paths inside it made absolute, every ``type``
checked against the registries. mmaction2's ``print_config.py`` does not
apply fsat's rules (``fsat::`` bases, the default scope, the checks), hence
this one.

Examples:
    python tools/analysis/print_config.py configs/distill/flow2depth_v2c.py
    python tools/analysis/print_config.py CONFIG \
        --cfg-options train_dataloader.batch_size=4 --out resolved.py
"""
import argparse
import os
import os.path as osp

from mmengine.config import DictAction

from fsat.apis import load_config
from fsat.utils.cli import FsatUserError, run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print the resolved config (fsat.apis.load_config)')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_dataloader.batch_size=4')
    parser.add_argument(
        '--out',
        help='also write the resolved config to this file (.py, .json or '
        '.yaml)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.out and not args.out.endswith(('.py', '.json', '.yaml', '.yml')):
        raise FsatUserError(
            f'--out must end with .py, .json or .yaml, got {args.out}')
    cfg = load_config(args.config, args.cfg_options)
    print(f'Config: {osp.abspath(cfg.filename)}')
    print(cfg.pretty_text)
    if args.out:
        folder = osp.dirname(osp.abspath(args.out))
        os.makedirs(folder, exist_ok=True)
        cfg.dump(args.out)


if __name__ == '__main__':
    run_cli(main, prog='print_config')
