# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn.functional as F

from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['L2NormConnector']


@MODELS.register_module()
class L2NormConnector(BaseConnector):
    """Scale each sample's feature to unit L2 norm (no parameters).

    Args:
        flatten (bool): Normalise the whole flattened sample
            (``[N, C, ...]`` -> norm over ``C * ...``) rather than the
            channel vector at each position. Defaults to True.
        eps (float): Lower bound of the norm. Defaults to 1e-12.
    """

    def __init__(self, flatten: bool = True, eps: float = 1e-12) -> None:
        super().__init__()
        if not eps > 0:
            raise ValueError(f'eps must be positive, got {eps!r}')
        self.flatten = flatten
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[N, C, ...] -> [N, C, ...]`` with unit norm per sample."""
        if not self.flatten or x.dim() == 2:
            return F.normalize(x, dim=1, eps=self.eps)
        # [N, C, ...] -> [N, C * ...] -> normalise -> [N, C, ...]
        return F.normalize(x.flatten(1), dim=1, eps=self.eps).view_as(x)
