# Copyright (c) fsat contributors. All rights reserved.
"""The two losses of the hallucination network (Garcia et al., ECCV 2018).

Neither exists in mmaction2 or MMRazor in the paper's form: MMRazor's
feature losses compare raw activations (no sigmoid), and its KD losses have
no hard-label term weighted against the soft one. Both are plain modules,
used through a distiller's ``distill_losses`` like every fsat loss; the
paper's total ``(1 - alpha) L_GD + alpha L_hall`` is the two entries'
``loss_weight`` (``1 - alpha`` and ``alpha``) with the student's own
cross-entropy off (``L_GD`` holds the hard-label term).
"""
import math
import numbers

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .utils import check_loss_weight, check_same_shape, flatten_per_sample

__all__ = ['HallucinationLoss', 'GeneralizedDistillationLoss']

#: the public code's extra factor on L_hall (its total is
#: ``0.5 * 0.01 * L_hall``); ``HallucinationLoss(code_scale=True)``
CODE_HALL_SCALE = 0.01


@MODELS.register_module()
class HallucinationLoss(nn.Module):
    """``lambda_l * ||sigmoid(A_d) - sigmoid(A_h)||^2`` (paper Eq. 3).

    ``A_d`` is a layer's activation of the (frozen) depth stream, ``A_h``
    the same layer of the hallucination stream fed RGB. One entry per
    tapped layer; ``loss_weight`` is that layer's ``lambda_l`` (times the
    total's ``alpha``).

    Args:
        loss_weight (float): ``lambda_l``, times ``alpha`` of the total.
            Defaults to 1.0.
        reduction (str): ``'sum'`` (default, the paper's squared L2 norm:
            summed over a sample's elements, then averaged over the
            samples so the value does not grow with the batch),
            ``'mean'`` (averaged over every element; a value independent
            of the map's size too) or ``'batch_sum'`` (summed over every
            element of the batch, as the public code does).
        code_scale (bool): Multiply by the public code's extra 0.01
            (its total is ``0.5 * 0.01 * L_hall``). Defaults to False.
    """

    REDUCTIONS = ('sum', 'mean', 'batch_sum')

    def __init__(self,
                 loss_weight: float = 1.0,
                 reduction: str = 'sum',
                 code_scale: bool = False) -> None:
        super().__init__()
        self.loss_weight = check_loss_weight(loss_weight)
        if reduction not in self.REDUCTIONS:
            raise ValueError(f'HallucinationLoss: reduction must be one of '
                             f'{self.REDUCTIONS}, got {reduction!r}')
        if not isinstance(code_scale, bool):
            raise ValueError(
                f'HallucinationLoss: code_scale must be a bool, got '
                f'{code_scale!r}')
        self.reduction = reduction
        self.code_scale = code_scale

    def forward(self, feat_s: torch.Tensor,
                feat_t: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            feat_s (torch.Tensor): Hallucination stream activation,
                ``[N, C, ...]``.
            feat_t (torch.Tensor): Depth stream activation, same shape.

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        check_same_shape('feat_s', feat_s, 'feat_t', feat_t)
        # [N, C, ...] -> [N, D]
        diff = (torch.sigmoid(flatten_per_sample(feat_s)) -
                torch.sigmoid(flatten_per_sample(feat_t)))
        squared = diff.pow(2)
        if self.reduction == 'sum':
            loss = squared.sum(dim=1).mean()
        elif self.reduction == 'mean':
            loss = squared.mean()
        else:
            loss = squared.sum()
        if self.code_scale:
            loss = loss * CODE_HALL_SCALE
        return self.loss_weight * loss


@MODELS.register_module()
class GeneralizedDistillationLoss(nn.Module):
    """``(1 - lambda) CE(y, softmax(f(x))) + lambda CE(s, softmax(f(x)))``
    with ``s = softmax(f_t(x) / T)`` (paper Eqs. 5-6; Lopez-Paz et al.).

    ``f`` is the student (the hallucination model), ``f_t`` the teacher
    (the depth stream). In the paper's form the temperature softens the
    teacher only and the soft term has no ``T^2``. Options:
    ``student_temperature=True`` divides the student's logits by ``T`` in
    the soft term as well (the public code's form, still without ``T^2``);
    ``t_squared=True`` multiplies the soft term by ``T^2`` (Hinton et al.'s
    gradient-scale correction; with ``student_temperature`` that is
    :class:`KDLoss` plus the soft labels' entropy).

    Args:
        lambda_soft (float): ``lambda`` in [0, 1], the soft labels' share.
            The paper selects 0.5 on validation. Defaults to 0.5.
        temperature (float): ``T`` > 0. The paper selects 10.
            Defaults to 10.0.
        student_temperature (bool): Soften the student too.
            Defaults to False.
        t_squared (bool): Scale the soft term by ``T^2``.
            Defaults to False.
        loss_weight (float): ``1 - alpha`` of the total.
            Defaults to 1.0.
    """

    def __init__(self,
                 lambda_soft: float = 0.5,
                 temperature: float = 10.0,
                 student_temperature: bool = False,
                 t_squared: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if (isinstance(lambda_soft, bool)
                or not isinstance(lambda_soft, numbers.Real)
                or not 0 <= lambda_soft <= 1):
            raise ValueError('GeneralizedDistillationLoss: lambda_soft must '
                             f'be in [0, 1], got {lambda_soft!r}')
        if (isinstance(temperature, bool)
                or not isinstance(temperature, numbers.Real)
                or not math.isfinite(temperature) or temperature <= 0):
            raise ValueError('GeneralizedDistillationLoss: temperature must '
                             f'be a positive number, got {temperature!r}')
        for name, flag in (('student_temperature', student_temperature),
                           ('t_squared', t_squared)):
            if not isinstance(flag, bool):
                raise ValueError(f'GeneralizedDistillationLoss: {name} must '
                                 f'be a bool, got {flag!r}')
        self.lambda_soft = float(lambda_soft)
        self.temperature = float(temperature)
        self.student_temperature = student_temperature
        self.t_squared = t_squared
        self.loss_weight = check_loss_weight(loss_weight)

    def forward(self, logits_s: torch.Tensor, logits_t: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            logits_s (torch.Tensor): Student class scores, ``[N, K]``.
            logits_t (torch.Tensor): Teacher class scores, ``[N, K]``
                (no gradient flows into them).
            labels (torch.Tensor): Class indices, int ``[N]``; a label
                below 0 (unknown) leaves that sample's hard term out.

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        check_same_shape('logits_s', logits_s, 'logits_t', logits_t)
        if logits_s.dim() != 2:
            raise ValueError('GeneralizedDistillationLoss: logits_s and '
                             'logits_t must be [N, K], got shape '
                             f'{tuple(logits_s.shape)}')
        labels = _check_labels(labels, logits_s)
        T = self.temperature
        # hard term over the samples with a known label
        known = labels >= 0
        if known.any():
            hard = F.cross_entropy(logits_s[known], labels[known])
        else:
            hard = logits_s.sum() * 0.0
        # soft term: CE(s, softmax(f(x) [/ T])) = -sum_k s_k log p_k
        soft_targets = F.softmax(logits_t.detach() / T, dim=1)
        student = logits_s / T if self.student_temperature else logits_s
        soft = -(soft_targets * F.log_softmax(student, dim=1)).sum(1).mean()
        if self.t_squared:
            soft = soft * T * T
        loss = (1 - self.lambda_soft) * hard + self.lambda_soft * soft
        return self.loss_weight * loss


def _check_labels(labels, logits: torch.Tensor) -> torch.Tensor:
    """``labels`` as int ``[N]`` below the number of classes, or a clear
    error."""
    if not isinstance(labels, torch.Tensor):
        raise ValueError('GeneralizedDistillationLoss: labels must be a '
                         f'tensor of class indices, got {type(labels)}')
    labels = labels.reshape(-1) if labels.dim() == 2 and labels.shape[
        1] == 1 else labels
    if labels.dim() != 1 or labels.numel() != logits.shape[0]:
        raise ValueError('GeneralizedDistillationLoss: labels must be [N] '
                         f'with N = {logits.shape[0]}, got shape '
                         f'{tuple(labels.shape)}')
    if labels.is_floating_point():
        raise ValueError('GeneralizedDistillationLoss: labels must be '
                         f'integer class indices, got {labels.dtype}')
    if labels.numel() and int(labels.max()) >= logits.shape[1]:
        raise ValueError(
            f'GeneralizedDistillationLoss: label {int(labels.max())} is not '
            f'below the number of classes {logits.shape[1]}')
    return labels.long()
