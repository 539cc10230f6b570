#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Detect the actions of one long video with a trained temporal detector.

The video is read buffer by buffer from the config's test set (memory does
not grow with its length; a progress bar counts the buffers), and the
buffers' detections are merged by class-wise NMS. Prints the detections
above ``--score-thr`` and can write them all as JSON.

Example::

    python tools/detect_video.py configs/detection/rc3d_r3d18_depth_synth.py \\
        work_dirs/rc3d_r3d18_depth_synth/epoch_8.pth 0020-M --out dets.json
"""
import argparse
import json
import os.path as osp

from mmengine.config import DictAction

from fsat.apis import (
    check_checkpoint_matches,
    check_config_path,
    detect_video,
    load_config,
    require_file,
)
from fsat.utils.cli import FsatUserError, run_cli


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='detector config (its test set '
                        'gives the buffers)')
    parser.add_argument('checkpoint', help='trained detector checkpoint')
    parser.add_argument('video_id', help='e.g. 0020-M')
    parser.add_argument('--merge-iou', type=float, default=0.3,
                        help='class-wise NMS over all buffers (default 0.3)')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='print detections above this score')
    parser.add_argument('--out', help='write every detection to this JSON')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    check_config_path(args.config)
    cfg = load_config(args.config, args.cfg_options)
    checkpoint = require_file(args.checkpoint, 'checkpoint')
    if not cfg.get('test_dataloader'):
        raise FsatUserError(f'{args.config} has no test_dataloader')
    if args.out and osp.isdir(args.out):
        raise FsatUserError(f'--out {args.out} is a directory; give the '
                            'path of the JSON file to write')
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint

    from fsat.registry import DATASETS, MODELS
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'fsat')):
        model = MODELS.build(cfg.model)
        # another model's checkpoint would detect with initial weights
        check_checkpoint_matches(model, checkpoint, strict=True)
        load_checkpoint(model, checkpoint, map_location='cpu')
        model = model.to(args.device).eval()
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        try:
            out = detect_video(model, dataset, args.video_id,
                               merge_iou=args.merge_iou)
        except KeyError as e:
            raise FsatUserError(str(e).strip('"')) from e
    names = (dataset.metainfo or {}).get('classes')
    print(f'\n{args.video_id}: {len(out["scores"])} detections from '
          f'{out["buffers"]} buffers')
    for (start, end), score, label in zip(out['segments'], out['scores'],
                                          out['labels']):
        if score < args.score_thr:
            continue
        name = names[label] if names and label < len(names) else label
        print(f'  {start:8.1f} {end:8.1f}  {score:.3f}  {name}')
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(dict(video_id=args.video_id,
                           segments=out['segments'].tolist(),
                           scores=out['scores'].tolist(),
                           labels=out['labels'].tolist()), f, indent=1)


if __name__ == '__main__':
    run_cli(main, prog='detect_video')
