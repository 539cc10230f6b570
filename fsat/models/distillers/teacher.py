# Copyright (c) fsat contributors. All rights reserved.
"""Teacher specs and strict, explained loading of teacher checkpoints."""
import math
import numbers
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch.nn as nn
from mmengine.runner import load_state_dict
from mmengine.runner.checkpoint import CheckpointLoader

from fsat.models.errors import ModelConfigError
from fsat.models.losses.train_set import pending_state_keys
from fsat.utils.cli import FsatUserError

__all__ = [
    'RESERVED_NAMES', 'TeacherSpec', 'load_teacher_checkpoint',
    'parse_teachers'
]

#: How many keys an error message shows of each kind.
SHOWN_KEYS = 5
#: Names a teacher cannot take: the student, the distillation losses' and
#: the data features' namespaces (``distill.<loss>``, ``data.labels``).
RESERVED_NAMES = ('student', 'distill', 'data')


class TeacherSpec:
    """What a distiller needs to know about one teacher.

    Args:
        name (str): The teacher's name (its key in ``teachers``).
        model (dict): Config of the teacher model (e.g. a recognizer).
        modality (str | Sequence[str], optional): The input modality it
            reads, e.g. ``'rgb'``; several, e.g. ``('rgb', 'skeleton')``
            for a model reading a paired batch (VPN*), which then receives
            ``dict(modality -> tensor)`` of those; None when all models
            share one input.
        checkpoint (str, optional): Weights loaded when the distiller is
            built. Defaults to None.
        trainable (bool): Train the teacher with the student (VPN-A's
            collaborative teacher) instead of freezing it: it is in the
            optimiser and in train mode. Defaults to False.
        with_loss (bool): Add the teacher's own supervised losses (its
            ``mode='loss'`` output, e.g. VPN-A's ``CE_T``) to the total,
            logged as ``<name>.loss_cls``. Needs ``trainable=True``.
            Defaults to False.
        loss_weight (float): Multiplier of the teacher's own losses.
            Defaults to 1.0.
        distill_grad (bool): For a trainable teacher: whether the
            distillation losses send gradient into it. True (default)
            minimises the total loss over both networks (VPN++'s Eq. 3 read
            literally); False detaches its tapped features, so a
            distillation loss trains the student (and connectors) only and
            the teacher learns from its own loss. Ignored for a frozen
            teacher (no gradient).
        cached (bool): Read this frozen teacher's features from a feature
            cache (:class:`~fsat.engine.TeacherFeatureCacheHook`) instead
            of running it on every batch. Defaults to False.
    """

    KEYS = ('model', 'modality', 'checkpoint', 'trainable', 'with_loss',
            'loss_weight', 'distill_grad', 'cached')

    def __init__(self,
                 name: str,
                 model: dict,
                 modality: Union[None, str, Sequence[str]] = None,
                 checkpoint: Optional[str] = None,
                 trainable: bool = False,
                 with_loss: bool = False,
                 loss_weight: float = 1.0,
                 distill_grad: bool = True,
                 cached: bool = False) -> None:
        self.name = name
        self.model = model
        self.modality = (tuple(modality)
                         if isinstance(modality, (list, tuple)) else modality)
        self.checkpoint = checkpoint
        self.trainable = trainable
        self.with_loss = with_loss
        self.loss_weight = float(loss_weight)
        self.distill_grad = distill_grad
        self.cached = cached

    @property
    def modalities(self) -> Tuple[str, ...]:
        """The modalities it reads, as a tuple (empty without any)."""
        if self.modality is None:
            return ()
        if isinstance(self.modality, tuple):
            return self.modality
        return (self.modality, )

    @classmethod
    def from_cfg(cls, name: str, cfg: dict) -> 'TeacherSpec':
        """Parse ``teachers[name]``, naming any unknown key."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ModelConfigError(
                f'teacher name {name!r} must be an identifier (rgb, flow)')
        if name in RESERVED_NAMES:
            raise ModelConfigError(
                f'{name!r} cannot name a teacher (reserved names: '
                f'{", ".join(RESERVED_NAMES)})')
        if not isinstance(cfg, dict) or ('model' not in cfg
                                         and 'config' not in cfg):
            raise ModelConfigError(
                f'teachers.{name} must be dict(model=<config>, modality=..., '
                f'checkpoint=..., trainable=False), got {cfg!r}')
        cfg = resolve_teacher_model(name, cfg)
        unknown = sorted(set(cfg) - set(cls.KEYS))
        if unknown:
            raise ModelConfigError(
                f'teachers.{name}: unknown key(s) {", ".join(unknown)}; '
                f'a teacher takes {", ".join(cls.KEYS)}')
        for key in ('trainable', 'with_loss', 'distill_grad', 'cached'):
            if not isinstance(cfg.get(key, key == 'distill_grad'), bool):
                raise ModelConfigError(f'teachers.{name}.{key} must be a '
                                       'bool')
        weight = cfg.get('loss_weight', 1.0)
        if (isinstance(weight, bool) or not isinstance(weight, numbers.Real)
                or not math.isfinite(weight)):
            raise ModelConfigError(f'teachers.{name}.loss_weight must be a '
                                   f'finite number, got {weight!r}')
        modality = cfg.get('modality')
        if isinstance(modality, (list, tuple)) and (
                not modality or len(set(modality)) != len(modality)
                or not all(isinstance(m, str) for m in modality)):
            raise ModelConfigError(
                f'teachers.{name}.modality must be a modality name or a '
                f'sequence of distinct names, got {modality!r}')
        trainable = cfg.get('trainable', False)
        if cfg.get('with_loss', False) and not trainable:
            raise ModelConfigError(
                f'teachers.{name}: with_loss=True needs trainable=True (a '
                "frozen teacher's loss has no gradient to follow)")
        if cfg.get('cached', False) and trainable:
            raise ModelConfigError(
                f'teachers.{name}: cached=True needs a frozen teacher; a '
                'trainable one changes its features at every step, so '
                'cached features would be stale')
        return cls(name, **cfg)


def resolve_teacher_model(name: str,
                          cfg: dict,
                          group: str = 'teachers') -> dict:
    """Replace ``config=<teacher's training config>`` by its ``model``.

    Naming the config the teacher was trained with (instead of repeating
    its model) guarantees that the model matches the checkpoint. The path
    may be ``'fsat::teachers/<name>.py'`` (a config installed with fsat);
    fsat's tools have already made a relative path absolute, relative to
    the folder of the config that names it (see ``docs/get_started.md``).

    Args:
        name (str): The model's name, for messages.
        cfg (dict): ``dict(config=...)`` or ``dict(model=...)`` with other
            keys kept.
        group (str): Config field holding it, for messages (e.g.
            ``'streams'`` of a :class:`LateFusionRecognizer`).
            Defaults to ``'teachers'``.
    """
    if 'config' not in cfg:
        return cfg
    cfg = dict(cfg)
    path = cfg.pop('config')
    if 'model' in cfg:
        raise ModelConfigError(
            f'{group}.{name}: give model or config, not both')
    from mmengine.config import Config

    from fsat.utils import config_paths
    config_paths.install()
    if isinstance(path, str) and config_paths.SEP in path:
        # 'fsat::teachers/x.py'; fsat's tools resolve relative paths against
        # the config file (fsat.apis.load_config), others are read as given
        try:
            path = config_paths.package_config_path(path)
        except FsatUserError as e:
            raise ModelConfigError(f'{group}.{name}.config: {e}') from None
    if not osp.isfile(path):
        raise ModelConfigError(
            f'{group}.{name}.config does not exist: {path}')
    cfg['model'] = Config.fromfile(path).model.to_dict()
    return cfg


def parse_teachers(teachers: Dict[str, dict]) -> Dict[str, TeacherSpec]:
    """Parse a distiller's ``teachers`` config (name -> spec)."""
    if not isinstance(teachers, dict):
        raise ModelConfigError(
            f'teachers must be a dict name -> dict(model=...), got '
            f'{teachers!r}')
    return {
        name: TeacherSpec.from_cfg(name, cfg)
        for name, cfg in teachers.items()
    }


def load_teacher_checkpoint(model: nn.Module,
                            filename: str,
                            name: str,
                            role: str = 'teacher',
                            prefix: Optional[str] = None) -> None:
    """Load ``filename`` into teacher ``name``; every key must match.

    Unlike a plain strict load, a mismatch is reported with the teacher's
    name, the file and the first few missing, unexpected and wrongly shaped
    keys, on every rank.

    Args:
        model (nn.Module): The built teacher.
        filename (str): Path or URL of the checkpoint.
        name (str): The teacher's name, for messages.
        role (str): What the model is, for messages (e.g. ``'stream'``).
            Defaults to ``'teacher'``.
        prefix (str, optional): Load only the keys under this prefix,
            without it, e.g. ``'student.'`` for the student of a
            distiller's checkpoint. Defaults to None (every key).
    """
    # fsat's local loader reads runner checkpoints under torch >= 2.6
    import fsat.engine.checkpoint  # noqa: F401
    if '://' not in filename and not osp.isfile(filename):
        raise ModelConfigError(
            f'{role} {name!r}: checkpoint not found: {filename}')
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state_dict, dict):
        raise ModelConfigError(
            f'{role} {name!r}: {filename} holds no state_dict')
    # a checkpoint saved from a DDP-wrapped model
    state_dict = OrderedDict(
        (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
    if prefix:
        state_dict = OrderedDict((k[len(prefix):], v)
                                 for k, v in state_dict.items()
                                 if k.startswith(prefix))
        if not state_dict:
            raise ModelConfigError(
                f'{role} {name!r}: checkpoint {filename} has no keys under '
                f'the prefix {prefix!r}')
    problems = _mismatches(model, state_dict)
    if problems:
        raise ModelConfigError(
            f'{role} {name!r}: checkpoint {filename} does not match the '
            f'{role} config ({type(model).__name__}): ' + '; '.join(problems))
    load_state_dict(model, state_dict, strict=True)


def _mismatches(model: nn.Module, state_dict: dict) -> List[str]:
    expected = model.state_dict()
    # sized by the training set when training starts, else by the
    # checkpoint itself (CRDLoss with num_data='train_set')
    pending = pending_state_keys(model)
    missing = [
        k for k in expected
        if k not in state_dict and not k.endswith('num_batches_tracked')
    ]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = [
        f'{k} (checkpoint {tuple(state_dict[k].shape)}, model '
        f'{tuple(v.shape)})' for k, v in expected.items()
        if k in state_dict and k not in pending
        and hasattr(state_dict[k], 'shape')
        and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    problems = []
    for what, keys in (('missing keys', missing),
                       ('unexpected keys', unexpected), ('shape mismatch',
                                                         shapes)):
        if keys:
            more = (f' (+{len(keys) - SHOWN_KEYS} more)'
                    if len(keys) > SHOWN_KEYS else '')
            problems.append(f'{what}: ' + ', '.join(keys[:SHOWN_KEYS]) + more)
    return problems
