# Copyright (c) fsat contributors. All rights reserved.
"""Test-time speckle noise on depth (Garcia et al., ECCV 2018, Table 3).

mmaction2 has no noise transform for depth; this one is the paper's
robustness study: the two-stream RGB + depth model tested on corrupted
depth, against the hallucination model that needs no depth.
"""
import math
import numbers
import zlib
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SpeckleNoise(BaseTransform):
    """Multiplicative Gaussian noise on depth: ``I * n``, ``n ~ N(1, s^2)``
    drawn independently per pixel and frame.

    ``variance`` is ``s^2``, the value in the header of the paper's Table 3
    (1e-3, 1e-2, 1e-1, 1, 10); ``variance=0`` leaves the depth unchanged.
    Apply it to the depth maps in millimetres, after loading and before
    the colour encoding (:class:`JetDepth`, :class:`ReplicateDepth`):
    a missing pixel (0) stays missing, and a pixel the noise makes
    negative reads as missing too (``d <= 0`` is invalid for the
    encoders; at variance 1 about 16 % of the pixels, at 10 about 38 %).

    The noise is reproducible: each sample's generator is seeded with
    ``seed`` and the sample's ``sample_idx`` (its index in the dataset;
    the file name when there is none), so a test set reads the same noisy
    depth in every run and with any number of workers.

    Required keys: ``imgs`` (list of (H, W) depth arrays in mm).
    Modified keys: ``imgs`` (list of float32 (H, W) arrays).

    Args:
        variance (float): ``s^2 >= 0``.
        seed (int): Base seed of the noise. Defaults to 0.
        void (bool): True replaces every frame with missing depth (all
            0), whatever the variance: the last column of Table 3, a
            sensor that gives nothing. Defaults to False.
    """

    def __init__(self,
                 variance: float,
                 seed: int = 0,
                 void: bool = False) -> None:
        if (isinstance(variance, bool)
                or not isinstance(variance, numbers.Real)
                or not math.isfinite(variance) or variance < 0):
            raise ValueError(
                'SpeckleNoise: variance (the sigma^2 of n ~ N(1, sigma^2)) '
                f'must be a finite number >= 0, got {variance!r}')
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f'SpeckleNoise: seed must be an int, got '
                             f'{seed!r}')
        if not isinstance(void, bool):
            raise ValueError(f'SpeckleNoise: void must be True or False, '
                             f'got {void!r}')
        self.variance = float(variance)
        self.seed = seed
        self.void = void

    def _sample_key(self, results: Dict) -> int:
        idx = results.get('sample_idx')
        if isinstance(idx, (int, np.integer)) and idx >= 0:
            return int(idx)
        name = results.get('frame_dir') or results.get('filename') or ''
        return zlib.crc32(str(name).encode())

    def transform(self, results: Dict) -> Dict:
        """Corrupt every frame."""
        if self.void:
            results['imgs'] = [
                np.zeros(np.shape(img), dtype=np.float32)
                for img in results['imgs']
            ]
            return results
        if self.variance == 0:
            return results
        rng = np.random.default_rng([self.seed, self._sample_key(results)])
        std = math.sqrt(self.variance)
        noisy = []
        for img in results['imgs']:
            depth = np.asarray(img, dtype=np.float32)
            n = rng.normal(1.0, std, size=depth.shape).astype(np.float32)
            noisy.append(depth * n)
        results['imgs'] = noisy
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(variance={self.variance}, '
                f'seed={self.seed}, void={self.void})')
