# Copyright (c) fsat contributors. All rights reserved.
"""FSAT: feature-supervised action modality transfer (Thoker & Snoek).

A frozen RGB/flow teacher supervises a depth or skeleton student through
unlabeled pairs by pulling the student's pre-classifier feature to the
teacher's (paper §III-B)::

    student clip ─► student ─► pooled feature ─► [connector] ─┐
                                                             ├─► CosDist
    teacher video: N clips ─► teacher ─► pooled ─► mean (v2c) ┘
                                     └─► the student clip's slot (c2c)

``granularity``:

* ``'clip'`` (c2c): target = the teacher's feature of the paired clip;
* ``'video'`` (v2c; v2v for a whole-sequence skeleton student): target =
  mean of the teacher's features over the N = ⌊T/16⌋ non-overlapping
  clips of the video (paper eq. 3);
* ``'video+clip'``: the sum of both losses (best in the paper's Table III).

Teacher features come ``'online'`` (the batch carries the teacher
modality sampled in ``'video'`` mode: all N clips of each video; the clip
target is clip ``clip_slot`` of them) or from a ``'cache'`` of the same
features built once by :class:`~fsat.engine.TeacherFeatureCacheHook`
(looked up by ``video_id`` and ``clip_slot``). Both modes compute the same
targets for the same view. With ``clip_align='grid'`` in the dataset the
student's clip is exactly its slot's span.

``stages`` adds the "which layers" ablation: each pair ``(student path,
teacher path)`` matches globally pooled stage outputs with the same loss
(a linear connector is added when their widths differ).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from fsat.models.utils.clips import get_clip_counts, split_per_sample
from fsat.registry import MODELS

from .base import BaseDistiller
from .modalities import default_preprocessor
from .teacher import parse_teachers, resolve_teacher_model

GRANULARITIES = ('clip', 'video', 'video+clip')
TEACHER_SOURCES = ('online', 'cache')
TEACHER = 'teacher'


def pool(x: torch.Tensor) -> torch.Tensor:
    """Global average over every axis after the channels: [N, C, ...] ->
    [N, C]."""
    return x.flatten(2).mean(-1) if x.dim() > 2 else x


def _check_teacher_name(teacher: str) -> None:
    if teacher != TEACHER:
        raise ValueError(f'FeatureSupervisedDistiller has one teacher, '
                         f'named {TEACHER!r}, not {teacher!r}')


def _with_head_dim(tap, model: dict) -> dict:
    """Declare the channels of a tap inside the head (the head's
    ``in_channels``), so feature sizes are checked when the model is built.
    """
    tap = dict(path=tap) if isinstance(tap, str) else dict(tap)
    head = model.get('cls_head') or {}
    if (tap.get('dim') is None and tap['path'].startswith('cls_head.')
            and 'in_channels' in head):
        tap['dim'] = head['in_channels']
    return tap


@MODELS.register_module()
class FeatureSupervisedDistiller(BaseDistiller):
    """The FSAT transfer step (no labels needed).

    Args:
        student (dict): Student recognizer config (e.g. 3D-ResNet-18 on
            depth, ST-GCN on skeletons).
        teacher (dict): ``dict(model=<recognizer config>, modality=...,
            checkpoint=...)``, or ``config=<the teacher's training config>``
            instead of ``model``; frozen. In ``'online'`` mode ``modality``
            names a batch input holding *all* N clips of each video.
        granularity (str): ``'clip'``, ``'video'`` or ``'video+clip'``.
            Defaults to ``'video+clip'``.
        loss (dict): Feature loss, used for every term. Defaults to
            ``dict(type='CosineDistanceLoss')``; ``FeatureMSELoss`` is the
            paper's ablation.
        student_feature (str | dict): Tap of the student's pre-classifier
            feature. Defaults to the output of ``cls_head.avg_pool``
            (mmaction2's I3DHead pools there, before dropout).
        teacher_feature (str | dict): Tap of the teacher's. Same default.
        connector (dict, optional): Maps the student feature to the
            teacher's size when they differ, e.g. ``dict(type=
            'LinearConnector', in_channels=256, out_channels=512)``.
        stages (Sequence[tuple], optional): ``(student_path,
            teacher_path)`` pairs of stage outputs also matched (pooled).
        stage_dims (Sequence[tuple], optional): ``(student_channels,
            teacher_channels)`` of each pair, to add a linear connector
            where they differ.
        teacher_source (str): ``'online'`` or ``'cache'``.
            Defaults to ``'online'``.
        student_modality (str): The student's batch input.
            Defaults to ``'depth'``.
        freeze_student (Sequence[str]): Student parts without a gradient
            in transfer. Defaults to ``('cls_head', )``: the classifier is
            never used without labels.
        data_preprocessor (dict, optional): See :class:`BaseDistiller`.
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 granularity: str = 'video+clip',
                 loss: dict = dict(type='CosineDistanceLoss'),
                 student_feature=dict(path='cls_head.avg_pool'),
                 teacher_feature=dict(path='cls_head.avg_pool'),
                 connector: Optional[dict] = None,
                 stages: Sequence[Tuple[str, str]] = (),
                 stage_dims: Optional[Sequence[Tuple[int, int]]] = None,
                 teacher_source: str = 'online',
                 student_modality: str = 'depth',
                 freeze_student: Sequence[str] = ('cls_head', ),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f'granularity must be one of {GRANULARITIES}, '
                             f'got {granularity!r}')
        if teacher_source not in TEACHER_SOURCES:
            raise ValueError(f'teacher_source must be one of '
                             f'{TEACHER_SOURCES}, got {teacher_source!r}')
        if stage_dims is not None and len(stage_dims) != len(stages):
            raise ValueError(f'stage_dims has {len(stage_dims)} entries for '
                             f'{len(stages)} stages')
        teacher = resolve_teacher_model('teacher', teacher)
        extra = sorted({'trainable', 'with_loss', 'cached', 'distill_grad',
                        'loss_weight'} & set(teacher))
        if extra:
            raise ValueError(
                f'FeatureSupervisedDistiller: teacher takes model/config, '
                f'modality and checkpoint, not {", ".join(extra)} (its '
                "teacher is frozen; teacher_source='cache' caches it)")
        self.granularity = granularity
        self.teacher_source = teacher_source
        self.levels = granularity.split('+')  # 'video', 'clip'
        # target names in the order their features are concatenated
        self.target_taps: List[str] = ['feat'] + [
            f'stage{i}' for i in range(len(stages))
        ]
        taps = dict(
            student=dict(feat=_with_head_dim(student_feature, student)),
            teacher=dict(
                feat=_with_head_dim(teacher_feature, teacher['model'])))
        connectors = {}
        if connector is not None:
            connectors['proj'] = connector
        for i, (s_path, t_path) in enumerate(stages):
            taps['student'][f'stage{i}'] = dict(path=s_path, source='output')
            taps['teacher'][f'stage{i}'] = dict(path=t_path, source='output')
            if stage_dims is not None and stage_dims[i][0] != stage_dims[i][1]:
                connectors[f'proj_stage{i}'] = dict(
                    type='LinearConnector',
                    in_channels=stage_dims[i][0],
                    out_channels=stage_dims[i][1])
        distill_losses, derived = {}, {}
        for tap in self.target_taps:
            proj = 'proj' if tap == 'feat' else f'proj_{tap}'
            feat_s = (dict(feature=f'student.{tap}', connector=proj)
                      if proj in connectors else f'student.{tap}')
            for level in self.levels:
                target = f'teacher.{tap}_{level}'
                derived[target] = f'teacher.{tap}'
                name = ('loss' if tap == 'feat' else f'loss_{tap}') + (
                    f'_{level}')
                distill_losses[name] = dict(
                    loss, inputs=dict(feat_s=feat_s, feat_t=target))
        self._teacher_cache = None
        if teacher_source == 'cache' and data_preprocessor is None:
            # training batches carry no teacher input, and the teacher's
            # view that fills the cache carries no student input
            data_preprocessor = default_preprocessor(
                student, student_modality,
                parse_teachers(dict(teacher=teacher)))
            data_preprocessor['optional'] = [
                teacher.get('modality'), student_modality
            ]
        super().__init__(
            student=student,
            teachers=dict(teacher=teacher),
            distill_losses=distill_losses,
            taps=taps,
            connectors=connectors,
            student_modality=student_modality,
            freeze_student=freeze_student,
            derived_features=derived,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)

    # ----------------------------------------------------------- targets
    @property
    def teacher_modality(self) -> str:
        return self.teacher_specs[TEACHER].modality

    def set_teacher_cache(self, cache, teacher: str = TEACHER) -> None:
        """Attach a :class:`~fsat.engine.feature_cache.FeatureCache` (of
        the one teacher, named ``'teacher'``)."""
        _check_teacher_name(teacher)
        self._teacher_cache = cache

    @torch.no_grad()
    def teacher_clip_features(self, inputs,
                              teacher: str = TEACHER) -> torch.Tensor:
        """Pooled teacher features of every clip in the batch, [K, D].

        ``D`` concatenates the target taps (``feat``, then each stage);
        this is what the cache stores per clip.
        """
        _check_teacher_name(teacher)
        feats = self.run_teacher(TEACHER, inputs)
        return torch.cat(
            [pool(feats[f'teacher.{tap}']) for tap in self.target_taps],
            dim=1)

    def _split_taps(self, rows: torch.Tensor) -> Dict[str, torch.Tensor]:
        """[.., D] concatenated target taps -> tap name -> [.., d]."""
        dims = self._target_dims(rows.shape[-1])
        parts = torch.split(rows, dims, dim=-1)
        return dict(zip(self.target_taps, parts))

    def _target_dims(self, total: int) -> List[int]:
        dims = [self._feature_dims.get(f'teacher.{t}') for t in
                self.target_taps]
        if None in dims:
            known = sum(d for d in dims if d is not None)
            if dims.count(None) != 1:
                raise ValueError('declare the channel sizes of the teacher '
                                 'stages (stage_dims) to use cached targets')
            dims[dims.index(None)] = total - known
        return dims

    def _targets(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        """``teacher.<tap>_<level>`` -> [N, d] for the batch."""
        slots = [int(s.metainfo.get('clip_slot', 0)) for s in data_samples]
        if self.teacher_source == 'online':
            rows = self.teacher_clip_features(inputs)
            counts = get_clip_counts(data_samples, self.teacher_modality,
                                     rows.shape[0])
            per_video = split_per_sample(rows, counts)
        else:
            per_video = self._cached_rows(data_samples)
        videos = torch.stack([v.mean(0) for v in per_video])
        clips = torch.stack([
            v[min(max(slot, 0), len(v) - 1)]
            for v, slot in zip(per_video, slots)
        ])
        targets = {}
        for level, value in (('video', videos), ('clip', clips)):
            if level in self.levels:
                for tap, part in self._split_taps(value).items():
                    targets[f'teacher.{tap}_{level}'] = part
        return targets

    def _cached_rows(self, data_samples) -> List[torch.Tensor]:
        if self._teacher_cache is None:
            raise RuntimeError(
                "teacher_source='cache' but no teacher feature cache is "
                'attached: add dict(type=\'TeacherFeatureCacheHook\', ...) '
                'to custom_hooks')
        device = next(self.student.parameters()).device
        return [
            torch.from_numpy(
                self._teacher_cache.clips(s.metainfo['video_id'])).to(device)
            for s in data_samples
        ]

    # -------------------------------------------------------------- loss
    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        """Distillation losses of one batch (labels are not used)."""
        _, feats = self.run_student(inputs)
        feats = {k: pool(v) for k, v in feats.items()}
        feats.update(self._targets(inputs, data_samples))
        return self.compute_distill_losses(feats)
