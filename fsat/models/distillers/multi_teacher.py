# Copyright (c) fsat contributors. All rights reserved.
"""A distiller written entirely in its config: any teachers, any losses.

VPN++ (Das et al.) combines a frozen pose teacher (VPN-F) and a
collaborative, trainable VPN* teacher (VPN-A) with the student's own
cross-entropy; its ablations swap the feature loss (MSE, CRD, SCD) or
freeze the attention teacher. Each of these is a set of teachers, taps,
connectors and losses, so one class runs them all from their configs::

    loss = student.loss_cls                      (with_student_loss)
         + <teacher>.loss_cls * loss_weight      (teachers with with_loss)
         + distill.<name> for every distill_losses entry

Teachers are run online (frozen: no grad, eval mode; trainable: train
mode, their own loss when ``with_loss``), or, with ``cached=True``, read
from an on-disk cache of their pooled features filled once by
:class:`~fsat.engine.TeacherFeatureCacheHook` (``teacher=<name>``), so a
frozen teacher costs nothing per step. mmaction2 and MMEngine have no
distiller; MMRazor's configurable distiller has no trainable teachers,
per-teacher modalities or data features, hence this class.
"""
from typing import Any, Dict, List, Optional

import torch

from fsat.models.utils.clips import get_clip_counts
from fsat.registry import MODELS

from .base import STUDENT, BaseDistiller
from .feature_supervised import pool

__all__ = ['MultiTeacherDistiller', 'pool']


@MODELS.register_module()
class MultiTeacherDistiller(BaseDistiller):
    """Student + any number of frozen, cached or trainable teachers.

    Every step runs the student (with its supervised loss when
    ``with_student_loss``), every online teacher (a trainable one with
    ``with_loss`` adds its own supervised loss, ``<name>.loss_cls``), looks
    up the cached teachers' features, and computes every
    ``distill_losses`` entry. Losses may name the built-in data features
    ``data.labels`` and ``data.indices`` (see
    :meth:`BaseDistiller.data_features`).

    **Cached teachers** (``cached=True``, frozen only). The cache holds,
    for every training video, the teacher's tapped features pooled over
    every axis after the channels and concatenated in tap order, one row
    per clip of the cache's view of the video (e.g. a pose teacher reading
    the whole skeleton sequence: one row). The feature of a sample is the
    mean of its video's rows, split back into taps (so ``<name>.<tap>`` is
    ``[N, C]``) and repeated once per student clip. With several taps,
    every tap but one must declare its channels (``dim=`` or a layer that
    has them).

    Args:
        with_student_loss (bool): Add the student's own supervised losses
            (``student.loss_cls``). Defaults to True.
        **kwargs: The arguments of :class:`BaseDistiller`; each teacher
            takes ``model``/``config``, ``modality`` (a name or a tuple
            of names), ``checkpoint``, ``trainable``, ``with_loss``,
            ``loss_weight``, ``distill_grad`` and ``cached``.
    """

    def __init__(self, with_student_loss: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_student_loss = with_student_loss
        self._caches: Dict[str, Any] = {}

    # ------------------------------------------------------------ caches
    @property
    def cached_teachers(self) -> List[str]:
        """Names of the teachers read from a feature cache."""
        return [n for n, s in self.teacher_specs.items() if s.cached]

    def _check_cached(self, teacher: Optional[str]) -> str:
        cached = self.cached_teachers
        if teacher is None:
            if len(cached) != 1:
                raise ValueError(
                    'name the cached teacher (teacher=...); cached teachers: '
                    f'{", ".join(cached) or "none"}')
            return cached[0]
        if teacher not in self.teacher_specs:
            raise KeyError(f'no teacher {teacher!r} (teachers: '
                           f'{", ".join(self.teacher_specs)})')
        spec = self.teacher_specs[teacher]
        if spec.trainable:
            raise ValueError(
                f'teacher {teacher!r} is trainable: its features change at '
                'every step, so they cannot be cached; remove the '
                'TeacherFeatureCacheHook for it')
        if not spec.cached:
            raise ValueError(
                f'teacher {teacher!r} is not cached: set '
                f'teachers.{teacher}.cached=True to read its features from '
                'the cache')
        return teacher

    def set_teacher_cache(self, cache, teacher: Optional[str] = None) -> None:
        """Attach a :class:`~fsat.engine.feature_cache.FeatureCache` of
        teacher ``teacher`` (the only cached one when None)."""
        self._caches[self._check_cached(teacher)] = cache

    @torch.no_grad()
    def teacher_clip_features(self,
                              inputs,
                              teacher: Optional[str] = None) -> torch.Tensor:
        """What the cache stores: the teacher's taps, pooled and
        concatenated, one row per clip, ``[K, D]``."""
        name = self._check_cached(teacher)
        feats = self.run_teacher(name, inputs)
        return torch.cat([
            pool(feats[f'{name}.{tap}'])
            for tap in self.tap_managers[name]
        ], dim=1)

    def _cached_features(self, name: str, data_samples,
                         rows: Optional[int]) -> Dict[str, torch.Tensor]:
        cache = self._caches.get(name)
        if cache is None:
            raise RuntimeError(
                f'teacher {name!r} is cached but no feature cache is '
                "attached: add dict(type='TeacherFeatureCacheHook', "
                f"teacher='{name}', dataset=...) to custom_hooks")
        device = next(self.student.parameters()).device
        videos = torch.stack([
            torch.from_numpy(cache.clips(s.metainfo['video_id'])).mean(0)
            for s in data_samples
        ]).to(device)
        if rows is not None and rows != len(data_samples):
            counts = get_clip_counts(data_samples, self.student_modality
                                     or '', rows)
            videos = videos.repeat_interleave(
                torch.tensor(counts, device=device), dim=0)
        taps = list(self.tap_managers[name])
        dims = [self._feature_dims.get(f'{name}.{tap}') for tap in taps]
        if len(taps) == 1:
            dims = [videos.shape[1]]
        elif dims.count(None) == 1:
            dims[dims.index(None)] = videos.shape[1] - sum(
                d for d in dims if d is not None)
        elif None in dims:
            raise ValueError(
                f'teacher {name!r}: declare the channels (dim=) of its '
                'taps to split its cached features')
        parts = torch.split(videos, dims, dim=1)
        return {f'{name}.{tap}': part for tap, part in zip(taps, parts)}

    # -------------------------------------------------------------- loss
    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        """Student, teacher and distillation losses of one batch."""
        losses, features = self.run_student(
            inputs, data_samples, with_loss=self.with_student_loss)
        rows = next((v.shape[0] for k, v in features.items()
                     if k.startswith(f'{STUDENT}.')
                     and isinstance(v, torch.Tensor)), None)
        for name, spec in self.teacher_specs.items():
            if spec.cached:
                features.update(
                    self._cached_features(name, data_samples, rows))
            elif spec.with_loss:
                teacher_losses, feats = self.run_teacher_with_loss(
                    name, inputs, data_samples)
                losses.update(teacher_losses)
                features.update(feats)
            else:
                features.update(self.run_teacher(name, inputs))
        losses.update(self.compute_distill_losses(features, data_samples))
        return losses
