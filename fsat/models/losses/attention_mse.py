# Copyright (c) fsat contributors. All rights reserved.
"""VPN-A's attention distillation loss ``L_D = ||A_T+ - E_A(A_S)||^2``.

mmaction2, MMEngine and MMCV have no loss between attention maps of two
networks; :class:`FeatureMSELoss` averages over elements and needs equal
shapes, while VPN++ compares two flattened, L2-normalised attention vectors
whose maps have different layouts (a teacher's ``t x m x n`` map against a
projection of the student's non-local map).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .utils import check_loss_weight, flatten_per_sample

__all__ = ['AttentionMSELoss']


@MODELS.register_module()
class AttentionMSELoss(nn.Module):
    """Attention-level distillation of VPN++ (VPN-A), Das et al., Eq. 2.

    **Inputs.** The teacher's attention ``A_T`` (VPN*'s spatio-temporal
    attention: the spatial ``m x n`` map inflated over time ``⊙`` the
    temporal ``t`` weights, ``[N, t, m, n]``) is projected to one
    dimension by flattening it, ``A_T+ : [N, t*m*n]``. The student's
    non-local attention map ``A_S`` (``[N, THW, THW']``, queries x keys) is
    flattened and mapped by ``E_A``, a learned linear projection (a
    connector), to the same length ``L = t*m*n``. Both arguments may have
    any rank ``>= 2``; each is flattened per sample, and the flattened
    lengths must agree. The loss does not detach the teacher's map: with
    a trainable (collaborative) teacher, the distiller decides whether
    ``L_D`` reaches it.

    **mode='paper'** (default): both vectors are scaled to unit L2 norm
    ("linearly transforming them into the same dimension and further
    normalizing them through L2 norm", Sec. 3.3), then::

        loss = loss_weight * mean_N sum_L (a_t / |a_t| - a_s / |a_s|)^2

    i.e. the squared Euclidean distance of Eq. 2 per sample (equal to
    ``2 - 2 cos``), averaged over the batch.

    **mode='code'**: the public code's sum of squares without
    normalisation, summed over the batch as well::

        loss = loss_weight * sum_N sum_L (a_t - a_s)^2

    Args:
        mode (str): ``'paper'`` or ``'code'``. Defaults to ``'paper'``.
        loss_weight (float): ``beta`` of Eq. 3 (the paper uses 50).
            Defaults to 1.0.
        eps (float): Lower bound of the norms in ``mode='paper'``.
            Defaults to 1e-12.
    """

    # The teacher's map [N, t, m, n] and the projected student [N, L]
    # differ in shape; the flattened lengths are checked here.
    same_size_inputs = False

    def __init__(self,
                 mode: str = 'paper',
                 loss_weight: float = 1.0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if mode not in ('paper', 'code'):
            raise ValueError("AttentionMSELoss: mode must be 'paper' or "
                             f"'code', got {mode!r}")
        if not eps > 0:
            raise ValueError(
                f'AttentionMSELoss: eps must be positive, got {eps!r}')
        self.mode = mode
        self.loss_weight = check_loss_weight(loss_weight)
        self.eps = eps

    def forward(self, attn_s: torch.Tensor,
                attn_t: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            attn_s (torch.Tensor): The student's projected attention
                ``E_A(A_S)``, ``[N, L]`` (or ``[N, ...]`` with ``L``
                elements per sample).
            attn_t (torch.Tensor): The teacher's attention ``A_T``,
                ``[N, t, m, n]`` or ``[N, L]``.

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        for name, x in (('attn_s', attn_s), ('attn_t', attn_t)):
            if x.dim() < 2:
                raise ValueError(
                    f'AttentionMSELoss: {name} must be [N, L] or [N, ...] '
                    f'with a batch axis, got shape {tuple(x.shape)}')
        # [N, ...] -> [N, L]
        vec_s = flatten_per_sample(attn_s)
        vec_t = flatten_per_sample(attn_t)
        if vec_s.shape != vec_t.shape:
            raise ValueError(
                'AttentionMSELoss: attn_s and attn_t must hold the same '
                'number of samples and of elements per sample, got '
                f'{tuple(attn_s.shape)} -> {tuple(vec_s.shape)} and '
                f'{tuple(attn_t.shape)} -> {tuple(vec_t.shape)}; project '
                "the student's map to the teacher's length with a connector")
        if self.mode == 'paper':
            vec_s = F.normalize(vec_s, dim=1, eps=self.eps)
            vec_t = F.normalize(vec_t, dim=1, eps=self.eps)
            return self.loss_weight * (vec_t - vec_s).pow(2).sum(1).mean()
        return self.loss_weight * (vec_t - vec_s).pow(2).sum()
