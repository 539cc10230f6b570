#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Extract optical flow of videos as denseflow-style grayscale JPEGs.

Writes ``<out_dir>/<name>/flow_x_%05d.jpg`` and ``flow_y_%05d.jpg``
(1-based, bound 20, zero flow = 128) for one video, a folder of videos or a
text list of videos; see ``docs/optical_flow.md``. Examples::

    # the NTU RGB videos of a folder, short side 128, TV-L1, 2 processes
    python tools/data/extract_flow.py data/ntu/nturgb+d_rgb \\
        data/ntu/nturgb+d_flow --ext avi --short-side 128 --workers 2 \\
        --skip-existing

    # one video, Farneback (much faster, less accurate)
    python tools/data/extract_flow.py S001C001P001R001A001_rgb.avi flow \\
        --method farneback --short-side 128

The exit status is 0 when every video succeeded (or was skipped), 1 when any
failed (each failure is printed and summarised at the end), and 2 for bad
arguments.
"""
import argparse
import sys
import time

from fsat.datasets.flow import (
    DEFAULT_BOUND,
    DEFAULT_JPEG_QUALITY,
    FLOW_METHODS,
    VIDEO_EXTS,
    collect_videos,
    extract_many,
    summarize,
)
from fsat.utils.cli import run_cli


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Extract TV-L1 or Farneback optical flow of videos into '
        '<out_dir>/<name>/flow_{x,y}_%%05d.jpg (denseflow quantisation).')
    parser.add_argument(
        'input',
        help='a video file, a folder of videos, or a text list (.txt, .lst, '
        '.list; one path a line, relative to the list\'s folder)')
    parser.add_argument('out_dir', help='output root folder')
    parser.add_argument(
        '--method', choices=FLOW_METHODS, default='tvl1',
        help='tvl1: OpenCV DualTVL1 (accurate, slow); farneback: fast')
    parser.add_argument(
        '--bound', type=float, default=DEFAULT_BOUND,
        help='quantisation bound in pixels (of the resized frames)')
    resize = parser.add_mutually_exclusive_group()
    resize.add_argument(
        '--short-side', type=int, metavar='N',
        help='resize so that the short side is N pixels (recommended: real '
        'NTU frames are 1920x1080)')
    resize.add_argument(
        '--size', type=int, nargs=2, metavar=('W', 'H'),
        help='resize to exactly W x H pixels')
    parser.add_argument(
        '--max-frames', type=int, metavar='N',
        help='use only the first N frames of each video')
    parser.add_argument(
        '--ext', nargs='+', default=list(VIDEO_EXTS),
        help='video extensions when INPUT is a folder')
    parser.add_argument(
        '--recursive', action='store_true',
        help='also scan the sub-folders of INPUT for --ext videos')
    parser.add_argument(
        '--pattern',
        help='glob relative to the INPUT folder, e.g. "**/*_rgb.avi" '
        '(replaces --ext and --recursive)')
    parser.add_argument(
        '--workers', type=int, default=1,
        help='parallel worker processes (each uses 1 OpenCV thread)')
    parser.add_argument(
        '--threads', type=int,
        help='OpenCV threads per process (default: 1 with several workers, '
        'OpenCV\'s choice otherwise)')
    parser.add_argument(
        '--skip-existing', action='store_true',
        help='skip videos whose output folder has the completion marker')
    parser.add_argument(
        '--jpeg-quality', type=int, default=DEFAULT_JPEG_QUALITY,
        help='JPEG quality 0-100')
    parser.add_argument(
        '--start-index', type=int, default=1,
        help='number of the first flow pair (denseflow uses 0)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    args = parser.parse_args(argv)
    _check_args(parser, args)
    return args


def _check_args(parser: argparse.ArgumentParser,
                args: argparse.Namespace) -> None:
    """Reject values argparse cannot check by itself."""
    if args.workers < 1:
        parser.error('--workers must be at least 1')
    if not 0 <= args.jpeg_quality <= 100:
        parser.error('--jpeg-quality must be in 0..100')
    if args.bound <= 0:
        parser.error('--bound must be positive')
    if args.max_frames is not None and args.max_frames < 2:
        parser.error('--max-frames must be at least 2')
    if args.short_side is not None and args.short_side < 1:
        parser.error('--short-side must be positive')
    if args.size is not None and min(args.size) < 1:
        parser.error('--size must be positive')


def main(argv=None) -> int:
    """Run the extraction.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    videos = collect_videos(args.input, args.ext, args.pattern,
                            args.recursive)
    if not videos:
        print(f'no videos found in {args.input}', file=sys.stderr)
        return 1
    start = time.perf_counter()
    try:
        results = extract_many(
            videos, args.out_dir, workers=args.workers,
            progress=not args.no_progress, cv_threads=args.threads,
            method=args.method, bound=args.bound,
            short_side=args.short_side,
            size=tuple(args.size) if args.size else None,
            max_frames=args.max_frames, jpeg_quality=args.jpeg_quality,
            start_index=args.start_index, skip_existing=args.skip_existing)
    except ValueError as e:  # e.g. two videos with the same sample name
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(summarize(results, time.perf_counter() - start))
    return int(any(r.status == 'failed' for r in results))


if __name__ == '__main__':
    # an unexpected error (an unwritable out_dir, ...) is one line too
    run_cli(lambda: sys.exit(main()), prog='extract_flow')
