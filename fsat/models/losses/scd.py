# Copyright (c) fsat contributors. All rights reserved.
"""VPN++'s supervised contrastive distillation (SCD) loss.

mmaction2, MMEngine and MMCV have no contrastive distillation loss. The
nearest one elsewhere (CRD, see :mod:`.crd`) draws its negatives from a
memory bank of the whole dataset without looking at classes; SCD (Das et
al., VPN++, Sec. 3.2, Eq. 1) contrasts each video with the pose of a video
of *another class* in the same batch, and is trained next to the student's
cross-entropy.
"""
import logging
import math
import numbers
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log

from fsat.registry import MODELS

from .train_set import TrainSetSizedMixin
from .utils import check_loss_weight, check_same_shape, flatten_per_sample

__all__ = ['SCDLoss', 'draw_other_class_negatives']


def draw_other_class_negatives(
        labels: torch.Tensor,
        num_negatives: int,
        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Pick, for every sample, negatives of another class in the batch.

    Sample ``i`` gets ``num_negatives`` batch indices ``j`` drawn uniformly,
    with replacement, among the samples with ``labels[j] != labels[i]``. A
    label below 0 means unknown (fsat's ``gt_labels`` of an unlabeled
    sample is -1): such a sample neither gets negatives nor serves as one,
    because its class cannot be told apart.

    Args:
        labels (torch.Tensor): Class indices, int ``[N]``.
        num_negatives (int): Negatives per sample (>= 1).
        generator (torch.Generator, optional): A CPU generator driving the
            draw; None uses torch's global generator.

    Returns:
        torch.Tensor: int64 ``[N, num_negatives]`` on the CPU, batch indices
        of the negatives; a row of -1 for a sample without any sample of
        another class in the batch.
    """
    labels = labels.detach().cpu()
    known = labels >= 0
    # [N, N]: j is a valid negative of i
    candidates = ((labels[:, None] != labels[None, :])
                  & known[:, None] & known[None, :])
    negatives = torch.full((labels.numel(), num_negatives), -1,
                           dtype=torch.long)
    has_any = candidates.any(dim=1)
    if has_any.any():
        negatives[has_any] = torch.multinomial(
            candidates[has_any].float(),
            num_negatives,
            replacement=True,
            generator=generator)
    return negatives


@MODELS.register_module()
class SCDLoss(TrainSetSizedMixin, nn.Module):
    """Supervised contrastive distillation of VPN++ (VPN-F), Das et al.

    Inputs are the student's embedded video feature ``E_F(V)`` and the
    frozen pose teacher's feature ``T_F(P)`` (both ``[N, D]``) and the
    class labels ``[N]``. ``E_F``, the paper's linear embedding of the
    student's pooled feature, is a connector: wire
    ``feat_s=dict(feature='student.feat', connector='embed')`` with
    ``embed=dict(type='LinearConnector', in_channels=<student dim>,
    out_channels=<teacher dim>)``.

    **Pairs.** Sample ``i`` forms the positive ``(V_i, P_i)`` (the same
    video) and ``num_negatives`` negatives ``(V_i, P_j)``, where every
    ``j`` is drawn from the batch among the samples whose label differs
    from ``labels[i]`` (:func:`draw_other_class_negatives`), so a negative
    is never of the positive's class. A sample with no sample of another
    class in its batch gets its positive term only; it is counted in
    :attr:`num_without_negative` (out of :attr:`num_anchors`) and a
    warning is logged at the first one and then once every
    ``warn_interval`` of them. Negative labels mean "unknown" and give no
    negatives either.

    **Scores.** ``s_ij = T_F(P_j)^T E_F(V_i)`` (a plain dot product, as in
    the paper; ``normalize=True`` first scales both features to unit L2
    norm, an option the paper does not use). The paper has no temperature.

    **mode='paper'** (default), Eq. 1 of the paper::

        h(s)  = exp(s) / (exp(s) + M) = sigmoid(s - log M)
        M     = num_negatives / num_data
        L_SCD = 1/N sum_i [log h(s_ii) + sum_{j in neg(i)} log(1 - h(s_ij))]
        loss  = -loss_weight * L_SCD          (>= 0; returned)

    ``M``, "determined by the ratio of the number of negatives to the
    cardinality of the dataset" (Sec. 3.2), is CRD's constant (Tian et al.,
    ICLR 2020: ``N/M`` with ``N`` negatives and ``M`` the dataset size;
    MMRazor's ``ContrastLoss``: ``m * Pn`` with ``Pn = 1 / n_data``).
    ``L_SCD`` is a log-likelihood the paper *maximises*: its total loss is
    ``CE_S + CE_T - alpha * L_SCD + beta * L_D`` (Eq. 3). This module
    returns ``-alpha * L_SCD`` with ``alpha = loss_weight`` (the paper uses
    50), so the distiller adds it to the total like any other loss.
    The normaliser ``1/|B - N|`` of Eq. 1 is the number of positives
    (``N`` here) and is read as covering both sums, as in CRD's
    per-anchor objective; the literal reading, which would leave the sum
    over negatives unnormalised, would make its weight grow with the
    batch.

    **mode='code'**, the public code (``srijandas07/vpnplusplus``)::

        loss = loss_weight * mean over all pairs of
               BCEWithLogits(exp(s), y),   y = 1 (positive), 0 (negative)

    i.e. ``h = sigmoid(exp(s))``, which is always above 0.5, and no ``M``;
    the mean runs over the positives and negatives together (8 + 8 in the
    public code). ``exp(s)`` overflows for ``s`` above ~88 (float32), as in
    the public code; ``normalize=True`` bounds ``s`` to [-1, 1]. The mode
    changes only the formula: negatives are drawn from other classes in
    both modes (the public code takes them from a shuffled second loader
    without checking their class).

    **num_data.** ``num_data='train_set'`` takes ``len()`` of the training
    set when training starts (:class:`fsat.engine.TrainSetSizeHook`, which
    ``tools/train.py`` registers); until then the loss builds, loads and
    tests, and only its forward in ``mode='paper'`` fails, with a
    one-line error. An explicit integer must equal the size of the
    training set a run trains on (checked by the same hook).

    Args:
        num_data (int | str, optional): Size of the training set, for
            ``M``, or ``'train_set'`` to read it from the training set.
            Required with ``mode='paper'``.
        num_negatives (int): Negatives per positive; the paper uses 1.
            Defaults to 1.
        mode (str): ``'paper'`` or ``'code'``. Defaults to ``'paper'``.
        normalize (bool): L2-normalise both features before the dot
            product. Defaults to False.
        loss_weight (float): ``alpha``. Defaults to 1.0.
        seed (int, optional): Seed of a private generator for the draw of
            negatives; None uses torch's global generator (seeded by
            MMEngine's ``randomness``). Defaults to None.
        warn_interval (int): Log a warning about samples without a
            negative at the first one and then once every this many.
            Defaults to 100.
    """

    # labels [N] and features [N, D] differ in shape by design.
    same_size_inputs = False

    def __init__(self,
                 num_data: Union[int, str, None] = None,
                 num_negatives: int = 1,
                 mode: str = 'paper',
                 normalize: bool = False,
                 loss_weight: float = 1.0,
                 seed: Optional[int] = None,
                 warn_interval: int = 100) -> None:
        super().__init__()
        if mode not in ('paper', 'code'):
            raise ValueError(
                f"SCDLoss: mode must be 'paper' or 'code', got {mode!r}")
        _check_positive_int('num_negatives', num_negatives)
        _check_positive_int('warn_interval', warn_interval)
        self._init_num_data(
            num_data,
            optional=mode == 'code',
            need="mode='paper' needs num_data for the constant "
            'M = num_negatives / num_data')
        if not isinstance(normalize, bool):
            raise ValueError(
                f'SCDLoss: normalize must be a bool, got {normalize!r}')
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int)):
            raise ValueError(f'SCDLoss: seed must be an int, got {seed!r}')
        self.num_negatives = num_negatives
        self.mode = mode
        self.normalize = normalize
        self.loss_weight = check_loss_weight(loss_weight)
        self.warn_interval = warn_interval
        self.generator = None
        if seed is not None:
            self.generator = torch.Generator().manual_seed(seed)
        #: Samples seen, and those that got no negative (no other class
        #: in their batch, or an unknown label).
        self.num_anchors = 0
        self.num_without_negative = 0
        #: The last draw: int64 [N, num_negatives], batch indices, -1 = none.
        self.last_negatives: Optional[torch.Tensor] = None
        self._next_warning = 1

    @property
    def noise_constant(self) -> Optional[float]:
        """``M = num_negatives / num_data`` (None without ``num_data``, or
        while ``num_data='train_set'`` waits for the training set)."""
        if self.num_data is None:
            return None
        return self.num_negatives / self.num_data

    def forward(self, feat_s: torch.Tensor, feat_t: torch.Tensor, *,
                labels: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            feat_s (torch.Tensor): The student's embedded feature
                ``E_F(V)``, ``[N, D]`` (``[N, C, ...]`` is flattened).
            feat_t (torch.Tensor): The teacher's feature ``T_F(P)`` of the
                same shape.
            labels (torch.Tensor): Class indices, int ``[N]`` (or
                ``[N, 1]``); negative = unknown.

        Returns:
            torch.Tensor: A scalar to minimise: ``-loss_weight * L_SCD``
            (``mode='paper'``) or ``loss_weight`` times the mean binary
            cross-entropy (``mode='code'``).
        """
        if self.mode == 'paper':
            self._require_num_data()
        check_same_shape('feat_s', feat_s, 'feat_t', feat_t)
        # [N, C, ...] -> [N, D]
        feat_s = flatten_per_sample(feat_s)
        feat_t = flatten_per_sample(feat_t)
        num = feat_s.size(0)
        labels = _check_labels(labels, num)
        if self.normalize:
            feat_s = F.normalize(feat_s, dim=1)
            feat_t = F.normalize(feat_t, dim=1)

        negatives = draw_other_class_negatives(labels, self.num_negatives,
                                               self.generator)
        self.last_negatives = negatives
        has_neg = negatives[:, 0] >= 0
        self._count(int((~has_neg).sum()), num)

        # [N]: s_ii = E_F(V_i) . T_F(P_i)
        pos = (feat_s * feat_t).sum(dim=1)
        # [N', K]: s_ij = E_F(V_i) . T_F(P_j) for the anchors with negatives
        rows = has_neg.nonzero().squeeze(1).to(feat_s.device)
        neg_idx = negatives[has_neg].to(feat_s.device)
        neg = torch.einsum('nd,nkd->nk', feat_s[rows], feat_t[neg_idx])

        if self.mode == 'paper':
            log_m = math.log(self.noise_constant)
            # log h = logsigmoid(s - log M); log(1 - h) = logsigmoid(log M - s)
            l_scd = (F.logsigmoid(pos - log_m).sum() +
                     F.logsigmoid(log_m - neg).sum()) / num
            return -self.loss_weight * l_scd
        logits = torch.cat([pos.exp(), neg.exp().flatten()])
        targets = torch.cat([pos.new_ones(num), neg.new_zeros(neg.numel())])
        return self.loss_weight * F.binary_cross_entropy_with_logits(
            logits, targets)

    def _count(self, missing: int, total: int) -> None:
        self.num_anchors += total
        if not missing:
            return
        self.num_without_negative += missing
        if self.num_without_negative >= self._next_warning:
            print_log(
                f'SCDLoss: {missing} of {total} samples in this batch have '
                'no sample of another class (or no known label) to contrast '
                'with, so they get no negative term; '
                f'{self.num_without_negative} of {self.num_anchors} so far. '
                'Use larger batches or a sampler that mixes classes.',
                logger='current',
                level=logging.WARNING)
            self._next_warning = (
                self.num_without_negative + self.warn_interval)


def _check_positive_int(name: str, value) -> None:
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or value < 1):
        raise ValueError(
            f'SCDLoss: {name} must be a positive int, got {value!r}')


def _check_labels(labels, num: int) -> torch.Tensor:
    """``labels`` as int ``[N]``, or a clear error."""
    if not isinstance(labels, torch.Tensor):
        raise ValueError('SCDLoss: labels must be a tensor of class indices '
                         f'[N], got {type(labels).__name__}')
    if labels.dim() == 2 and labels.size(1) == 1:
        labels = labels.squeeze(1)
    if labels.dim() != 1 or labels.numel() != num:
        raise ValueError(
            f'SCDLoss: labels must be [N] = [{num}] (one class index per '
            f'sample), got shape {tuple(labels.shape)}')
    if labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError('SCDLoss: labels must be integer class indices, '
                         f'got dtype {labels.dtype}')
    return labels
