# Copyright (c) fsat contributors. All rights reserved.
"""Horizontal flip that also negates the x component of 2-channel flow."""
from typing import Dict, List

import numpy as np
from mmaction.datasets.transforms import Flip

from fsat.registry import TRANSFORMS


def flip_flow(flow: np.ndarray) -> np.ndarray:
    """Mirror one (H, W, 2) flow frame left-right.

    Mirroring reverses horizontal motion, so the x channel is negated:
    ``-u`` for float flow in pixels, ``255 - p`` for uint8 quantised flow,
    which is the exact negation in the dequantised value ``p / 255 * 2 *
    bound - bound``.

    Args:
        flow (np.ndarray): (H, W, 2) array, channel 0 = x, 1 = y.

    Returns:
        np.ndarray: A new flipped array of the same dtype.
    """
    out = np.ascontiguousarray(flow[:, ::-1])
    if out.dtype == np.uint8:
        out[..., 0] = 255 - out[..., 0]
    else:
        out[..., 0] = -out[..., 0]
    return out


@TRANSFORMS.register_module()
class FlowAwareFlip(Flip):
    """mmaction2's ``Flip`` that flips fsat's 2-channel flow correctly.

    mmaction2's ``Flip`` with ``modality='Flow'`` expects the interleaved
    list ``[x0, y0, x1, y1, ...]`` of ``RawFrameDecode`` and inverts every
    even image (``255 - p``). On fsat's (H, W, 2) flow frames (see
    :class:`LoadFlow`) that would invert whole frames, and on dequantised
    float flow ``255 - u`` is wrong. This transform mirrors (H, W, 2) flow
    frames and negates their x channel (:func:`flip_flow`); everything else
    (RGB, depth, interleaved flow, keypoints, boxes, the random draw with
    ``np.random``) is mmaction2's ``Flip`` unchanged. Only horizontal
    flips are allowed for flow, and not ``lazy`` mode (mmaction2's ``Fuse``
    would flip without negating).

    Args: see mmaction2's ``Flip``.
    """

    def _flip_imgs(self, imgs: List[np.ndarray],
                   modality: str) -> List[np.ndarray]:
        if (modality == 'Flow' and len(imgs) and np.ndim(imgs[0]) == 3
                and imgs[0].shape[-1] == 2):
            return [flip_flow(img) for img in imgs]
        return super()._flip_imgs(imgs, modality)

    def transform(self, results: Dict) -> Dict:
        """Flip with probability ``flip_ratio``."""
        if self.lazy and results.get('modality') == 'Flow':
            raise ValueError('FlowAwareFlip cannot flip flow lazily: '
                             "mmaction2's Fuse would not negate x")
        return super().transform(results)


@TRANSFORMS.register_module()
class PairedFlip(FlowAwareFlip):
    """A horizontal flip drawn once per paired sample, so that every
    modality of the sample is flipped or none is.

    :class:`ModalityPipelines` runs one pipeline per modality, and each
    random transform draws on its own: two ``Flip`` transforms would flip
    RGB and depth independently and break the pixel alignment that the
    hallucination network's multiplicative connections need (Garcia et
    al. flip both frames with p = 0.5). This flip reads the draw from
    ``results['pair_seed']``, which :class:`ModalityPipelines` sets once
    per sample (the same number in every modality's results) when a
    pipeline holds a ``PairedFlip``. Images only (no keypoints or boxes);
    2-channel flow is flipped as :class:`FlowAwareFlip` does.

    Args:
        flip_ratio (float): Probability of a flip. Defaults to 0.5.
    """

    def __init__(self, flip_ratio: float = 0.5) -> None:
        super().__init__(flip_ratio=flip_ratio, direction='horizontal')

    def transform(self, results: Dict) -> Dict:
        """Flip every image when the sample's shared draw says so."""
        if 'pair_seed' not in results:
            raise KeyError(
                'PairedFlip needs results["pair_seed"]: use it inside a '
                'ModalityPipelines (PairedModalityDataset) pipeline')
        draw = np.random.default_rng(results['pair_seed']).random()
        flip = bool(draw < self.flip_ratio)
        if flip:
            results['imgs'] = self._flip_imgs(
                list(results['imgs']), results.get('modality', 'RGB'))
        results['flip'] = flip
        results['flip_direction'] = 'horizontal'
        return results
