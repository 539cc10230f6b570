"""A distillation loss registered from outside fsat."""
import torch
import torch.nn as nn

from fsat.registry import MODELS


@MODELS.register_module()
class AbsDistillLoss(nn.Module):
    """Mean absolute difference between student and teacher features.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, feat_s: torch.Tensor,
                feat_t: torch.Tensor) -> torch.Tensor:
        # [N, C], [N, C] -> scalar
        return self.loss_weight * (feat_s - feat_t).abs().mean()
