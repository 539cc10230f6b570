# Copyright (c) fsat contributors. All rights reserved.
"""The on-disk form of optical flow: denseflow quantisation and file names.

Each component is quantised like denseflow with ``bound`` 20: ``v > B ->
255``, ``v < -B -> 0``, else ``round(255 * (v + B) / (2 * B))``, so zero
flow is 128. Files are ``<out>/<name>/flow_x_%05d.jpg`` and
``flow_y_%05d.jpg``, numbered from 1.
"""
import os.path as osp
from typing import Tuple

import cv2
import numpy as np

__all__ = [
    'DEFAULT_BOUND', 'DEFAULT_JPEG_QUALITY', 'FLOW_TMPL', 'MARKER_NAME',
    'quantize_flow', 'dequantize_flow', 'flow_filenames', 'read_flow'
]

DEFAULT_BOUND = 20.0
DEFAULT_JPEG_QUALITY = 95
# ``filename_tmpl`` of mmaction2's RawFrameDecode for flow is '{}_{:05d}.jpg'
# with the modality prefix 'flow_x' / 'flow_y'.
FLOW_TMPL = 'flow_{}_{:05d}.jpg'
MARKER_NAME = '.flow_done.json'


def quantize_flow(flow: np.ndarray,
                  bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Quantise flow values to uint8 exactly as denseflow does.

    ``v > bound -> 255``, ``v < -bound -> 0``, otherwise
    ``round(255 * (v + bound) / (2 * bound))`` with round-half-to-even like
    OpenCV's ``cvRound``. Zero flow maps to 128. NaN is treated as 0.

    Args:
        flow (np.ndarray): Flow values of any shape, in pixels.
        bound (float): Symmetric clipping bound. Defaults to 20.

    Returns:
        np.ndarray: uint8 array of the same shape.
    """
    if bound <= 0:
        raise ValueError(f'bound must be positive, got {bound}')
    v = np.nan_to_num(np.asarray(flow, dtype=np.float64), nan=0.0)
    scaled = np.rint(255.0 * (np.clip(v, -bound, bound) + bound) /
                     (2.0 * bound))
    return scaled.astype(np.uint8)


def dequantize_flow(img: np.ndarray,
                    bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Map quantised flow back to pixels: ``p / 255 * 2 * bound - bound``.

    The result is within half a quantisation step (``bound / 255``) of the
    original value when that was inside ``[-bound, bound]`` (JPEG
    compression adds its own error on top).

    Args:
        img (np.ndarray): uint8 (or integer-valued) quantised flow.
        bound (float): The bound used for quantisation. Defaults to 20.

    Returns:
        np.ndarray: float32 flow of the same shape, in pixels.
    """
    img = np.asarray(img, dtype=np.float32)
    return img / 255.0 * (2.0 * bound) - bound


def flow_filenames(index: int) -> Tuple[str, str]:
    """The x and y file names of flow pair ``index``.

    Args:
        index (int): The pair number (1-based by default).

    Returns:
        tuple[str, str]: ``('flow_x_%05d.jpg', 'flow_y_%05d.jpg')``.
    """
    return FLOW_TMPL.format('x', index), FLOW_TMPL.format('y', index)


def read_flow(folder: str,
              index: int,
              bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Read one flow pair written by :func:`extract_video_flow`.

    Args:
        folder (str): The sample's flow folder ``<out_root>/<name>``.
        index (int): The pair number (1 = flow from frame 1 to frame 2).
        bound (float): The quantisation bound. Defaults to 20.

    Returns:
        np.ndarray: float32 flow of shape (H, W, 2) in pixels, ``[..., 0]``
        horizontal, ``[..., 1]`` vertical.
    """
    comps = []
    for fname in flow_filenames(index):
        path = osp.join(folder, fname)
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(f'cannot read flow image {path}')
        comps.append(dequantize_flow(img, bound))
    return np.stack(comps, axis=-1)

