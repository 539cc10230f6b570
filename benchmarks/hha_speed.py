# Copyright (c) fsat contributors. All rights reserved.
"""Time :func:`fsat.datasets.hha.depth_to_hha` on one 480x640 depth map.

The depth is the Depth2HHA-python demo frame (NYUD2, with its raw depth
as the missing mask) when ``--depth`` points at it, otherwise a synthetic
room (a floor seen by a camera pitched down 20 degrees, a wall 3 m ahead,
and a hole of missing pixels). Prints one JSON line with the median time
of ``--runs`` encodings (after one warm-up run) and the threads used.

Example::

    OMP_NUM_THREADS=1 python benchmarks/hha_speed.py --threads 1
    python benchmarks/hha_speed.py --depth \\
        $FSAT_REAL_SAMPLES/nyud2/Depth2HHA-python_demo/0.png \\
        --raw 0_raw.png --unit 0.1mm
"""
import argparse
import json
import math
import statistics
import time
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from fsat.datasets.hha import (
    NYU_COLOR_CAMERA,
    depth_to_hha,
    read_depth_image,
)


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--depth', help='a depth image (default: synthetic)')
    parser.add_argument('--raw', help='its raw depth (missing = 0)')
    parser.add_argument('--unit', default='mm', choices=('m', 'mm', '0.1mm'),
                        help='unit of --depth and --raw')
    parser.add_argument('--runs', type=int, default=7,
                        help='timed runs (the median is reported)')
    parser.add_argument('--threads', type=int, default=1,
                        help='cv2.setNumThreads (numpy follows '
                        'OMP_NUM_THREADS)')
    return parser.parse_args(argv)


def synthetic_room(height: int = 480,
                   width: int = 640) -> Tuple[np.ndarray, np.ndarray]:
    """A floor and a wall seen by the NYUD2 colour camera, in metres,
    with a 60x80 hole; returns ``(depth, missing)``."""
    k = NYU_COLOR_CAMERA
    a = (np.arange(1, width + 1) - k[0, 2]) / k[0, 0]
    b = (np.arange(1, height + 1)[:, None] - k[1, 2]) / k[1, 1] + 0 * a
    pitch = math.radians(20.)
    floor = np.cos(pitch) * b + np.sin(pitch)  # gravity . ray
    wall = -np.sin(pitch) * b + np.cos(pitch)  # forward . ray
    with np.errstate(divide='ignore'):
        depth = np.minimum(np.where(floor > 0, 1.4 / floor, np.inf),
                           3.0 / wall)
    missing = np.zeros(depth.shape, bool)
    missing[200:260, 300:380] = True
    depth[missing] = 0.
    return depth, missing


def main(argv=None) -> Dict:
    """Run the benchmark and print one JSON line.

    Returns:
        dict: What was printed.
    """
    args = parse_args(argv)
    cv2.setNumThreads(args.threads)
    missing: Optional[np.ndarray] = None
    if args.depth:
        depth = read_depth_image(args.depth, args.unit)
        if args.raw:
            missing = read_depth_image(args.raw, args.unit) == 0
        source = args.depth
    else:
        depth, missing = synthetic_room()
        source = 'synthetic'
    depth_to_hha(depth, missing)  # warm-up
    times = []
    for _ in range(max(1, args.runs)):
        start = time.perf_counter()
        depth_to_hha(depth, missing)
        times.append(time.perf_counter() - start)
    out = dict(benchmark='hha_speed', source=source,
               shape=list(depth.shape), runs=len(times),
               median_s=round(statistics.median(times), 4),
               min_s=round(min(times), 4), cv2_threads=cv2.getNumThreads())
    print(json.dumps(out))
    return out


if __name__ == '__main__':
    main()
