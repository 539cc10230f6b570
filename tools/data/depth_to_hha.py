#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Convert a folder of depth images to HHA PNGs (Gupta et al., ECCV 2014).

Every ``IN_DIR/<rel>.png`` (searched recursively) becomes
``OUT_DIR/<rel>.png``, an 8-bit PNG whose RGB channels are disparity,
height and angle (:func:`fsat.datasets.hha.depth_to_hha`). Examples::

    # NYUD2 PNGs in mm, raw depth (zero = missing) in a second folder
    python tools/data/depth_to_hha.py data/nyud2/depth data/nyud2/hha \\
        --unit mm --raw-dir data/nyud2/rawdepth --workers 2

    # Gupta et al.'s 425x560 crops: shift the principal point
    python tools/data/depth_to_hha.py depth hha --unit mm --crop 45 40

    # every image of an NYUD2 labeled file (the real one or the synthetic
    # world's): OUT/%04d.png by 0-based index, from ``depths`` with
    # ``rawDepths == 0`` as the missing mask (what NYUD2DetectionDataset's
    # hha_root reads); --gupta-crop for the 425x560 crop
    python tools/data/depth_to_hha.py --nyud2-mat \\
        data/nyud2/nyu_depth_v2_labeled.mat data/nyud2/hha --workers 2

Existing outputs are skipped, so an interrupted run resumes; each PNG is
written to a temporary file and renamed. The exit status is 0 when every
image succeeded (or was skipped), 1 when any failed (each failure is
printed with its file name), and 2 for bad arguments.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Tuple

import numpy as np

from fsat.utils.cli import FsatUserError, run_cli

#: One conversion: (depth path, output path, raw path or None).
Task = Tuple[str, str, Optional[str]]


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Convert depth images to HHA PNGs (RGB = disparity, '
        'height, angle).')
    parser.add_argument('in_dir', nargs='?',
                        help='folder of depth images (not with --nyud2-mat)')
    parser.add_argument('out_dir', nargs='?',
                        help='folder for the HHA PNGs')
    parser.add_argument(
        '--nyud2-mat', metavar='MAT',
        help='read every image of this NYUD2 labeled file (MATLAB v7.3) '
        'instead of IN_DIR: depths with rawDepths == 0 as missing; writes '
        'OUT_DIR/%%04d.png by 0-based image index')
    parser.add_argument(
        '--gupta-crop', action='store_true',
        help='with --nyud2-mat: Gupta et al.\'s 425x560 crop (rows 45..469, '
        'columns 40..599) and its shifted camera')
    parser.add_argument(
        '--unit', choices=('m', 'mm', '0.1mm'),
        help='unit of the stored depth values (NYUD2 toolbox PNGs: mm; '
        'Depth2HHA-python demo: 0.1mm); required with IN_DIR')
    parser.add_argument(
        '--raw-dir',
        help='folder of raw depth images with the same relative names; '
        'their zero pixels are the missing mask (default: the zero pixels '
        'of the depth itself)')
    parser.add_argument(
        '--camera', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'),
        help='intrinsics in pixels, 1-based (default: NYUD2 colour camera '
        'of the uncropped 480x640 image)')
    parser.add_argument(
        '--crop', type=int, nargs=2, metavar=('TOP', 'LEFT'),
        help='the images were cropped by TOP rows and LEFT columns: shift '
        'the principal point (Gupta et al.\'s 425x560 crop: 45 40)')
    parser.add_argument('--ext', default='.png',
                        help='extension of the depth images')
    parser.add_argument('--workers', type=int, default=1,
                        help='parallel worker processes')
    parser.add_argument('--overwrite', action='store_true',
                        help='convert again even if the output exists')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide the progress bar')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be at least 1')
    if args.nyud2_mat is not None:
        if args.out_dir is not None:
            parser.error('with --nyud2-mat give only OUT_DIR, not IN_DIR')
        args.out_dir, args.in_dir = args.in_dir, None
        if args.out_dir is None:
            parser.error('the following arguments are required: out_dir')
        for flag, value in (('--raw-dir', args.raw_dir),
                            ('--crop', args.crop),
                            ('--camera', args.camera)):
            if value is not None:
                parser.error(f'{flag} does not apply to --nyud2-mat (the '
                             'camera is NYUD2\'s; use --gupta-crop)')
        args.unit = 'm'
    else:
        if args.in_dir is None or args.out_dir is None:
            parser.error('the following arguments are required: in_dir, '
                         'out_dir (or --nyud2-mat MAT OUT_DIR)')
        if args.unit is None:
            parser.error('the following arguments are required: --unit')
        if args.gupta_crop:
            parser.error('--gupta-crop applies to --nyud2-mat only (for '
                         'cropped images use --crop 45 40)')
    if args.crop is not None and min(args.crop) < 0:
        parser.error('--crop must not be negative')
    return args


def camera_matrix(args: argparse.Namespace) -> np.ndarray:
    """The 3x3 camera matrix the arguments ask for."""
    from fsat.datasets.hha import NYU_COLOR_CAMERA, crop_camera_matrix
    k = NYU_COLOR_CAMERA.copy()
    if args.camera is not None:
        fx, fy, cx, cy = args.camera
        k = np.array([[fx, 0., cx], [0., fy, cy], [0., 0., 1.]])
    try:  # also checks the matrix
        return crop_camera_matrix(k, *(args.crop or (0, 0)))
    except ValueError as e:
        raise FsatUserError(f'--camera: {e}') from None


def collect_tasks(args: argparse.Namespace) -> List[Task]:
    """The depth images below ``in_dir`` with their output and raw paths.

    Raises:
        FsatUserError: If a folder does not exist or holds no image.
    """
    for name in ('in_dir', 'raw_dir'):
        folder = getattr(args, name)
        if folder is not None and not osp.isdir(folder):
            raise FsatUserError(f'{folder}: no such folder ({name})')
    ext = args.ext if args.ext.startswith('.') else '.' + args.ext
    out_root = osp.abspath(args.out_dir)
    tasks = []
    for root, dirs, names in os.walk(args.in_dir):
        dirs.sort()
        if osp.abspath(root).startswith(out_root + os.sep) or \
                osp.abspath(root) == out_root:
            continue  # OUT_DIR inside IN_DIR: never read our own outputs
        for name in sorted(names):
            if not name.lower().endswith(ext.lower()):
                continue
            rel = osp.relpath(osp.join(root, name), args.in_dir)
            out = osp.join(args.out_dir, osp.splitext(rel)[0] + '.png')
            raw = osp.join(args.raw_dir, rel) if args.raw_dir else None
            tasks.append((osp.join(root, name), out, raw))
    if not tasks:
        raise FsatUserError(f'{args.in_dir}: no *{ext} depth images found')
    return tasks


def _init_worker() -> None:
    """One OpenCV thread per worker process (no over-subscription)."""
    import cv2
    cv2.setNumThreads(1)


def _convert(job: Tuple[Task, str, np.ndarray, bool]) -> Tuple[str, str]:
    """Convert one image; returns ``(status, message)``, never raises for
    bad data (the batch goes on)."""
    from fsat.datasets.hha import convert_depth_file
    (depth, out, raw), unit, k, overwrite = job
    try:
        status = convert_depth_file(depth, out, unit, raw_path=raw,
                                    camera_matrix=k,
                                    skip_existing=not overwrite)
    except (ValueError, OSError) as e:
        message = str(e)
        if depth not in message and (raw is None or raw not in message):
            message = f'{depth}: {message}'
        return 'failed', message
    return status, ''


#: One NYUD2 conversion: (labeled file, 0-based index, output, crop,
#: overwrite).
MatJob = Tuple[str, int, str, bool, bool]
#: Per process: the open labeled file (path, reader).
_MAT: list = [None, None]


def collect_mat_jobs(args: argparse.Namespace) -> List[MatJob]:
    """One job per image of ``--nyud2-mat``: ``OUT_DIR/%04d.png``.

    Raises:
        FsatUserError: If the file is missing or not an NYUD2 labeled file.
    """
    from fsat.datasets.nyud2 import NYUD2Labeled
    from fsat.datasets.nyud2_detection import NYUD2_HHA_TMPL
    try:
        with NYUD2Labeled(args.nyud2_mat) as reader:
            num = len(reader)
            if args.gupta_crop and reader.image_size != (480, 640):
                raise ValueError(
                    f'{args.nyud2_mat!r}: --gupta-crop needs 480x640 '
                    f'images, the file has {reader.image_size[0]}x'
                    f'{reader.image_size[1]}')
    except (ValueError, OSError) as e:
        raise FsatUserError(f'--nyud2-mat: {e}') from None
    return [(args.nyud2_mat, i,
             osp.join(args.out_dir, NYUD2_HHA_TMPL.format(i)),
             args.gupta_crop, args.overwrite) for i in range(num)]


def _convert_mat(job: MatJob) -> Tuple[str, str]:
    """Convert one image of a labeled file; returns ``(status, message)``
    (the labeled file stays open in the process between jobs)."""
    from fsat.datasets.hha import (
        GUPTA_CROP,
        NYU_COLOR_CAMERA,
        crop_camera_matrix,
        depth_to_hha,
        write_hha_png,
    )
    from fsat.datasets.nyud2 import NYUD2Labeled, gupta_crop
    path, index, out, crop, overwrite = job
    if not overwrite and osp.exists(out):
        return 'skipped', ''
    try:
        if _MAT[0] != path:
            if _MAT[1] is not None:
                _MAT[1].close()
            _MAT[:] = [path, NYUD2Labeled(path)]
        reader = _MAT[1]
        depth, raw = reader.depth(index), reader.raw_depth(index)
        k = NYU_COLOR_CAMERA
        if crop:
            depth, raw = gupta_crop(depth), gupta_crop(raw)
            k = crop_camera_matrix(NYU_COLOR_CAMERA, *GUPTA_CROP)
        write_hha_png(out, depth_to_hha(depth, raw == 0, k))
    except (ValueError, OSError) as e:
        return 'failed', f'{path} image {index}: {e}'
    return 'done', ''


def main(argv=None) -> int:
    """Run the conversion.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        int: The exit status.
    """
    from tqdm import tqdm

    args = parse_args(argv)
    if args.nyud2_mat is not None:
        jobs: list = collect_mat_jobs(args)
        convert = _convert_mat
    else:
        tasks = collect_tasks(args)
        k = camera_matrix(args)
        jobs = [(task, args.unit, k, args.overwrite) for task in tasks]
        convert = _convert
    counts = dict(done=0, skipped=0, failed=0)
    failures = []
    start = time.perf_counter()
    with tqdm(total=len(jobs), unit='img', disable=args.no_progress,
              file=sys.stderr) as pbar:
        if args.workers == 1 or len(jobs) == 1:
            results = map(convert, jobs)
            pool = None
        else:
            ctx = multiprocessing.get_context('spawn')
            pool = ctx.Pool(min(args.workers, len(jobs)),
                            initializer=_init_worker)
            results = pool.imap_unordered(convert, jobs, chunksize=4)
        try:
            for status, message in results:
                counts[status] += 1
                if message:
                    failures.append(message)
                    tqdm.write(f'[failed] {message}', file=sys.stderr)
                pbar.update()
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    seconds = time.perf_counter() - start
    print(f'{len(jobs)} images: {counts["done"]} done, '
          f'{counts["skipped"]} skipped, {counts["failed"]} failed in '
          f'{seconds:.1f} s')
    for message in failures:
        print(f'  failed: {message}')
    return int(counts['failed'] > 0)


if __name__ == '__main__':
    run_cli(lambda: sys.exit(main()), prog='depth_to_hha')
