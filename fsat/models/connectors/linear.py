# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn as nn

from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['LinearConnector']


@MODELS.register_module()
class LinearConnector(BaseConnector):
    """A learned linear projection of the channel axis.

    FSAT's projection of the student feature to the teacher's dimension
    when the two differ. On a map ``[N, C, ...]`` it acts on axis 1 at
    every position.

    Args:
        in_channels (int): Channels of the input (the student's).
        out_channels (int): Channels of the output (the teacher's).
        bias (bool): Whether to learn a bias. Defaults to True.
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 bias: bool = True,
                 init_cfg=None) -> None:
        super().__init__(in_channels, out_channels, init_cfg=init_cfg)
        self.fc = nn.Linear(in_channels, out_channels, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, in_channels, ...] -> [N, out_channels, ...]``."""
        if x.dim() == 2:
            return self.fc(x)
        # [N, C, ...] -> [N, ..., C] -> [N, ..., C'] -> [N, C', ...]
        return self.fc(x.movedim(1, -1)).movedim(-1, 1)
