# Copyright (c) fsat contributors. All rights reserved.
from typing import Optional

import torch
from mmengine.model import BaseModule

__all__ = ['BaseConnector']


class BaseConnector(BaseModule):
    """A module mapping one feature to another space (a projection).

    Connectors say which channel size (axis 1) they take and give, so a
    distiller checks a wiring when it is built instead of at the first
    step. ``None`` means "any size" (``in_channels``) or "unchanged"
    (``out_channels``).

    Args:
        in_channels (int, optional): Channels of the input feature.
        out_channels (int, optional): Channels of the output feature.
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 in_channels: Optional[int] = None,
                 out_channels: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = _check_channels('in_channels', in_channels)
        self.out_channels = _check_channels('out_channels', out_channels)

    def output_channels(self, channels: Optional[int]) -> Optional[int]:
        """Channels of the output for an input with ``channels``."""
        return channels if self.out_channels is None else self.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def _check_channels(name: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{name} must be a positive int, got {value!r}')
    return value
