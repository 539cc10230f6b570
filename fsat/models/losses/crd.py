# Copyright (c) fsat contributors. All rights reserved.
"""Contrastive representation distillation (CRD), Tian et al., ICLR 2020.

The baseline of VPN++'s Table 1. mmaction2, MMEngine and MMCV have no
contrastive distillation loss; MMRazor's ``CRDLoss`` splits the method over
a connector and a loss and ignores its ``loss_weight``. Here the two
embeddings and the two memory banks live in the loss module, so one
``distill_losses`` entry is the whole method and the banks are saved in
checkpoints (they are buffers).
"""
import math
import numbers
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from .train_set import TrainSetSizedMixin
from .utils import check_loss_weight, flatten_per_sample

__all__ = ['CRDLoss']


@MODELS.register_module()
class CRDLoss(TrainSetSizedMixin, nn.Module):
    """Contrastive representation distillation with memory banks.

    **Embeddings.** ``g_S(s) = normalize(W_S s + b_S)`` and
    ``g_T(t) = normalize(W_T t + b_T)``: a linear layer per side
    (``student_channels`` / ``teacher_channels`` -> ``feat_dim``) then unit
    L2 norm, both trained with the student.

    **Banks.** ``memory_s`` and ``memory_t``, ``[num_data, feat_dim]``
    buffers holding one embedding per training sample, addressed by the
    sample's index in the dataset (``indices``). They start uniform in
    ``[-a, a]``, ``a = 1 / sqrt(feat_dim / 3)`` (rows of expected unit
    norm, as in the reference code), and after every training-mode
    forward the rows of the batch become
    ``normalize(momentum * row + (1 - momentum) * g(x))`` (no gradient).
    A module in eval mode leaves them unchanged.

    **num_data='train_set'** sizes the banks from ``len()`` of the training
    set when training starts: :class:`fsat.engine.TrainSetSizeHook` (which
    ``tools/train.py`` registers) allocates them in ``before_run``, before
    a resumed run's checkpoint is loaded, in place (a DDP wrapper built
    earlier still broadcasts them). Until then they are empty
    (``[0, feat_dim]``): the model builds, and loading a checkpoint takes
    its banks' size (testing a distiller checkpoint, exporting its
    student); a forward without a size fails with a one-line error. An
    explicit integer must equal the size of the training set a run
    trains on (checked by the same hook).

    **Critic and loss** (the paper's NCE form). For an anchor ``u`` (a
    student embedding) and a bank entry ``w`` (from the teacher's bank)::

        h(u, w) = exp(u.w / T) / (exp(u.w / T) + M) = sigmoid(u.w / T - log M)
        M       = num_negatives / num_data
        L_S     = -1/N sum_i [ log h(u_i, w_i) + sum_{k} log(1 - h(u_i, w_k)) ]

    ``w_i`` is the positive (the same sample; ``positive='bank'``: the
    teacher bank's row ``indices[i]``, read before the update, as in the
    reference code; ``positive='batch'``: this step's teacher embedding
    ``g_T(t_i)``), ``w_k`` the ``num_negatives`` negatives, bank rows drawn
    uniformly with replacement among all rows but ``indices[i]`` (the same
    draw for both directions). ``L_T`` is the same with a teacher anchor
    against the student's bank. The returned value is
    ``loss_weight * (L_S + L_T)``.

    **Normaliser** (``normalizer``). ``'paper'``, the default, is the
    critic above: the one the paper defines and derives its bound on the
    mutual information with, so a run with the default is the method as
    published. ``'code'`` is the form of the authors' public code, which
    also divides ``exp(u.w / T)`` by a constant ``Z``, one per direction::

        h(u, w) = (exp(u.w / T) / Z) / (exp(u.w / T) / Z + M)
                = sigmoid(u.w / T - log Z - log M)
        Z       = num_data * mean(exp(u.w / T))

    the mean running over the scores of the positives and the negatives of
    the first training-mode batch (no gradient). ``Z_S`` (student anchors
    against the teacher's bank, in ``L_S``) and ``Z_T`` (teacher anchors
    against the student's bank, in ``L_T``) are then kept fixed; the
    buffers ``log_z_s`` and ``log_z_t`` hold ``log Z`` (a log, computed
    with logsumexp, so that a small ``T`` cannot overflow it) and are saved
    in checkpoints, so a resumed run keeps them. NaN means not estimated
    yet: a checkpoint without them (one saved before the option existed,
    or by a ``'paper'`` loss) loads, and the next training-mode forward
    estimates them. A module in eval mode that has no estimate yet uses
    the current batch's, without storing it. A ``'paper'`` loss has no
    such buffers (its checkpoints are unchanged).

    **Data parallel.** Each process updates its own banks with its own
    batch; DDP's default ``broadcast_buffers=True`` then copies rank 0's
    banks to the others at the next forward, so only rank 0's updates
    survive. Single-process training is exact. The same holds for
    ``normalizer='code'``'s constants: every process estimates its own on
    its first batch, and from the second step on all use rank 0's.

    Args:
        student_channels (int): Channels of the student's feature.
        teacher_channels (int): Channels of the teacher's feature.
        num_data (int | str): Size of the training set (rows of each
            bank, and the ``M`` constant), or ``'train_set'`` to read it
            from the training set; every ``indices`` value must be below
            it.
        feat_dim (int): Embedding size. Defaults to 128.
        num_negatives (int): Negatives per anchor (``K``). Defaults to
            16384, the paper's.
        temperature (float): ``T``. Defaults to 0.07.
        momentum (float): Bank momentum in ``[0, 1)``. Defaults to 0.5.
        positive (str): ``'bank'`` or ``'batch'``. Defaults to ``'bank'``.
        loss_weight (float): Multiplier of the loss (applied, unlike
            MMRazor's). Defaults to 1.0.
        normalizer (str): ``'paper'`` (the paper's critic) or ``'code'``
            (the reference code's, with the constants ``Z`` estimated on
            the first training batch). Defaults to ``'paper'``.
        seed (int, optional): Seed of a private generator for the draw of
            negatives; None uses torch's global generator. Defaults to None.
    """

    # features of two sizes and indices [N] differ in shape by design.
    same_size_inputs = False
    train_set_sized_buffers = ('memory_s', 'memory_t')
    #: ``log Z_S`` and ``log Z_T`` of ``normalizer='code'``.
    normalizer_buffers = ('log_z_s', 'log_z_t')

    def __init__(self,
                 student_channels: int,
                 teacher_channels: int,
                 num_data: Union[int, str],
                 feat_dim: int = 128,
                 num_negatives: int = 16384,
                 temperature: float = 0.07,
                 momentum: float = 0.5,
                 positive: str = 'bank',
                 loss_weight: float = 1.0,
                 seed: Optional[int] = None,
                 normalizer: str = 'paper') -> None:
        super().__init__()
        for name, value in (('student_channels', student_channels),
                            ('teacher_channels', teacher_channels),
                            ('feat_dim', feat_dim),
                            ('num_negatives', num_negatives)):
            if (isinstance(value, bool)
                    or not isinstance(value, numbers.Integral) or value < 1):
                raise ValueError(
                    f'CRDLoss: {name} must be a positive int, got {value!r}')
        # at least 2: the negatives are other samples
        self._init_num_data(num_data, minimum=2)
        if not (isinstance(temperature, numbers.Real)
                and not isinstance(temperature, bool)
                and math.isfinite(temperature) and temperature > 0):
            raise ValueError('CRDLoss: temperature must be a positive '
                             f'number, got {temperature!r}')
        if not (isinstance(momentum, numbers.Real)
                and not isinstance(momentum, bool) and 0 <= momentum < 1):
            raise ValueError(
                f'CRDLoss: momentum must be in [0, 1), got {momentum!r}')
        if positive not in ('bank', 'batch'):
            raise ValueError("CRDLoss: positive must be 'bank' or 'batch', "
                             f'got {positive!r}')
        if normalizer not in ('paper', 'code'):
            raise ValueError("CRDLoss: normalizer must be 'paper' or 'code', "
                             f'got {normalizer!r}')
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int)):
            raise ValueError(f'CRDLoss: seed must be an int, got {seed!r}')
        self.feat_dim = feat_dim
        self.num_negatives = num_negatives
        self.temperature = float(temperature)
        self.momentum = float(momentum)
        self.positive = positive
        self.normalizer = normalizer
        self.loss_weight = check_loss_weight(loss_weight)
        self.generator = None
        if seed is not None:
            self.generator = torch.Generator().manual_seed(seed)
        self.embed_s = nn.Linear(student_channels, feat_dim)
        self.embed_t = nn.Linear(teacher_channels, feat_dim)
        for name in self.train_set_sized_buffers:
            self.register_buffer(name, self._new_bank(self.num_data or 0))
        if normalizer == 'code':
            # log Z per direction; NaN: not estimated yet
            for name in self.normalizer_buffers:
                self.register_buffer(name, torch.tensor(float('nan')))
        #: The last draw: int64 [N, num_negatives], bank rows.
        self.last_negatives: Optional[torch.Tensor] = None

    @property
    def noise_constant(self) -> Optional[float]:
        """``M = num_negatives / num_data`` (None while
        ``num_data='train_set'`` waits for the training set)."""
        if self.num_data is None:
            return None
        return self.num_negatives / self.num_data

    def _new_bank(self, rows: int) -> torch.Tensor:
        """``[rows, feat_dim]`` uniform in ``[-a, a]``,
        ``a = 1 / sqrt(feat_dim / 3)``."""
        bound = 1 / math.sqrt(self.feat_dim / 3)
        return torch.rand(rows, self.feat_dim) * (2 * bound) - bound

    def _on_num_data(self, num_data: int) -> None:
        """Allocate the banks in place, so that references to them (a DDP
        wrapper's list of buffers) stay valid."""
        for name in self.train_set_sized_buffers:
            bank = getattr(self, name)
            new = self._new_bank(num_data).to(bank)
            bank.resize_(new.shape).copy_(new)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """While ``num_data='train_set'`` is pending, take the size of the
        checkpoint's banks (a test run, or an export, of a trained
        distiller); a size fixed by the config or the training set is
        compared as usual. With ``normalizer='code'``, a checkpoint without
        the constants ``log Z`` loads as not estimated (NaN)."""
        if self.normalizer == 'code':
            for name in self.normalizer_buffers:
                if prefix + name not in state_dict:
                    state_dict[prefix + name] = torch.full_like(
                        getattr(self, name), float('nan'))
        if self.num_data_pending:
            rows = {
                tuple(state_dict[prefix + name].shape)
                for name in self.train_set_sized_buffers
                if prefix + name in state_dict
            }
            if len(rows) == 1:
                shape = rows.pop()
                if (len(shape) == 2 and shape[1] == self.feat_dim
                        and shape[0] >= 2):
                    self._take_num_data(shape[0], 'a loaded checkpoint')
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def draw_negatives(self, indices: torch.Tensor) -> torch.Tensor:
        """``num_negatives`` bank rows per sample, none its own.

        Args:
            indices (torch.Tensor): Dataset indices, int64 ``[N]``.

        Returns:
            torch.Tensor: int64 ``[N, num_negatives]`` on ``indices``'
            device.
        """
        num_data = self._require_num_data()
        own = indices.detach().cpu()
        # uniform over the num_data - 1 other rows: skip over the own index
        draw = torch.randint(
            0,
            num_data - 1, (own.numel(), self.num_negatives),
            generator=self.generator)
        draw += (draw >= own[:, None]).long()
        return draw.to(indices.device)

    def forward(self, feat_s: torch.Tensor, feat_t: torch.Tensor, *,
                indices: torch.Tensor) -> torch.Tensor:
        """Compute the loss (and, in training mode, update the banks).

        Args:
            feat_s (torch.Tensor): Student feature, ``[N, student_channels]``
                (``[N, C, ...]`` is flattened).
            feat_t (torch.Tensor): Teacher feature, ``[N, teacher_channels]``.
            indices (torch.Tensor): Each sample's index in the training set,
                int ``[N]`` in ``[0, num_data)``.

        Returns:
            torch.Tensor: ``loss_weight * (L_S + L_T)``, a scalar.
        """
        self._require_num_data()
        # [N, C, ...] -> [N, C']
        feat_s = flatten_per_sample(feat_s)
        feat_t = flatten_per_sample(feat_t)
        for name, x, layer in (('feat_s', feat_s, self.embed_s),
                               ('feat_t', feat_t, self.embed_t)):
            if x.size(1) != layer.in_features:
                raise ValueError(
                    f'CRDLoss: {name} has {x.size(1)} channels per sample '
                    f'but the loss was built for {layer.in_features} '
                    f'(shape {tuple(x.shape)})')
        if feat_s.size(0) != feat_t.size(0):
            raise ValueError('CRDLoss: feat_s and feat_t must hold the same '
                             f'samples, got {feat_s.size(0)} and '
                             f'{feat_t.size(0)}')
        indices = self._check_indices(indices, feat_s.size(0))
        indices = indices.to(self.memory_s.device)

        # [N, C'] -> [N, feat_dim], unit norm
        emb_s = F.normalize(self.embed_s(feat_s), dim=1)
        emb_t = F.normalize(self.embed_t(feat_t), dim=1)
        negatives = self.draw_negatives(indices)
        self.last_negatives = negatives
        log_m = math.log(self.noise_constant)
        losses = []
        for anchor, memory, other, log_z in (
                (emb_s, self.memory_t, emb_t, 'log_z_s'),
                (emb_t, self.memory_s, emb_s, 'log_z_t')):
            score_pos, score_neg = self._scores(anchor, memory, indices,
                                                negatives, other)
            offset = log_m
            if self.normalizer == 'code':
                offset = offset + self._log_normalizer(
                    log_z, score_pos, score_neg)
            losses.append(self._nce(score_pos, score_neg, offset))
        loss_s, loss_t = losses
        if self.training:
            self._update(self.memory_s, indices, emb_s)
            self._update(self.memory_t, indices, emb_t)
        return self.loss_weight * (loss_s + loss_t)

    def _scores(self, anchor: torch.Tensor, memory: torch.Tensor,
                indices: torch.Tensor, negatives: torch.Tensor,
                other: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """One direction's scores ``u.w / T``: anchors ``[N, F]`` against
        the other side's bank; ``[N]`` positives and ``[N, K]`` negatives.
        """
        pos = memory[indices] if self.positive == 'bank' else other
        score_pos = (anchor * pos).sum(dim=1) / self.temperature
        score_neg = torch.einsum('nf,nkf->nk', anchor,
                                 memory[negatives]) / self.temperature
        return score_pos, score_neg

    @staticmethod
    def _nce(score_pos: torch.Tensor, score_neg: torch.Tensor,
             offset: Union[float, torch.Tensor]) -> torch.Tensor:
        """``-1/N sum_i [log h(pos_i) + sum_k log(1 - h(neg_ik))]`` with
        logits ``score - offset`` (``offset = log M``, plus ``log Z``)."""
        logit_pos = score_pos - offset
        logit_neg = score_neg - offset
        # log h = logsigmoid(logit); log(1 - h) = logsigmoid(-logit)
        return -(F.logsigmoid(logit_pos).sum() +
                 F.logsigmoid(-logit_neg).sum()) / score_pos.size(0)

    @torch.no_grad()
    def estimate_log_normalizer(self, score_pos: torch.Tensor,
                                score_neg: torch.Tensor) -> torch.Tensor:
        """``log Z = log(num_data * mean(exp(score)))`` over one batch's
        positive and negative scores, by logsumexp.

        Args:
            score_pos (torch.Tensor): ``u.w / T`` of the positives, ``[N]``.
            score_neg (torch.Tensor): ``u.w / T`` of the negatives,
                ``[N, K]``.

        Returns:
            torch.Tensor: ``log Z``, a float32 scalar.
        """
        scores = torch.cat([score_pos[:, None], score_neg], dim=1).float()
        return (torch.logsumexp(scores.flatten(), dim=0) -
                math.log(scores.numel()) + math.log(self.num_data))

    def _log_normalizer(self, name: str, score_pos: torch.Tensor,
                        score_neg: torch.Tensor) -> torch.Tensor:
        """The stored ``log Z`` of buffer ``name``; without one, this
        batch's estimate, stored in training mode."""
        stored = getattr(self, name)
        if not torch.isnan(stored):
            return stored
        if score_pos.numel() == 0:
            # an empty batch has no scores to estimate from (and no loss)
            return torch.zeros_like(stored)
        estimate = self.estimate_log_normalizer(score_pos, score_neg)
        if self.training:
            stored.copy_(estimate)
        return estimate

    @torch.no_grad()
    def _update(self, memory: torch.Tensor, indices: torch.Tensor,
                emb: torch.Tensor) -> None:
        rows = memory[indices] * self.momentum + emb.detach() * (
            1 - self.momentum)
        memory[indices] = F.normalize(rows, dim=1)

    def _check_indices(self, indices, num: int) -> torch.Tensor:
        """``indices`` as int64 ``[N]`` in range, or a clear error."""
        if not isinstance(indices, torch.Tensor):
            raise ValueError('CRDLoss: indices must be a tensor of dataset '
                             f'indices [N], got {type(indices).__name__}')
        if indices.dim() == 2 and indices.size(1) == 1:
            indices = indices.squeeze(1)
        if indices.dim() != 1 or indices.numel() != num:
            raise ValueError(
                f'CRDLoss: indices must be [N] = [{num}] (one dataset index '
                f'per sample), got shape {tuple(indices.shape)}')
        if indices.dtype.is_floating_point or indices.dtype == torch.bool:
            raise ValueError('CRDLoss: indices must be integers, got dtype '
                             f'{indices.dtype}')
        if num and (int(indices.min()) < 0
                    or int(indices.max()) >= self.num_data):
            raise ValueError(
                f'CRDLoss: indices must lie in [0, num_data={self.num_data}),'
                f' got values from {int(indices.min())} to '
                f'{int(indices.max())}; set num_data to the size of the '
                'training set')
        return indices.long()
