#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Export a distiller checkpoint's student as a plain recognizer checkpoint.

The distiller saves its student under ``student.``; the exported file has
the same weights without the prefix (and without teachers, connectors,
optimizer state), so a plain mmaction2 recognizer loads it strictly, with
``load_from``, ``tools/test.py`` or ``init_cfg=dict(type='Pretrained')``.

A ``MultiStreamRecognizer`` checkpoint (the hallucination network's
steps, ``backbone.streams.<stream>.*`` and ``heads.<stream>.*``) has no
student: ``--streams`` keeps the named streams and drops the others, and
without a ``student.`` prefix every stream is kept. The final model of
step 4 (RGB + hallucination) exports as it is, with no depth stream, and
``tools/test.py configs/hallucination/step4_*.py OUT`` tests it on RGB.

Examples:
    python tools/export_student.py work_dirs/transfer/iter_800.pth \
        work_dirs/transfer/student.pth
    python tools/export_student.py CKPT OUT --prefix teachers.rgb.
    python tools/export_student.py step4/iter_150.pth final.pth \
        --streams rgb,hallucination
"""
import argparse
import os
import os.path as osp
import re
import time
from collections import OrderedDict

import torch

from fsat.engine.checkpoint import load_local_checkpoint
from fsat.utils.cli import FsatUserError, run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a distiller checkpoint')
    parser.add_argument('checkpoint', help='distiller checkpoint (.pth)')
    parser.add_argument('out', help='where to write the student checkpoint')
    parser.add_argument(
        '--prefix',
        default='student.',
        help='state-dict prefix of the weights to export (default: '
        'student.; e.g. teachers.rgb. exports a teacher)')
    parser.add_argument(
        '--streams',
        help='comma-separated streams of a MultiStreamRecognizer checkpoint '
        'to keep (e.g. rgb,hallucination); default: all of them when the '
        'checkpoint has no student. weights')
    return parser.parse_args()


def load_state_dict(path: str) -> tuple:
    """``(state_dict, meta)`` of a checkpoint file."""
    if not osp.exists(path):
        raise FsatUserError(f'checkpoint does not exist: {path}')
    # names the file on a truncated, damaged or non-torch file; reads a
    # runner checkpoint's message hub and numpy values, which torch >= 2.6
    # refuses without weights_only=False: load only files you trust
    checkpoint = load_local_checkpoint(path, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise FsatUserError(f'{path} is not a checkpoint dict')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise FsatUserError(f'{path}: its state_dict is a '
                            f'{type(state_dict).__name__}, not a dict')
    meta = checkpoint.get('meta') if 'state_dict' in checkpoint else None
    # a checkpoint saved from a DDP-wrapped model
    state_dict = OrderedDict((re.sub(r'^module\.', '', k), v)
                             for k, v in state_dict.items()
                             if isinstance(v, torch.Tensor))
    return state_dict, dict(meta) if isinstance(meta, dict) else {}


def strip_prefix(state_dict: dict, prefix: str, path: str) -> OrderedDict:
    """The weights under ``prefix``, with the prefix removed."""
    if not prefix.endswith('.'):
        prefix += '.'
    weights = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                          if k.startswith(prefix))
    if not weights:
        tops = sorted({k.split('.')[0] + '.' for k in state_dict})
        raise FsatUserError(
            f'{path} has no weights under {prefix!r} (top-level prefixes: '
            f'{", ".join(tops) or "none"}); is it a distiller checkpoint? '
            'Pick another with --prefix')
    return weights


STREAM_PREFIXES = ('backbone.streams.', 'heads.')


def checkpoint_streams(state_dict: dict) -> list:
    """The streams of a ``MultiStreamRecognizer`` state dict, in order."""
    names = []
    for key in state_dict:
        if key.startswith(STREAM_PREFIXES[0]):
            name = key[len(STREAM_PREFIXES[0]):].split('.')[0]
            if name not in names:
                names.append(name)
    return names


def keep_streams(state_dict: dict, streams: list, path: str) -> OrderedDict:
    """The state dict without the streams not in ``streams``: their
    backbone and head weights go, everything else stays."""
    have = checkpoint_streams(state_dict)
    if not have:
        raise FsatUserError(
            f'{path} has no streams (no backbone.streams.* weights); '
            '--streams is for MultiStreamRecognizer checkpoints')
    unknown = [s for s in streams if s not in have]
    if unknown or not streams:
        raise FsatUserError(
            f'{path}: --streams {",".join(streams)}: no stream(s) '
            f'{unknown or streams} in the checkpoint (it has '
            f'{", ".join(have)})')
    dropped = tuple(f'{p}{s}.' for s in have if s not in streams
                    for p in STREAM_PREFIXES)
    return OrderedDict((k, v) for k, v in state_dict.items()
                       if not k.startswith(dropped))


def main() -> None:
    args = parse_args()
    if osp.isdir(args.out):
        raise FsatUserError(f'{args.out} is a directory; give the path of '
                            f'the file to write, e.g. {args.out}/student.pth')
    state_dict, meta = load_state_dict(args.checkpoint)
    streams = None
    if args.streams is not None or (
            args.prefix == 'student.'
            and not any(k.startswith('student.') for k in state_dict)
            and checkpoint_streams(state_dict)):
        streams = ([s.strip() for s in args.streams.split(',') if s.strip()]
                   if args.streams is not None else
                   checkpoint_streams(state_dict))
        weights = keep_streams(state_dict, streams, args.checkpoint)
    else:
        weights = strip_prefix(state_dict, args.prefix, args.checkpoint)
    meta['fsat_export'] = dict(
        source=osp.abspath(args.checkpoint),
        prefix='' if streams else args.prefix,
        time=time.strftime('%Y-%m-%d %H:%M:%S'))
    if streams:
        meta['fsat_export']['streams'] = streams
    tmp = f'{args.out}.tmp{os.getpid()}'
    try:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        torch.save(dict(state_dict=weights, meta=meta), tmp)
        os.replace(tmp, args.out)  # never a half-written file at OUT
    except OSError as e:
        if osp.exists(tmp):
            os.remove(tmp)
        raise FsatUserError(f'cannot write {args.out}: '
                            f'{e.strerror or e}') from e
    if streams:
        print(f'exported {len(weights)} tensors of streams '
              f'{", ".join(streams)} to {args.out}')
    else:
        print(f'exported {len(weights)} tensors under {args.prefix!r} to '
              f'{args.out}')


if __name__ == '__main__':
    run_cli(main, prog='export_student')
