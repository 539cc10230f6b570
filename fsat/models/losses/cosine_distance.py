# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .utils import check_loss_weight, check_same_shape, flatten_per_sample

__all__ = ['CosineDistanceLoss']


@MODELS.register_module()
class CosineDistanceLoss(nn.Module):
    """Cosine distance ``1 - a.b / (|a| |b|)``, averaged over the batch.

    The FSAT transfer loss (paper Eq. 1-4). A feature map ``[N, C, ...]``
    is flattened to one vector per sample first.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        eps (float): Lower bound of the norms, against division by zero.
            Defaults to 1e-8.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-8) -> None:
        super().__init__()
        self.loss_weight = check_loss_weight(loss_weight)
        if not eps > 0:
            raise ValueError(f'eps must be positive, got {eps!r}')
        self.eps = eps

    def forward(self, feat_s: torch.Tensor,
                feat_t: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            feat_s (torch.Tensor): Student feature, [N, C] or [N, C, ...].
            feat_t (torch.Tensor): Teacher feature of the same shape.

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        check_same_shape('feat_s', feat_s, 'feat_t', feat_t)
        # [N, C, ...] -> [N, D] -> [N]
        cos = F.cosine_similarity(
            flatten_per_sample(feat_s),
            flatten_per_sample(feat_t),
            dim=1,
            eps=self.eps)
        return self.loss_weight * (1 - cos).mean()
