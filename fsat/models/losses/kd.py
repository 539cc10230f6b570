# Copyright (c) fsat contributors. All rights reserved.
import math
import numbers

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .utils import check_loss_weight, check_same_shape

__all__ = ['KDLoss']


@MODELS.register_module()
class KDLoss(nn.Module):
    """Hinton's knowledge distillation on class scores.

    ``KL(softmax(t / T) || softmax(s / T)) * T^2``, summed over classes and
    averaged over the batch. The ``T^2`` factor keeps the gradient scale
    independent of the temperature (Hinton et al., 2015).

    Args:
        temperature (float): Softening temperature ``T`` (> 0). Garcia et
            al. use 10. Defaults to 1.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if (isinstance(temperature, bool)
                or not isinstance(temperature, numbers.Real)
                or not math.isfinite(temperature) or temperature <= 0):
            raise ValueError(
                f'temperature must be a positive number, got {temperature!r}')
        self.temperature = float(temperature)
        self.loss_weight = check_loss_weight(loss_weight)

    def forward(self, logits_s: torch.Tensor,
                logits_t: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            logits_s (torch.Tensor): Student class scores, [N, K].
            logits_t (torch.Tensor): Teacher class scores, [N, K].

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        check_same_shape('logits_s', logits_s, 'logits_t', logits_t)
        if logits_s.dim() != 2:
            raise ValueError('logits_s and logits_t must be [N, K], got '
                             f'shape {tuple(logits_s.shape)}')
        T = self.temperature
        # [N, K] -> [N, K] log-probabilities
        log_p_s = F.log_softmax(logits_s / T, dim=1)
        log_p_t = F.log_softmax(logits_t / T, dim=1)
        kl = F.kl_div(log_p_s, log_p_t, reduction='batchmean', log_target=True)
        return self.loss_weight * kl * T * T
