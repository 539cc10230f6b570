# Copyright (c) fsat contributors. All rights reserved.
"""Encode single-channel depth (millimetres) as 3-channel network input."""
from typing import Dict, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ReplicateDepth(BaseTransform):
    """Normalise depth by a millimetre range and replicate it to 3 channels.

    A valid pixel ``d > 0`` becomes ``clip((d - lo) / (hi - lo), 0, 1) *
    scale``; a masked pixel (``d == 0``) stays 0. The same value goes to the
    3 channels, so a 3-channel network (e.g. an RGB-pretrained 3D-ResNet)
    takes depth unchanged. Valid pixels nearer than ``lo`` also become 0.
    The encoding is per pixel, so it may follow the crop and resize (on
    112x112 instead of 512x424 pixels, several times faster).

    Required keys: ``imgs`` (list of (H, W) depth arrays in mm).
    Modified keys: ``imgs`` (list of float32 (H, W, 3) arrays).

    Args:
        mm_range (Sequence[float]): ``(lo, hi)`` in millimetres. Defaults to
            ``(500, 4500)``, the working range of the Kinect v2.
        scale (float): Value of ``hi``; 255 lets the usual image mean/std of
            ``ActionDataPreprocessor`` apply. Defaults to 255.
    """

    def __init__(self,
                 mm_range: Sequence[float] = (500., 4500.),
                 scale: float = 255.) -> None:
        lo, hi = (float(v) for v in mm_range)
        if not hi > lo:
            raise ValueError(f'mm_range must be (lo, hi) with hi > lo, got '
                             f'{mm_range}')
        self.lo, self.hi, self.scale = lo, hi, float(scale)

    def encode(self, depth: np.ndarray) -> np.ndarray:
        """One (H, W) depth map in mm -> float32 (H, W, 3)."""
        depth = np.asarray(depth, dtype=np.float32)
        value = np.clip((depth - self.lo) / (self.hi - self.lo), 0., 1.)
        value = np.where(depth > 0, value * self.scale, 0.).astype(np.float32)
        return cv2.merge([value, value, value])  # [H, W, 3], fast copy

    def transform(self, results: Dict) -> Dict:
        """Encode every frame."""
        results['imgs'] = [self.encode(img) for img in results['imgs']]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mm_range=({self.lo}, {self.hi}), '
                f'scale={self.scale})')


@TRANSFORMS.register_module()
class JetDepth(BaseTransform):
    """Encode depth as a jet colour map, as Garcia et al. (ECCV 2018) do.

    Per frame, the valid pixels (``d > 0``) are min-max normalised to
    0..255, ``(d - min) * 255 / (max - min)`` truncated to uint8 (the recipe
    of ``pmorerio/admd: NYUD/convert_NYUD_with_FCRN.py``; a frame of one
    depth value maps to 0), then coloured with
    ``cv2.applyColorMap(..., cv2.COLORMAP_JET)``: near = blue, far = red.
    OpenCV returns BGR; the channels are reordered to RGB (as the authors'
    networks saw them after ``imwrite`` and an RGB decoder) unless
    ``to_rgb=False``. Masked pixels are black when ``mask_invalid`` (jet
    would paint them dark blue, like the nearest valid pixels).

    Required keys: ``imgs`` (list of (H, W) depth arrays in mm).
    Modified keys: ``imgs`` (list of uint8 (H, W, 3) arrays).

    Args:
        to_rgb (bool): Return RGB instead of OpenCV's BGR. Defaults to True.
        mask_invalid (bool): Set masked pixels to 0. Defaults to True.
    """

    def __init__(self, to_rgb: bool = True, mask_invalid: bool = True) -> None:
        self.to_rgb = to_rgb
        self.mask_invalid = mask_invalid

    def encode(self, depth: np.ndarray) -> np.ndarray:
        """One (H, W) depth map in mm -> uint8 (H, W, 3) jet colours."""
        depth = np.asarray(depth, dtype=np.float32)
        valid = depth > 0
        gray = np.zeros(depth.shape, dtype=np.uint8)
        if valid.any():
            lo, hi = depth[valid].min(), depth[valid].max()
            if hi > lo:
                norm = (depth - lo) * (255. / (hi - lo))
                gray[valid] = np.clip(norm[valid], 0, 255).astype(np.uint8)
        color = cv2.applyColorMap(gray, cv2.COLORMAP_JET)
        if self.to_rgb:
            color = cv2.cvtColor(color, cv2.COLOR_BGR2RGB)
        if self.mask_invalid:
            color[~valid] = 0
        return color

    def transform(self, results: Dict) -> Dict:
        """Encode every frame."""
        results['imgs'] = [self.encode(img) for img in results['imgs']]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_rgb={self.to_rgb}, '
                f'mask_invalid={self.mask_invalid})')
