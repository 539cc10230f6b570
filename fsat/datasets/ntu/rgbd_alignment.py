# Copyright (c) fsat contributors. All rights reserved.
"""Register an NTU RGB+D video's colour frames to its depth frames from
the skeleton's joints (Garcia et al., ECCV 2018, supplementary, "Pre-
processing & alignment").

NTU's Kinect v2 colour (1920x1080) and depth (512x424) cameras differ in
size, aspect and viewpoint; multiplicative cross-stream connections need
the two feature maps to line up. Every ``.skeleton`` joint carries its
position in both images (``colorX colorY`` and ``depthX depthY``), which
gives, per video:

* the scale ``s`` (colour pixels per depth pixel): for every frame and
  every pair ``A, B`` of well-tracked joints, ``(c_A - c_B) / (d_A -
  d_B)`` in x and in y; ``s`` is the mean of the median x ratio and the
  median y ratio (the paper's rule);
* the translation that overlays the skeletons once the colour frame is
  scaled by ``1 / s``: the median over joints and frames of ``c / s - d``
  (our choice of estimator: the paper says only "aligning both
  skeletons");
* the intersection of the two frames in that common frame, as a box in
  each image: cropping both and resizing them to the network's input
  (224x224 in the paper) gives aligned inputs.
"""
from typing import Dict, Optional, Tuple

import numpy as np

__all__ = ['rgbd_alignment']

#: pairs closer than this in depth pixels give unstable ratios
MIN_DEPTH_GAP = 2.0


def _pair_ratios(color: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """``(c_A - c_B) / (d_A - d_B)`` of every pair of rows, one axis."""
    dc = color[:, None] - color[None, :]
    dd = depth[:, None] - depth[None, :]
    upper = np.triu(np.ones(dd.shape, dtype=bool), k=1)
    keep = upper & (np.abs(dd) >= MIN_DEPTH_GAP)
    return dc[keep] / dd[keep]


def rgbd_alignment(color_xy: np.ndarray,
                   depth_xy: np.ndarray,
                   color_size: Tuple[int, int],
                   depth_size: Tuple[int, int],
                   tracked: Optional[np.ndarray] = None,
                   where: str = 'video') -> Dict[str, object]:
    """The scale, translation and crop boxes that register a video's
    colour frames to its depth frames.

    Args:
        color_xy (np.ndarray): ``[T, J, 2]`` joint positions in the colour
            image (pixels), e.g. one body of the ``.skeleton`` file.
        depth_xy (np.ndarray): ``[T, J, 2]`` the same joints in the depth
            image.
        color_size (tuple[int]): ``(width, height)`` of the colour frames.
        depth_size (tuple[int]): ``(width, height)`` of the depth frames.
        tracked (np.ndarray, optional): ``[T, J]`` bool, the well-tracked
            joints (tracking state 2); all by default. Frames without a
            body can be rows of NaN: they are skipped.
        where (str): Names the video in errors.

    Returns:
        dict: ``scale`` (colour pixels per depth pixel), ``offset``
        (``(tx, ty)``: a depth pixel ``p`` lies at ``p + offset`` in the
        colour frame scaled by ``1 / scale``), ``depth_box`` and
        ``color_box`` (``(x0, y0, x1, y1)`` in each image's pixels, the
        same part of the scene).
    """
    color_xy = np.asarray(color_xy, dtype=np.float64)
    depth_xy = np.asarray(depth_xy, dtype=np.float64)
    if color_xy.shape != depth_xy.shape or color_xy.ndim != 3 or \
            color_xy.shape[-1] != 2:
        raise ValueError(
            f'{where}: colour and depth joints must both be [T, J, 2], got '
            f'{color_xy.shape} and {depth_xy.shape}')
    if tracked is None:
        tracked = np.ones(color_xy.shape[:2], dtype=bool)
    tracked = np.asarray(tracked, dtype=bool) & np.isfinite(
        color_xy).all(-1) & np.isfinite(depth_xy).all(-1)
    ratios = {0: [], 1: []}
    for t in range(color_xy.shape[0]):
        joints = tracked[t]
        if joints.sum() < 2:
            continue
        for axis in (0, 1):
            ratios[axis].append(_pair_ratios(color_xy[t, joints, axis],
                                             depth_xy[t, joints, axis]))
    per_axis = [np.concatenate(r) if r else np.empty(0)
                for r in ratios.values()]
    if any(r.size == 0 for r in per_axis):
        raise ValueError(
            f'{where}: no two well-tracked joints {MIN_DEPTH_GAP:g} depth '
            f'pixels apart in any frame; the colour and depth frames '
            f'cannot be registered')
    scale = float(np.mean([np.median(r) for r in per_axis]))
    if not scale > 0:
        raise ValueError(f'{where}: the joints give a colour/depth scale of '
                         f'{scale:g}; expected a positive one')
    diff = color_xy[tracked] / scale - depth_xy[tracked]  # [K, 2]
    tx, ty = (float(v) for v in np.median(diff, axis=0))
    dw, dh = depth_size
    cw, ch = color_size
    # the two frames in depth pixels: depth [0, dw) x [0, dh); the scaled
    # colour frame [-tx, cw / s - tx) x [-ty, ch / s - ty)
    x0, y0 = max(0.0, -tx), max(0.0, -ty)
    x1, y1 = min(float(dw), cw / scale - tx), min(float(dh), ch / scale - ty)
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f'{where}: the registered colour and depth frames '
                         f'do not overlap')
    depth_box = (x0, y0, x1, y1)
    color_box = tuple(
        float(v) for v in ((x0 + tx) * scale, (y0 + ty) * scale,
                           (x1 + tx) * scale, (y1 + ty) * scale))
    return dict(scale=scale, offset=(tx, ty), depth_box=depth_box,
                color_box=color_box)
