# Copyright (c) fsat contributors. All rights reserved.
"""Benchmark the synthetic world generator: speed and bytes per video.

Generates a preset into a temporary folder (deleted afterwards) and prints
one JSON line::

    python benchmarks/synthetic_generation.py --preset demo --workers 2

Fields: ``seconds`` (wall), ``videos`` (NTU + PKU-MMD), ``videos_per_s``,
``frames_per_s``, ``ntu_bytes_per_video`` and ``pku_bytes_per_video``
(per modality: ``rgb`` AVI, ``depth`` PNGs, ``skeleton`` text) and
``disk_bytes`` (allocated on disk, including file-system blocks).
"""
import argparse
import json
import os
import platform
import shutil
import tempfile
import time

from fsat.datasets.synthetic import PRESETS, generate_world


def _per_video(total: dict, count: int) -> dict:
    return {k: round(v / max(count, 1)) for k, v in total.items()}


def _disk_usage(root: str) -> int:
    used = 0
    for folder, _, files in os.walk(root):
        for name in files:
            used += os.stat(os.path.join(folder, name)).st_blocks * 512
    return used


def main() -> None:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--preset', default='tiny', choices=sorted(PRESETS))
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--tmp-dir', default=None,
                        help='parent of the temporary output folder')
    args = parser.parse_args()
    parent = tempfile.mkdtemp(prefix='fsat-synth-bench-', dir=args.tmp_dir)
    try:
        start = time.perf_counter()
        world = generate_world(args.preset, os.path.join(parent, 'world'),
                               seed=args.seed, workers=args.workers,
                               progress=False)
        seconds = time.perf_counter() - start
        disk = _disk_usage(parent)
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    ntu, pku = world['ntu'], world['pku_mmd']
    frames = (sum(s['frames'] for s in ntu['samples'])
              + sum(v['frames'] for v in pku['videos']))
    videos = ntu['count'] + pku['count']
    print(json.dumps(dict(
        preset=args.preset, workers=args.workers, seed=args.seed,
        cpu_count=os.cpu_count(), machine=platform.machine(),
        seconds=round(seconds, 2), videos=videos, ntu_videos=ntu['count'],
        pku_videos=pku['count'], frames=frames,
        videos_per_s=round(videos / seconds, 2),
        frames_per_s=round(frames / seconds, 1),
        ntu_bytes_per_video=_per_video(ntu['bytes'], ntu['count']),
        pku_bytes_per_video=_per_video(pku['bytes'], pku['count']),
        disk_bytes=disk)))


if __name__ == '__main__':
    main()
