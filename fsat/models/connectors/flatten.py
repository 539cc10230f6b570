# Copyright (c) fsat contributors. All rights reserved.
"""Flatten every axis after the batch axis.

A feature that is not a channel vector (an attention map ``[N, Q, K]``,
a feature map ``[N, C, T, H, W]``) must become one vector per sample before
a :class:`LinearConnector` can project it as a whole: VPN-A's ``E_A`` is
``[dict(type='FlattenConnector'), dict(type='LinearConnector',
in_channels=Q * K, out_channels=t * m * n)]``. ``LinearConnector`` alone
maps axis 1 at every position, and mmengine/mmcv have no connector
modules, hence this one.
"""
from typing import Optional

import torch

from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['FlattenConnector']


@MODELS.register_module()
class FlattenConnector(BaseConnector):
    """``[N, d1, d2, ...] -> [N, d1 * d2 * ...]`` (no parameters).

    Args:
        out_channels (int, optional): The flattened length, when known
            (e.g. ``Q * K`` of an attention map); declared so that a
            following connector's ``in_channels`` is checked when the
            distiller is built, and checked against every input.
            Defaults to None (any length).
    """

    def __init__(self, out_channels: Optional[int] = None) -> None:
        super().__init__(in_channels=None, out_channels=out_channels)

    def output_channels(self, channels: Optional[int]) -> Optional[int]:
        """The flattened length: ``out_channels`` (the input's channels
        alone do not determine it)."""
        return self.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, ...] -> [N, prod(...)]``."""
        if x.dim() < 2:
            raise ValueError('FlattenConnector takes [N, ...] with a batch '
                             f'axis, got shape {tuple(x.shape)}')
        out = x.flatten(1)
        if self.out_channels is not None and out.shape[1] != \
                self.out_channels:
            raise ValueError(
                f'FlattenConnector: the input {tuple(x.shape)} flattens to '
                f'{out.shape[1]} values per sample, but out_channels is '
                f'{self.out_channels}')
        return out
