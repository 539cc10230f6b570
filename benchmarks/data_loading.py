# Copyright (c) fsat contributors. All rights reserved.
"""Loading speed of paired samples: clips (or sequences) per second per worker.

Three pipelines of :class:`fsat.datasets.PairedModalityDataset` on a folder
in the NTU RGB+D layout, each timed over ``--num-samples`` samples after one
warm-up load:

* ``paired_rgb_depth``: one 16-frame RGB clip decoded from the ``.avi`` with
  decord plus the same span of masked depth PNGs, both multi-scale corner
  cropped, resized to 112x112 and flipped (FSAT's training augmentation);
* ``depth``: the depth clip alone (a student with a cached teacher);
* ``depth_frame_cache``: the same with ``LoadMaskedDepth(cache_root=...)``,
  which reads clips from frames decoded once
  (:mod:`fsat.datasets.frame_cache`);
* ``skeleton``: whole skeleton sequences, centred, padded to 300 frames.

Without ``--data-root`` a small set of samples is generated in a temporary
folder (MJPG ``.avi`` of ``--rgb-size``, 512x424 uint16 PNGs, CRLF
``.skeleton`` files). Prints one JSON line.

Example::

    python benchmarks/data_loading.py
    python benchmarks/data_loading.py --data-root data/nturgbd --workers 2
"""
import argparse
import json
import os
import os.path as osp
import random
import sys
import tempfile
import time

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from fsat.datasets import PairedModalityDataset

CORNER_SCALES = (1, 0.84089642, 0.70710678, 0.59460356, 0.5)


def crop_resize(size: int) -> list:
    """Multi-scale corner crop and resize (FSAT's training)."""
    return [
        dict(type='MultiScaleCrop', input_size=size, scales=CORNER_SCALES,
             max_wh_scale_gap=0, num_fixed_crops=5),
        dict(type='Resize', scale=(size, size), keep_ratio=False)
    ]


FLIP_FORMAT = [
    dict(type='FlowAwareFlip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW')
]


def modality_cfgs(size: int, cache_root: str) -> dict:
    rgb = dict(pipeline=[dict(type='DecordInit'),
                         dict(type='DecordDecode')] + crop_resize(size) +
               FLIP_FORMAT)

    def depth_cfg(**load):
        return dict(pipeline=[dict(type='LoadMaskedDepth', **load)] +
                    crop_resize(size) + [dict(type='ReplicateDepth')] +
                    FLIP_FORMAT)

    depth = depth_cfg()
    skeleton = dict(
        sampling=dict(mode='sequence', length=300, pad='zero'),
        pipeline=[dict(type='LoadSkeleton'), dict(type='CenterSkeleton'),
                  dict(type='SkeletonDecode'),
                  dict(type='FormatGCNInput', num_person=2)])
    return dict(
        paired_rgb_depth=dict(depth=depth,
                              rgb=dict(rgb, sampling='same_clip')),
        depth=dict(depth=depth),
        # the decoded-frame cache (fsat.datasets.frame_cache), timed after
        # the warm-up pass that fills it
        depth_frame_cache=dict(depth=depth_cfg(cache_root=cache_root)),
        skeleton=dict(skeleton=skeleton))


# ---------------------------------------------------------------------------
# Generated samples
# ---------------------------------------------------------------------------


def _skeleton_text(rng: np.random.Generator, num_frames: int) -> bytes:
    base = rng.normal(0, 0.25, (25, 3)) + [0, 0, 3]
    lines = [str(num_frames)]
    for t in range(num_frames):
        xyz = base + 0.05 * np.sin(0.2 * t + np.arange(25))[:, None]
        lines += ['1', '72057594037931101 0 1 1 1 1 0 0.02 0.05 2', '25']
        lines += [f'{x:.7g} {y:.7g} {z:.7g} 277.4 191.8 1036.2 519.2 '
                  '-0.2 0.05 0.97 -0.12 2' for x, y, z in xyz]
    return ('\r\n'.join(lines) + '\r\n').encode()


def generate_samples(root: str, num_samples: int, num_frames: int,
                     rgb_size: tuple, seed: int = 0) -> None:
    """Write ``num_samples`` samples in the NTU layout under ``root``."""
    rng = np.random.default_rng(seed)
    width, height = rgb_size
    for i in range(num_samples):
        name = f'S001C002P001R001A{i % 60 + 1:03d}'
        if i >= 60:
            name = name.replace('R001', 'R002')
        video = osp.join(root, 'nturgb+d_rgb', f'{name}_rgb.avi')
        depth_dir = osp.join(root, 'nturgb+d_depth_masked', name)
        os.makedirs(osp.dirname(video), exist_ok=True)
        os.makedirs(depth_dir, exist_ok=True)
        writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 30,
                                 (width, height))
        background = rng.integers(0, 255, (height, width, 3), np.uint8)
        for t in range(num_frames):
            frame = background.copy()
            x = int((width // 2) + width // 4 * np.sin(0.1 * t))
            cv2.rectangle(frame, (x - 40, height // 4),
                          (x + 40, 3 * height // 4), (40, 200, 90), -1)
            writer.write(frame)
            depth = np.zeros((424, 512), np.uint16)
            # a smooth body surface with sensor noise, 0 elsewhere (masked)
            person = (2500 + 2 * np.arange(250)[:, None] +
                      rng.integers(0, 8, (250, 100))).astype(np.uint16)
            depth[100:350, 200 + t % 50:300 + t % 50] = person
            cv2.imwrite(osp.join(depth_dir, f'MDepth-{t + 1:08d}.png'),
                        depth)
        writer.release()
        skeleton = osp.join(root, 'nturgb+d_skeletons', f'{name}.skeleton')
        os.makedirs(osp.dirname(skeleton), exist_ok=True)
        with open(skeleton, 'wb') as f:
            f.write(_skeleton_text(rng, num_frames))


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def per_worker_rate(dataset, num_samples: int, workers: int) -> float:
    """Samples per second per worker, after one warm-up load of each
    timed sample."""
    num_samples = min(num_samples, len(dataset))
    indices = [i % len(dataset) for i in range(num_samples)]
    for i in sorted(set(indices)):
        dataset[i]
    if workers == 0:
        start = time.perf_counter()
        for i in indices:
            dataset[i]
        return num_samples / (time.perf_counter() - start)
    loader = DataLoader(
        torch.utils.data.Subset(dataset, indices),
        batch_size=1,
        num_workers=workers,
        collate_fn=pseudo_collate,
        worker_init_fn=lambda _: cv2.setNumThreads(1))
    start = time.perf_counter()
    for _ in loader:
        pass
    return num_samples / (time.perf_counter() - start) / workers


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', help='NTU-layout root (default: '
                        'generate samples into a temporary folder)')
    parser.add_argument('--benchmark', default='ntu60_xsub')
    parser.add_argument('--split', default='train')
    parser.add_argument('--num-samples', type=int, default=24,
                        help='loads timed per pipeline')
    parser.add_argument('--workers', type=int, default=0,
                        help='DataLoader workers (0: the main process)')
    parser.add_argument('--clip-len', type=int, default=16)
    parser.add_argument('--size', type=int, default=112)
    parser.add_argument('--gen-samples', type=int, default=6,
                        help='samples to generate without --data-root')
    parser.add_argument('--gen-frames', type=int, default=64)
    parser.add_argument('--rgb-size', default='640x360',
                        help='WxH of generated videos')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix='fsat_bench_') as tmp:
        root = args.data_root
        if root is None:
            root = tmp
            rgb_size = tuple(int(v) for v in args.rgb_size.split('x'))
            generate_samples(root, args.gen_samples, args.gen_frames,
                             rgb_size, args.seed)
        result = dict(
            benchmark='data_loading',
            data_root=args.data_root or 'generated',
            workers=args.workers,
            clip_len=args.clip_len,
            size=args.size,
            num_samples=args.num_samples)
        if args.data_root is None:
            result.update(gen_samples=args.gen_samples,
                          gen_frames=args.gen_frames,
                          rgb_size=args.rgb_size, depth_size='512x424')
        ntu = dict(benchmark=args.benchmark, split=args.split)
        cache_root = osp.join(tmp, 'frame_cache')
        for key, modalities in modality_cfgs(args.size,
                                             cache_root).items():
            dataset = PairedModalityDataset(
                modalities, data_root=root, ntu=ntu,
                clip_len=args.clip_len, on_missing='skip')
            unit = 'sequences' if key == 'skeleton' else 'clips'
            rate = per_worker_rate(dataset, args.num_samples, args.workers)
            result[f'{key}_{unit}_per_s_per_worker'] = round(rate, 2)
    print(json.dumps(result))
    sys.stdout.flush()
    return result


if __name__ == '__main__':
    main()
