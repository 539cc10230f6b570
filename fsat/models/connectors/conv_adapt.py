# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['ConvAdaptConnector']


@MODELS.register_module()
class ConvAdaptConnector(BaseConnector):
    """A 1x1(x1) convolution followed by a ReLU, keeping the map's size.

    The adaptation layer ``t`` of supervision transfer (Gupta et al.):
    a 1x1x1 3-D convolution on ``[N, C, T, H, W]`` maps, the same weights
    used as a 1x1 2-D convolution on ``[N, C, H, W]`` maps.

    Args:
        in_channels (int): Channels of the input map.
        out_channels (int): Channels of the output map.
        relu (bool): Whether to apply a ReLU after the convolution.
            Defaults to True.
        bias (bool): Whether the convolution has a bias. Defaults to True.
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 relu: bool = True,
                 bias: bool = True,
                 init_cfg=None) -> None:
        super().__init__(in_channels, out_channels, init_cfg=init_cfg)
        self.conv = nn.Conv3d(in_channels, out_channels, 1, bias=bias)
        self.relu = nn.ReLU() if relu else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, C, T, H, W]`` or ``[N, C, H, W]`` -> same with C'."""
        if x.dim() == 5:
            # [N, C, T, H, W] -> [N, C', T, H, W]
            out = self.conv(x)
        elif x.dim() == 4:
            # [N, C, H, W] -> [N, C', H, W]: a 1x1 2-D convolution
            out = F.conv2d(x, self.conv.weight.squeeze(2), self.conv.bias)
        else:
            raise ValueError('ConvAdaptConnector takes [N, C, T, H, W] or '
                             f'[N, C, H, W] maps, got shape {tuple(x.shape)}')
        return self.relu(out)
