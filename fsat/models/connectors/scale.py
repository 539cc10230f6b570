# Copyright (c) fsat contributors. All rights reserved.
"""Scaling and spatial matching of feature maps (supervision transfer).

Gupta et al. (CVPR 2016, Sec. 3) match a student's layer to a frozen
teacher's layer whose activations may differ in norm and, across
architectures, in spatial size; they add a scaling layer and match sizes
by padding. Neither mmcv nor MMRazor has these two plain pieces as
connectors, so they live here.
"""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['ScaleConnector', 'SpatialMatchConnector']


@MODELS.register_module()
class ScaleConnector(BaseConnector):
    """Multiply a feature by a scale: ``y = s * x``.

    Args:
        scale (float): Initial (or fixed) value of ``s``. Defaults to 1.
        learnable (bool): Train ``s`` (a parameter) or keep it fixed (a
            buffer). Defaults to True.
        channels (int, optional): One scale per channel (axis 1) instead of
            one for the whole map. Defaults to None (a single scale).
    """

    def __init__(self,
                 scale: float = 1.0,
                 learnable: bool = True,
                 channels: int = None) -> None:
        super().__init__(in_channels=channels)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise ValueError(f'scale must be a number, got {scale!r}')
        if not isinstance(learnable, bool):
            raise ValueError(f'learnable must be a bool, got {learnable!r}')
        value = torch.full((channels or 1, ), float(scale))
        self.learnable = learnable
        if learnable:
            self.scale = nn.Parameter(value)
        else:
            self.register_buffer('scale', value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, C, ...]`` -> same shape."""
        if self.in_channels is None:
            return x * self.scale[0]
        if x.dim() < 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'ScaleConnector has {self.in_channels} channel '
                             f'scales, got a feature of shape '
                             f'{tuple(x.shape)}')
        shape = (1, -1) + (1, ) * (x.dim() - 2)
        return x * self.scale.view(shape)


Size = Union[int, Sequence[int]]


def _size(size: Size) -> Tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size, size)
    size = tuple(size)
    if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, int)
                             or s < 1 for s in size):
        raise ValueError(f'size must be a positive int or (H, W), got '
                         f'{size!r}')
    return size


@MODELS.register_module()
class SpatialMatchConnector(BaseConnector):
    """Bring a map's last two axes to a fixed ``(H, W)``.

    ``mode='pad_crop'`` (default) pads with ``pad_value`` or crops,
    centred (of an odd difference, the extra row or column is padded or
    cut at the bottom / right), the paper's matching; ``'resize'`` resamples
    bilinearly (``align_corners=False``).

    Args:
        size (int | Sequence[int]): Output ``(H, W)``.
        mode (str): ``'pad_crop'`` or ``'resize'``.
        pad_value (float): Value of padded cells. Defaults to 0.
    """

    MODES = ('pad_crop', 'resize')

    def __init__(self,
                 size: Size,
                 mode: str = 'pad_crop',
                 pad_value: float = 0.0) -> None:
        super().__init__()
        self.size = _size(size)
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got '
                             f'{mode!r}')
        self.mode = mode
        self.pad_value = float(pad_value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, C, (T,) H, W]`` -> ``[N, C, (T,) size[0], size[1]]``."""
        if x.dim() < 3:
            raise ValueError('SpatialMatchConnector takes maps with spatial '
                             f'axes last, got shape {tuple(x.shape)}')
        if tuple(x.shape[-2:]) == self.size:
            return x
        if self.mode == 'resize':
            lead = x.shape[:-2]
            out = F.interpolate(x.reshape(-1, 1, *x.shape[-2:]),
                                size=self.size, mode='bilinear',
                                align_corners=False)
            return out.reshape(*lead, *self.size)
        pads = []
        for have, want in ((x.shape[-1], self.size[1]),
                           (x.shape[-2], self.size[0])):
            # half on each side, the odd one at the end (bottom / right);
            # negative padding crops
            sign, size = (1, want - have) if want >= have else (-1,
                                                               have - want)
            pads += [sign * (size // 2), sign * (size - size // 2)]
        return F.pad(x, pads, value=self.pad_value)
