# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .utils import check_loss_weight, check_same_shape, flatten_per_sample

__all__ = ['FeatureMSELoss']


@MODELS.register_module()
class FeatureMSELoss(nn.Module):
    """Mean squared error between two features, over all elements.

    The FSAT ablation alternative to the cosine distance, and (on feature
    maps) the supervision-transfer loss of Gupta et al. up to a constant.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each sample's flattened feature
            (student and teacher) before comparing, so only directions
            matter. Defaults to False.
        eps (float): Lower bound of the norms when normalising.
            Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 normalize: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        self.loss_weight = check_loss_weight(loss_weight)
        if not isinstance(normalize, bool):
            raise ValueError(f'normalize must be a bool, got {normalize!r}')
        if not eps > 0:
            raise ValueError(f'eps must be positive, got {eps!r}')
        self.normalize = normalize
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
        # [N, C, ...] -> [N, D]
        feat_s = flatten_per_sample(feat_s)
        feat_t = flatten_per_sample(feat_t)
        if self.normalize:
            feat_s = F.normalize(feat_s, dim=1, eps=self.eps)
            feat_t = F.normalize(feat_t, dim=1, eps=self.eps)
        return self.loss_weight * F.mse_loss(feat_s, feat_t)
