# Copyright (c) fsat contributors. All rights reserved.
import logging
from abc import ABCMeta, abstractmethod
from contextlib import nullcontext
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.recognizers import BaseRecognizer
from mmaction.utils import ConfigType, OptConfigType, OptSampleList
from mmengine.logging import print_log
from mmengine.model import BaseModel, ModuleDict

from fsat.models.connectors import build_connector
from fsat.models.errors import ModelConfigError
from fsat.models.taps import Tap, TapManager
from fsat.models.utils.clips import get_clip_counts
from fsat.registry import MODELS
from fsat.utils.cli import did_you_mean

from .modalities import (
    check_modality_mode,
    check_preprocessor_modalities,
    default_preprocessor,
)
from .teacher import TeacherSpec, load_teacher_checkpoint, parse_teachers
from .wiring import (
    LossInput,
    check_same_shapes,
    check_static_sizes,
    parse_loss_inputs,
)

__all__ = ['BaseDistiller', 'sample_labels']

STUDENT = 'student'
Inputs = Union[torch.Tensor, Dict[str, torch.Tensor]]
#: Built-in features read from the batch's data samples (one row per
#: student clip): the class label (``gt_labels``, -1 when unlabeled) and
#: the sample's index in the dataset (``sample_idx``).
DATA_LABELS = 'data.labels'
DATA_INDICES = 'data.indices'
DATA_FEATURES = (DATA_LABELS, DATA_INDICES)


def sample_labels(data_samples: Sequence) -> List[int]:
    """Each sample's class index from its ``gt_labels`` (-1 when it has
    none); a sample with several labels is a clear error."""
    labels = []
    for i, sample in enumerate(data_samples):
        gt = sample.get('gt_labels')
        item = getattr(gt, 'item', None) if gt is not None else None
        if item is None:
            labels.append(-1)
            continue
        value = torch.as_tensor(item).flatten()
        if value.numel() != 1:
            raise ValueError(
                f'data.labels: sample {i} has {value.numel()} '
                'labels; one class index per sample is needed')
        labels.append(int(value[0]))
    return labels


class BaseDistiller(BaseModel, metaclass=ABCMeta):
    """Student + teachers + taps + connectors + losses, checked when built.

    ``forward(inputs, data_samples, mode)`` follows MMEngine: ``'loss'``
    calls :meth:`loss` (the one method a subclass writes), ``'predict'``
    and ``'tensor'`` run the student alone (test time is student only).
    The helpers a subclass's ``loss`` composes::

        losses, feats = self.run_student(inputs, data_samples,
                                         with_loss=True)  # student.loss_cls
        feats.update(self.run_teachers(inputs))  # frozen, no grad
        losses.update(self.compute_distill_losses(feats))  # distill.<name>

    Frozen teachers stay in eval mode (batch norm included) whatever
    ``train()`` is called with, have ``requires_grad=False``, run under
    ``torch.no_grad()`` and are ignored by DDP, which therefore needs no
    ``find_unused_parameters``. The trainable part is ``student`` plus
    ``connectors`` (plus trainable teachers); the student's weights are
    saved under ``student.``. mmaction2 1.1's recognizers take no
    ``init_cfg`` argument (building one with it is a ``TypeError``), so a
    fine-tuning config loads the student in one of two ways:

    * ``custom_hooks=[dict(type='PretrainedWeightsHook', checkpoint=<the
      distiller's checkpoint>, prefix='student.')]``, which is what
      pipelines' ``init_from`` does (classifier shape mismatches are
      skipped and reported);
    * ``load_from=<student.pth>`` after
      ``tools/export_student.py <checkpoint> <student.pth>`` has written
      the student alone, without the prefix (loaded strictly by
      ``tools/test.py`` too).

    Args:
        student (dict): Config of the student model (e.g. a recognizer).
        teachers (dict): Teacher name -> ``dict(model=<config>,
            modality=None, checkpoint=None, trainable=False,
            with_loss=False, loss_weight=1.0, distill_grad=True,
            cached=False)`` (see :class:`TeacherSpec`); ``modality`` may
            name several modalities, e.g. ``('rgb', 'skeleton')``. A
            teacher's checkpoint is loaded strictly when this is built.
        distill_losses (dict): Loss name -> loss config with ``inputs``
            mapping each argument of the loss's ``forward`` to a feature,
            ``'<owner>.<tap>'``, a data feature (``'data.labels'``,
            ``'data.indices'``) or ``dict(feature=..., connector=...)``.
            Names must contain ``'loss'`` (MMEngine sums only those); the
            value is logged as ``distill.<name>``.
        taps (dict, optional): Owner (``'student'`` or a teacher name) ->
            dict tap name -> module path or ``dict(path=..., source=
            'input'|'output', dim=None)``. Defaults to None.
        connectors (dict, optional): Connector name -> config (a list of
            configs chains them). Defaults to None.
        student_modality (str, optional): The input modality of the
            student, e.g. ``'depth'``. None when all models read one
            shared input (same-modality distillation). Defaults to None.
        freeze_student (Sequence[str]): Student module paths to freeze (no
            gradient, eval mode), e.g. ``('cls_head', )`` when a label-free
            transfer never uses the classifier, so that DDP needs no
            ``find_unused_parameters``. Defaults to ().
        derived_features (dict, optional): For subclasses: names of
            features the subclass computes itself (e.g. a video-level
            teacher feature) -> the tapped feature whose channel size it
            has, or None. Losses may name them. Defaults to None.
        data_preprocessor (dict, optional): Defaults to a
            ``PairedDataPreprocessor`` assembled from the models'
            own ``data_preprocessor`` configs, one per modality (or the
            student's own when there are no modalities).
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 student: ConfigType,
                 teachers: Dict[str, ConfigType],
                 distill_losses: Dict[str, ConfigType],
                 taps: Optional[Dict[str, Dict[str, Any]]] = None,
                 connectors: Optional[Dict[str, Any]] = None,
                 student_modality: Optional[str] = None,
                 freeze_student: Sequence[str] = (),
                 derived_features: Optional[Dict[str, Optional[str]]] = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        specs = parse_teachers(teachers)
        check_modality_mode(student_modality, specs)
        if data_preprocessor is None:
            data_preprocessor = default_preprocessor(student,
                                                     student_modality, specs)
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.student_modality = student_modality
        self.teacher_specs = specs
        check_preprocessor_modalities(self.data_preprocessor,
                                      student_modality, specs)

        self.student = MODELS.build(student)
        self.teachers = ModuleDict(
            {name: MODELS.build(spec.model)
             for name, spec in specs.items()})
        for name, spec in specs.items():
            self._setup_teacher(name, spec)
        self._frozen_student = [
            Tap(path).find(self.student) for path in freeze_student
        ]
        for module in self._frozen_student:
            module.requires_grad_(False)

        self.tap_managers = self._build_taps(taps or {})
        self.connectors = ModuleDict({
            name: build_connector(cfg)
            for name, cfg in (connectors or {}).items()
        })
        self._feature_dims = self._collect_feature_dims(derived_features)
        self.distill_losses = nn.ModuleDict()
        self.loss_inputs: Dict[str, Dict[str, LossInput]] = {}
        for name, cfg in distill_losses.items():
            self._add_loss(name, cfg)
        self._warn_unused_connectors()
        # Frozen teachers are neither reduced nor broadcast by DDP.
        self._ddp_params_and_buffers_to_ignore = self._frozen_teacher_names()
        self.train()

    # ----------------------------------------------------------------- API
    def forward(self,
                inputs: Inputs,
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> Any:
        """MMEngine's entry: ``'loss'``, ``'predict'`` or ``'tensor'``.

        Args:
            inputs (Tensor | dict): The preprocessed batch, a dict
                modality -> tensor for multimodal data.
            data_samples (list[ActionDataSample], optional): The samples.
            mode (str): What to return. Defaults to ``'tensor'``.

        Returns:
            dict | list | Tensor: Losses, the student's predictions, or
            the student's raw output.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student(
                self.modality_inputs(inputs, self.student_modality),
                data_samples,
                mode='tensor')
        raise RuntimeError(f'Invalid mode {mode!r}: use loss, predict or '
                           'tensor')

    @abstractmethod
    def loss(self, inputs: Inputs,
             data_samples: OptSampleList) -> Dict[str, torch.Tensor]:
        """The losses of one batch, keys prefixed ``student.``/``distill.``.
        """

    def predict(self, inputs: Inputs, data_samples: OptSampleList) -> list:
        """The student's predictions (teachers play no part at test time)."""
        return self.student(
            self.modality_inputs(inputs, self.student_modality),
            data_samples,
            mode='predict')

    def train(self, mode: bool = True) -> 'BaseDistiller':
        """Set the mode; frozen teachers and frozen student parts stay in
        eval mode, so their batch-norm statistics never change."""
        super().train(mode)
        for name, spec in self.teacher_specs.items():
            if not spec.trainable:
                self.teachers[name].eval()
        for module in self._frozen_student:
            module.eval()
        return self

    # ------------------------------------------------ helpers for loss()
    def modality_inputs(self, inputs: Inputs,
                        modality: Union[None, str, Tuple[str, ...]]) -> Any:
        """The part of the batch a model with ``modality`` reads: the
        tensor of one modality, ``dict(modality -> tensor)`` of several
        (a teacher with ``modality=('rgb', 'skeleton')``), or the whole
        batch when ``modality`` is None."""
        if modality is None:
            return inputs
        names = modality if isinstance(modality, tuple) else (modality, )
        for name in names:
            if not isinstance(inputs, dict) or name not in inputs:
                have = (', '.join(inputs)
                        if isinstance(inputs, dict) else 'none')
                raise KeyError(f'the batch has no {name!r} input (inputs: '
                               f'{have})')
        if isinstance(modality, tuple):
            return {name: inputs[name] for name in names}
        return inputs[modality]

    def run_model(self, model: nn.Module, inputs: torch.Tensor) -> Any:
        """Run ``model`` through every layer its taps may read.

        A recognizer runs backbone, neck and head (``stage='head'``);
        another ``BaseModel`` runs ``mode='tensor'``; a plain module is
        called. Override for other model kinds.
        """
        if isinstance(model, BaseRecognizer):
            return model(inputs, mode='tensor', stage='head')
        if isinstance(model, BaseModel):
            return model(inputs, mode='tensor')
        return model(inputs)

    def run_teacher(self, name: str, inputs: Inputs) -> Dict[str, Any]:
        """Run teacher ``name`` on its modality; its tapped features.

        Returns:
            dict: ``'<name>.<tap>'`` -> tensor (no gradient if frozen, and
            detached if trainable with ``distill_grad=False``).
        """
        teacher, spec = self.teachers[name], self.teacher_specs[name]
        x = self.modality_inputs(inputs, spec.modality)
        grad = nullcontext() if spec.trainable else torch.no_grad()
        with grad, self.tap_managers[name].record(teacher) as records:
            self.run_model(teacher, x)
        return self._teacher_features(name, records)

    def run_teacher_with_loss(
            self, name: str, inputs: Inputs, data_samples: OptSampleList
    ) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
        """Run trainable teacher ``name`` once: its own losses and taps.

        The teacher's ``mode='loss'`` output (e.g. a recognizer's
        ``loss_cls`` and ``top1_acc``) is prefixed with the teacher's name
        and every key containing ``loss`` is multiplied by the teacher's
        ``loss_weight``; MMEngine adds them to the total.

        Args:
            name (str): The teacher (``trainable=True``).
            inputs (Tensor | dict): The batch.
            data_samples (list): The samples (labels).

        Returns:
            tuple[dict, dict]: ``'<name>.<key>'`` losses and
            ``'<name>.<tap>'`` -> tensor.
        """
        teacher, spec = self.teachers[name], self.teacher_specs[name]
        if not spec.trainable:
            raise RuntimeError(f'teacher {name!r} is frozen: it has no '
                               'loss to train (use run_teacher)')
        x = self.modality_inputs(inputs, spec.modality)
        with self.tap_managers[name].record(teacher) as records:
            losses = teacher(x, data_samples, mode='loss')
        losses = {
            k: v * spec.loss_weight if 'loss' in k else v
            for k, v in losses.items()
        }
        return (prefix_keys(name, losses),
                self._teacher_features(name, records))

    def _teacher_features(self, name: str, records) -> Dict[str, Any]:
        features = _named(name, records)
        spec = self.teacher_specs[name]
        if spec.trainable and not spec.distill_grad:
            features = {
                k: v.detach() if isinstance(v, torch.Tensor) else v
                for k, v in features.items()
            }
        return features

    def run_teachers(self, inputs: Inputs) -> Dict[str, Any]:
        """Every teacher's tapped features (see :meth:`run_teacher`)."""
        features = {}
        for name in self.teachers:
            features.update(self.run_teacher(name, inputs))
        return features

    def data_features(self,
                      data_samples: OptSampleList,
                      num_rows: Optional[int] = None) -> Dict[str, Any]:
        """The built-in data features of the batch.

        ``data.labels`` (int64, each sample's ``gt_labels``, -1 when it has
        none) and ``data.indices`` (int64, its ``sample_idx``, the index in
        the dataset). A sample with several student clips repeats its
        values once per clip, so that they line up with the student's
        per-clip rows.

        Args:
            data_samples (list[ActionDataSample]): The batch's samples.
            num_rows (int, optional): Rows of the student's per-clip
                features; None gives one value per sample.

        Returns:
            dict: ``'data.labels'`` and ``'data.indices'`` -> ``[rows]``.
        """
        if not data_samples:
            raise ValueError('data features (data.labels, data.indices) '
                             'need the data samples of the batch')
        labels, indices = sample_labels(data_samples), []
        for sample in data_samples:
            idx = sample.metainfo.get('sample_idx')
            indices.append(-1 if idx is None else int(idx))
        device = _model_device(self.student)
        values = {
            DATA_LABELS: torch.tensor(labels, dtype=torch.long,
                                      device=device),
            DATA_INDICES: torch.tensor(indices, dtype=torch.long,
                                       device=device)
        }
        if num_rows is not None and num_rows != len(data_samples):
            counts = get_clip_counts(
                data_samples, self.student_modality or '', num_rows)
            if sum(counts) != num_rows:
                raise ValueError(
                    f'data features: the student has {num_rows} rows but '
                    f'its clip counts add up to {sum(counts)}')
            repeats = torch.tensor(counts, device=device)
            values = {
                k: v.repeat_interleave(repeats)
                for k, v in values.items()
            }
        return values

    def run_student(
        self,
        inputs: Inputs,
        data_samples: OptSampleList = None,
        with_loss: bool = False
    ) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
        """Run the student once, with its taps.

        Args:
            inputs (Tensor | dict): The batch.
            data_samples (list, optional): Needed when ``with_loss``.
            with_loss (bool): Compute the student's own (supervised) losses
                in the same forward. Defaults to False.

        Returns:
            tuple[dict, dict]: ``student.<key>`` losses (empty without
            ``with_loss``) and ``'student.<tap>'`` -> tensor.
        """
        x = self.modality_inputs(inputs, self.student_modality)
        losses = {}
        with self.tap_managers[STUDENT].record(self.student) as records:
            if with_loss:
                losses = self.student(x, data_samples, mode='loss')
            else:
                self.run_model(self.student, x)
        return prefix_keys(STUDENT, losses), _named(STUDENT, records)

    def apply_connector(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """Apply connector ``name`` (e.g. a projection) to ``x``."""
        return self.connectors[name](x)

    def compute_distill_losses(
            self,
            features: Dict[str, Any],
            data_samples: OptSampleList = None) -> Dict[str, torch.Tensor]:
        """Every configured distillation loss on ``features``.

        Args:
            features (dict): Feature name -> tensor: the tapped features
                (``'<owner>.<tap>'``) and any derived ones.
            data_samples (list, optional): The batch's samples; when given,
                the data features a loss names (``data.labels``,
                ``data.indices``) are added, one row per student row.

        Returns:
            dict: ``'distill.<name>'`` -> loss.
        """
        wanted = {
            item.feature
            for wiring in self.loss_inputs.values()
            for item in wiring.values() if item.feature in DATA_FEATURES
        }
        if data_samples is not None and wanted - set(features):
            rows = next((v.shape[0] for k, v in features.items()
                         if k.startswith(f'{STUDENT}.')
                         and isinstance(v, torch.Tensor)), None)
            features = dict(features)
            for key, value in self.data_features(data_samples,
                                                 rows).items():
                features.setdefault(key, value)
        projected: Dict[Tuple[str, Optional[str]], torch.Tensor] = {}
        losses = {}
        for name, loss in self.distill_losses.items():
            kwargs = {}
            for arg, item in self.loss_inputs[name].items():
                key = (item.feature, item.connector)
                if key not in projected:
                    if item.feature not in features:
                        raise KeyError(
                            f'distill_losses.{name}: feature '
                            f'{item.feature!r} was not computed this step '
                            f'(have: {", ".join(sorted(features))})')
                    value = features[item.feature]
                    if item.connector is not None:
                        value = self.apply_connector(item.connector, value)
                    projected[key] = value
                kwargs[arg] = projected[key]
            if getattr(loss, 'same_size_inputs', True):
                check_same_shapes(name, kwargs, self.loss_inputs[name])
            losses[f'distill.{name}'] = loss(**kwargs)
        return losses

    # --------------------------------------------------- build-time checks
    def _setup_teacher(self, name: str, spec: TeacherSpec) -> None:
        teacher = self.teachers[name]
        if spec.checkpoint:
            load_teacher_checkpoint(teacher, spec.checkpoint, name)
            teacher.is_init = True  # init_weights() must not overwrite it
        elif not spec.trainable:
            print_log(
                f'teacher {name!r} is frozen and has no checkpoint: it keeps '
                'its initial weights',
                logger='current',
                level=logging.WARNING)
        if not spec.trainable:
            teacher.requires_grad_(False)
            teacher.eval()

    def _build_taps(self, taps: Dict[str, Dict]) -> Dict[str, TapManager]:
        owners = {STUDENT: self.student, **dict(self.teachers.items())}
        for owner in taps:
            if owner not in owners:
                raise ModelConfigError(
                    f'taps: unknown owner {owner!r}; owners are '
                    f'{", ".join(owners)}.' + did_you_mean(owner, owners))
        return {
            owner: TapManager(
                taps.get(owner, {}),
                model,
                owner=STUDENT if owner == STUDENT else f'teacher {owner}')
            for owner, model in owners.items()
        }

    def _collect_feature_dims(
        self, derived: Optional[Dict[str, Optional[str]]]
    ) -> Dict[str, Optional[int]]:
        owners = {STUDENT: self.student, **dict(self.teachers.items())}
        dims = {}
        for owner, manager in self.tap_managers.items():
            for tap in manager:
                dims[f'{owner}.{tap}'] = manager.infer_dim(tap, owners[owner])
        for name, source in (derived or {}).items():
            if name in dims:
                raise ModelConfigError(
                    f'derived feature {name!r} clashes with a tapped one')
            if source is not None and source not in dims:
                raise ModelConfigError(
                    f'derived feature {name!r}: unknown source feature '
                    f'{source!r}.' + did_you_mean(source, dims))
            dims[name] = dims.get(source) if source else None
        for name in DATA_FEATURES:
            dims.setdefault(name, None)
        return dims

    def _add_loss(self, name: str, cfg: dict) -> None:
        if not isinstance(name, str) or 'loss' not in name:
            raise ModelConfigError(
                f'distill_losses: name {name!r} must contain "loss" (MMEngine '
                'adds only such log keys to the total loss), e.g. '
                f"'loss_{name}'")
        if not isinstance(cfg, dict):
            raise ModelConfigError(
                f'distill_losses.{name} must be a loss config dict with '
                f'inputs, got {cfg!r}')
        cfg = dict(cfg)
        inputs = cfg.pop('inputs', None)
        loss = MODELS.build(cfg)
        wiring = parse_loss_inputs(name, loss, inputs, self._feature_dims,
                                   self.connectors.keys())
        if getattr(loss, 'same_size_inputs', True):
            check_static_sizes(name, wiring, self._feature_dims,
                               self.connectors)
        self.distill_losses[name] = loss
        self.loss_inputs[name] = wiring

    def _warn_unused_connectors(self) -> None:
        used = {
            item.connector
            for wiring in self.loss_inputs.values()
            for item in wiring.values()
        }
        for name in self.connectors:
            if name not in used:
                print_log(
                    f'connector {name!r} is used by no loss: unless '
                    "the distiller's loss() applies it, its parameters get "
                    'no gradient and DDP needs find_unused_parameters',
                    logger='current',
                    level=logging.WARNING)

    def _frozen_teacher_names(self) -> list:
        names = []
        for name, spec in self.teacher_specs.items():
            if spec.trainable:
                continue
            teacher = self.teachers[name]
            for key, _ in teacher.named_parameters(remove_duplicate=False):
                names.append(f'teachers.{name}.{key}')
            for key, _ in teacher.named_buffers(remove_duplicate=False):
                names.append(f'teachers.{name}.{key}')
        return names


def prefix_keys(prefix: str, values: Dict[str, Any]) -> Dict[str, Any]:
    """``{k: v}`` -> ``{f'{prefix}.{k}': v}`` (loss keys for the log)."""
    return {f'{prefix}.{k}': v for k, v in values.items()}


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device('cpu')


def _named(owner: str, records) -> Dict[str, Any]:
    return {f'{owner}.{tap}': records[tap] for tap in records.keys()}
