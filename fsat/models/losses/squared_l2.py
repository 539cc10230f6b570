# Copyright (c) fsat contributors. All rights reserved.
import torch
import torch.nn as nn

from fsat.registry import MODELS

from .utils import check_loss_weight, check_same_shape

__all__ = ['SquaredL2Loss']


@MODELS.register_module()
class SquaredL2Loss(nn.Module):
    """Squared L2 distance between two maps (supervision transfer's ``f``).

    ``reduction='sum'`` (default): ``sum_{C,H,W} (s - t)^2`` of each
    sample, averaged over the batch: the paper's squared L2 norm per
    image pair. Caffe's ``EuclideanLoss`` (the released code's) is half of
    it (``loss_weight=0.5``). ``reduction='mean'``: the mean over all
    elements, i.e. the ``'sum'`` value divided by ``C * H * W`` (equal to
    :class:`~fsat.models.FeatureMSELoss`), which keeps the loss's scale
    independent of the map size.

    Args:
        reduction (str): ``'sum'`` or ``'mean'``. Defaults to ``'sum'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    REDUCTIONS = ('sum', 'mean')

    def __init__(self, reduction: str = 'sum',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if reduction not in self.REDUCTIONS:
            raise ValueError(f'SquaredL2Loss: reduction must be one of '
                             f'{self.REDUCTIONS}, got {reduction!r}')
        self.reduction = reduction
        self.loss_weight = check_loss_weight(loss_weight)

    def per_sample(self, feat_s: torch.Tensor,
                   feat_t: torch.Tensor) -> torch.Tensor:
        """The unweighted loss of each sample, ``[N]``."""
        check_same_shape('feat_s', feat_s, 'feat_t', feat_t)
        # [N, C, H, W] -> [N, C * H * W]
        sq = (feat_s - feat_t).flatten(1).pow(2)
        return sq.sum(1) if self.reduction == 'sum' else sq.mean(1)

    def forward(self, feat_s: torch.Tensor,
                feat_t: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            feat_s (torch.Tensor): Adapted student map, [N, C, H, W].
            feat_t (torch.Tensor): Teacher map of the same shape.

        Returns:
            torch.Tensor: The weighted batch mean, a scalar.
        """
        return self.loss_weight * self.per_sample(feat_s, feat_t).mean()
