# Copyright (c) fsat contributors. All rights reserved.
"""Checks that turn a silently wrong run into one clear line before it starts.

MMEngine 0.10 and mmaction2 1.1 accept several mistakes without a word, or
fail on them with an error that does not say what is wrong:

* ``load_from`` loads non-strictly: a checkpoint of another model leaves
  every weight as initialised and ``tools/test.py`` prints an accuracy; the
  mismatch is a warning in the middle of the log
  (:func:`check_checkpoint_matches`);
* a dataset whose labels do not fit the classifier: labels beyond
  ``num_classes`` fail deep inside the loss (or not at all), a 3-class
  dataset under a 10-class head trains with 7 classes that never appear
  (:class:`DatasetClassesCheckHook`);
* a required config field that is missing or None (``model.student=None``,
  no ``train_dataloader``) is an ``AttributeError``/``TypeError`` or an
  assertion from inside the runner (:func:`check_required_fields`).

Each check raises :class:`~fsat.utils.cli.FsatUserError`, which the tools
print as one line.
"""
import inspect
import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from fsat.utils.cli import FsatUserError

__all__ = [
    'DatasetClassesCheckHook', 'check_checkpoint_matches', 'check_runner',
    'check_config_path', 'check_dataset_classes', 'check_required_fields',
    'classifier_classes'
]

#: How many class indices or keys a message shows.
SHOWN = 5

# --------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _shown(items: Sequence[str]) -> str:
    more = f' (+{len(items) - SHOWN} more)' if len(items) > SHOWN else ''
    return ', '.join(str(i) for i in items[:SHOWN]) + more


def _prefixes(keys) -> str:
    return ', '.join(sorted({k.split('.')[0] + '.' for k in keys})) or 'none'


def check_checkpoint_matches(model: nn.Module,
                             filename: str,
                             strict: bool = True,
                             what: str = 'checkpoint') -> None:
    """Fail with one line when a checkpoint does not fit ``model``.

    The message names the file and the first missing, unexpected and
    wrongly shaped keys, as a teacher's checkpoint is reported
    (:func:`fsat.models.distillers.teacher.load_teacher_checkpoint`).
    A ``module.`` prefix (a DDP-wrapped model's) is ignored, as MMEngine's
    ``load_from`` does.

    Args:
        model (nn.Module): The built model (a DDP wrapper is unwrapped).
        filename (str): The checkpoint, e.g. ``cfg.load_from``.
        strict (bool): Every key and shape must match (testing, resuming).
            Without it, only a checkpoint none of whose tensors fits the
            model is an error (a fine-tuning ``load_from`` may replace a
            classifier); a partial match is logged as one warning line.
            Defaults to True.
        what (str): What the file is, for messages. Defaults to
            ``'checkpoint'``.
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    import fsat.engine.checkpoint  # noqa: F401  the local loader
    from fsat.models.distillers.teacher import _mismatches
    model = _unwrap(model)
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = (checkpoint.get('state_dict', checkpoint)
             if isinstance(checkpoint, dict) else None)
    if not isinstance(state, dict):
        raise FsatUserError(f'{what} {filename} holds no state_dict (a '
                            f'{type(checkpoint).__name__})')
    state = OrderedDict((re.sub(r'^module\.', '', k), v)
                        for k, v in state.items())
    if not any(isinstance(v, torch.Tensor) for v in state.values()):
        raise FsatUserError(
            f'{what} {filename} holds no weights (its keys: '
            f'{_shown(list(state))})')
    problems = _mismatches(model, state)
    if not problems:
        return
    own = model.state_dict()
    fitting = [
        k for k, v in state.items() if k in own and hasattr(v, 'shape')
        and tuple(v.shape) == tuple(own[k].shape)
    ]
    if not fitting:
        hint = ''
        if any(k.startswith('student.') for k in state):
            hint = (' (a distiller checkpoint: export its student with '
                    'tools/export_student.py)')
        raise FsatUserError(
            f'{what} {filename} fits no weight of the model '
            f'({type(model).__name__}): its {len(state)} tensors are under '
            f'{_prefixes(state)}, the model\'s under {_prefixes(own)}' +
            hint)
    if strict:
        raise FsatUserError(f'{what} {filename} does not match the model '
                            f'({type(model).__name__}): ' +
                            '; '.join(problems))
    print_log(
        f'{what} {filename} fits {len(fitting)} of the model\'s '
        f'{len(own)} tensors; the others keep their initial values: ' +
        '; '.join(problems),
        logger='current',
        level=30)  # logging.WARNING


# --------------------------------------------------------------------------
# Required config fields
# --------------------------------------------------------------------------

#: The config formats MMEngine reads.
CONFIG_EXTENSIONS = ('.py', '.json', '.yaml', '.yml')


def check_config_path(path: str) -> None:
    """Fail with one line on a config path MMEngine cannot read: a folder,
    or a file of another format (MMEngine raises ``OSError: Only
    py/yml/yaml/json type are supported now!``)."""
    if osp.isdir(path):
        raise FsatUserError(f'config {path} is a directory; give a config '
                            'file (.py)')
    if osp.exists(path) and not path.endswith(CONFIG_EXTENSIONS):
        raise FsatUserError(
            f'config {path} is not a config file: MMEngine reads '
            f'{", ".join(CONFIG_EXTENSIONS)} files')


#: Top-level fields each mode needs: (field, what it is for).
REQUIRED = dict(
    train=(('model', 'the model'), ('train_dataloader', 'the training data'),
           ('train_cfg', 'the training loop (max_iters or max_epochs)'),
           ('optim_wrapper', 'the optimizer')),
    test=(('model', 'the model'), ('test_dataloader', 'the test data'),
          ('test_evaluator', 'the test metric'),
          ('test_cfg', 'the test loop, e.g. dict(type=\'TestLoop\')')))


def _required_args(type_name: str) -> Optional[List[str]]:
    """The parameters without default of a registered model type, or None
    when the type is unknown here."""
    from fsat.registry import MODELS
    try:
        cls = MODELS.get(type_name)
    except Exception:  # e.g. a scope that is not installed
        return None
    if not isinstance(cls, type):
        return None
    required: List[str] = []
    # a subclass passing **kwargs on inherits its bases' required arguments
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        try:
            params = inspect.signature(vars(klass)['__init__']).parameters
        except (TypeError, ValueError):
            return None
        required += [
            p.name for p in list(params.values())[1:]
            if p.default is inspect.Parameter.empty and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name not in required
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
    return required


def _model_nodes(node: Any, path: str) -> Iterator[Tuple[str, dict]]:
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield path, node
        for key, child in node.items():
            yield from _model_nodes(child, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, child in enumerate(node):
            yield from _model_nodes(child, f'{path}[{i}]')


def check_required_fields(cfg: Any, filename: str, mode: str) -> None:
    """Fail with one line when a field ``mode`` needs is missing or None.

    Checks the top-level fields of :data:`REQUIRED`, a dataloader's
    ``dataset``, that validation is all or nothing, and, in ``model``, every
    argument without a default of a registered type: missing on the model
    itself, or explicitly None anywhere below it (e.g. a distiller's
    ``student=None``).

    Args:
        cfg (Config | dict): The config.
        filename (str): The config file, for messages.
        mode (str): ``'train'`` or ``'test'``.
    """
    if 'stages' in cfg and 'model' not in cfg:
        raise FsatUserError(f'{filename} is a pipeline (it has stages, no '
                            'model): run it with tools/run_pipeline.py')
    for field, purpose in REQUIRED[mode]:
        value = cfg.get(field)
        if value is None:
            state = 'is None' if field in cfg else 'is missing'
            raise FsatUserError(
                f'{filename}: {field} {state}; {mode}ing needs {purpose}')
        if not isinstance(value, dict) and field != 'test_evaluator':
            raise FsatUserError(f'{filename}: {field} must be a dict, got '
                                f'{type(value).__name__} {value!r:.60}')
    loader = f'{mode}_dataloader'
    if not isinstance(cfg[loader].get('dataset'), dict):
        state = ('is missing' if cfg[loader].get('dataset') is None else
                 f'must be a dict, got {cfg[loader].dataset!r:.60}')
        raise FsatUserError(f'{filename}: {loader}.dataset {state}')
    if mode == 'train':
        val = [cfg.get(f) is not None
               for f in ('val_dataloader', 'val_cfg', 'val_evaluator')]
        if any(val) and not all(val):
            missing = [
                f for f, given in zip(('val_dataloader', 'val_cfg',
                                       'val_evaluator'), val) if not given
            ]
            raise FsatUserError(
                f'{filename}: validation needs val_dataloader, val_cfg and '
                f'val_evaluator together; {", ".join(missing)} '
                f'{"is" if len(missing) == 1 else "are"} missing (or train '
                'with --no-validate)')
    model = cfg.model
    if not isinstance(model.get('type'), str):
        raise FsatUserError(f'{filename}: model has no type')
    for path, node in _model_nodes(model, 'model'):
        required = _required_args(node['type'])
        for name in required or ():
            if path == 'model' and name not in node:
                raise FsatUserError(
                    f'{filename}: {path}.{name} is missing; {node["type"]} '
                    'requires it')
            if name in node and node[name] is None:
                raise FsatUserError(
                    f'{filename}: {path}.{name} is None; {node["type"]} '
                    'requires it')
    _check_numbers(cfg, filename, mode)
    work_dir = cfg.get('work_dir')
    if isinstance(work_dir, str) and osp.exists(work_dir) and not osp.isdir(
            work_dir):
        raise FsatUserError(f'work_dir {work_dir} is a file, not a folder')


#: Fields that must be integers (and their smallest value) where a config
#: gives them; a string or float fails deep inside torch or MMEngine.
#: ``{mode}`` is ``train`` or ``test``.
INTEGER_FIELDS = (('{mode}_dataloader.batch_size', 1),
                  ('{mode}_dataloader.num_workers', 0),
                  ('train_cfg.max_iters', 1), ('train_cfg.max_epochs', 1),
                  ('train_cfg.val_interval', 1),
                  ('train_cfg.val_begin', 0), ('randomness.seed', 0))
#: Keys that must be positive integers wherever they are in ``model``.
MODEL_INTEGER_KEYS = ('num_classes', 'in_channels', 'base_channels',
                      'depth', 'num_person', 'num_stages')


def _get(cfg: Any, path: str) -> Tuple[bool, Any]:
    node, missing = cfg, object()
    for part in path.split('.'):
        node = node.get(part, missing) if hasattr(node, 'get') else missing
        if node is missing:
            return False, None
    return True, node


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, bool)


def _check_numbers(cfg: Any, filename: str, mode: str) -> None:
    """Integer fields, the learning rate and the model's sizes."""
    for template, least in INTEGER_FIELDS:
        path = template.format(mode=mode)
        if mode == 'test' and path.startswith('train_cfg'):
            continue
        found, value = _get(cfg, path)
        if found and value is not None and (not _is_int(value)
                                            or value < least):
            kind = 'a positive' if least else 'a non-negative'
            raise FsatUserError(f'{filename}: {path} must be {kind} '
                                f'integer, got {value!r}')
    found, lr = _get(cfg, 'optim_wrapper.optimizer.lr')
    if mode == 'train' and found and (isinstance(lr, bool) or not isinstance(
            lr, (int, float)) or lr < 0):
        raise FsatUserError(f'{filename}: optim_wrapper.optimizer.lr must '
                            f'be a non-negative number, got {lr!r}')
    for path, node in _model_nodes(cfg.model, 'model'):
        for key in MODEL_INTEGER_KEYS:
            value = node.get(key)
            if key in node and value is not None and (not _is_int(value)
                                                      or value < 1):
                raise FsatUserError(
                    f'{filename}: {path}.{key} must be a positive integer, '
                    f'got {value!r}')


# --------------------------------------------------------------------------
# Dataset labels against the classifier
# --------------------------------------------------------------------------


def classifier_classes(model: nn.Module) -> Optional[Tuple[str, int]]:
    """``(path, num_classes)`` of the classifier trained on the labels.

    A recognizer's ``cls_head``, a distiller's ``student.cls_head`` (unless
    frozen: a label-free transfer), a detector's ``classifier_head`` (whose
    classes exclude the background). None when the model has none of them.
    """
    model = _unwrap(model)
    for path in ('cls_head', 'student.cls_head', 'classifier_head'):
        head = model
        for part in path.split('.'):
            head = getattr(head, part, None)
        num_classes = getattr(head, 'num_classes', None)
        if not isinstance(num_classes, int):
            continue
        params = list(head.parameters())
        if path.startswith('student.') and params and not any(
                p.requires_grad for p in params):
            return None  # the transfer never trains the classifier
        return f'model.{path}', num_classes
    return None


def _leaf_datasets(dataset: Any) -> Iterator[Any]:
    """The datasets inside MMEngine's wrappers (concat, repeat, balance)."""
    if hasattr(dataset, 'datasets'):
        for child in dataset.datasets:
            yield from _leaf_datasets(child)
    elif hasattr(dataset, 'dataset') and not hasattr(dataset, 'data_list'):
        yield from _leaf_datasets(dataset.dataset)
    else:
        yield dataset


def _labels_of(dataset: Any) -> Optional[np.ndarray]:
    """Every non-negative label of ``dataset`` (``label``, ``gt_labels``),
    or None if its samples carry none (or cannot be listed cheaply)."""
    from mmengine.dataset import BaseDataset
    if not isinstance(dataset, BaseDataset) or not getattr(
            dataset, '_fully_initialized', False):
        return None
    labels, found = [], False
    for i in range(len(dataset)):
        # the base class's record only: a subclass may read files here
        info = BaseDataset.get_data_info(dataset, i)
        for key in ('label', 'gt_labels', 'gt_label'):
            if key in info and info[key] is not None:
                found = True
                values = np.asarray(info[key]).reshape(-1)
                if values.dtype.kind in 'iu':
                    labels.append(values.astype(np.int64))
    if not found:
        return None
    labels = np.concatenate(labels) if labels else np.zeros(0, np.int64)
    return labels[labels >= 0]  # -1: unlabeled


def _declared_classes(dataset: Any) -> Optional[int]:
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if classes is not None and not isinstance(classes, str):
        return len(classes)
    number = getattr(dataset, 'num_classes', None)
    return number if isinstance(number, int) else None


def _describe(dataset: Any, field: str) -> str:
    where = [type(dataset).__name__]
    ann_file = getattr(dataset, 'ann_file', '')
    if ann_file:
        where.append(f'ann_file {ann_file}')
    elif getattr(dataset, 'data_root', ''):
        where.append(f'data_root {dataset.data_root}')
    return f'{field} ({", ".join(where)})'


def check_dataset_classes(dataset: Any,
                          num_classes: int,
                          head: str,
                          field: str,
                          training: bool = False) -> None:
    """Fail with one line when a dataset's classes do not fit the head.

    Always an error: a label outside ``0..num_classes-1``. For a training
    set (``training``) also: a dataset declaring (``metainfo['classes']``
    or ``num_classes``) another number of classes, and a class without any
    sample; for an evaluation set the former is one warning line (e.g. a
    transfer's student with its unused 60-class head tested on 10 classes).
    Datasets whose samples carry no labels (e.g. a label-free transfer's)
    pass.

    Args:
        dataset: The built dataset (MMEngine wrappers are looked into).
        num_classes (int): The classifier's number of classes.
        head (str): The classifier's config path, for messages.
        field (str): The dataset's config field, for messages.
        training (bool): Whether the model is trained on it. Defaults to
            False.
    """
    for leaf in _leaf_datasets(dataset):
        name = _describe(leaf, field)
        declared = _declared_classes(leaf)
        if declared is not None and declared != num_classes:
            message = (f'{name} has {declared} classes but {head}.'
                       f'num_classes={num_classes}')
            if training:
                raise FsatUserError(message + ': make them equal')
            print_log(message, logger='current', level=30)  # WARNING
        labels = _labels_of(leaf)
        if labels is None or not len(labels):
            continue
        if labels.max() >= num_classes:
            bad = np.unique(labels[labels >= num_classes]).tolist()
            raise FsatUserError(
                f'{name} has label(s) {_shown(bad)}, out of range for '
                f'{head}.num_classes={num_classes} (labels must be 0..'
                f'{num_classes - 1})')
        if training:
            present = set(np.unique(labels).tolist())
            empty = [c for c in range(num_classes) if c not in present]
            if empty:
                raise FsatUserError(
                    f'{name} has samples of only {len(present)} of the '
                    f'{num_classes} classes of {head}.num_classes (none of '
                    f'class {_shown(empty)}): set num_classes to the '
                    'classes of the data, or check data_root and the '
                    'dataset\'s classes')


class DatasetClassesCheckHook(Hook):
    """Runs :func:`check_dataset_classes` on the training, validation and
    test sets before their loops start (models without a classifier
    pass).

    The tools register it (``runner.register_hook``); the datasets are
    built by then, so checking costs one pass over their records.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._checked = set()

    def _check(self, runner, loop: Any, field: str,
               training: bool) -> None:
        if loop is None or field in self._checked:
            return
        self._checked.add(field)
        head = classifier_classes(runner.model)
        dataloader = getattr(loop, 'dataloader', None)
        if head is None or dataloader is None:
            return
        check_dataset_classes(dataloader.dataset, head[1], head[0],
                              f'{field}.dataset', training)

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_loop, 'train_dataloader', True)
        self._check(runner, runner.val_loop, 'val_dataloader', False)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_loop, 'val_dataloader', False)

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop, 'test_dataloader', False)


def check_runner(runner: Any, cfg: Any, mode: str) -> None:
    """The checks every fsat tool makes on a built runner before its loops
    start (``tools/train.py``, ``tools/test.py`` and each pipeline run).

    * ``cfg.load_from`` must fit the model (:func:`check_checkpoint_matches`):
      MMEngine loads non-strictly, so another model's checkpoint would leave
      every weight as initialised without a word. Testing and resuming need
      every key; a fine-tuning ``load_from`` may leave out or resize the
      classifier (one warning line), and only one that fits no weight is an
      error;
    * every dataset's labels must fit the classifier
      (:class:`DatasetClassesCheckHook`, run when each loop starts);
    * training: losses built with ``num_data='train_set'`` (SCD, CRD) get
      the size of the training set, and an explicit ``num_data`` must
      equal it (:class:`~fsat.engine.TrainSetSizeHook`, registered unless
      the config's ``custom_hooks`` has one).

    Args:
        runner (Runner): The built runner.
        cfg (Config): Its config.
        mode (str): ``'train'`` or ``'test'``.
    """
    if mode not in ('train', 'test'):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if cfg.get('load_from'):
        resume = mode == 'train' and bool(cfg.get('resume'))
        what = ('checkpoint' if mode == 'test' else
                'resume checkpoint' if resume else 'load_from')
        check_checkpoint_matches(
            runner.model,
            cfg.load_from,
            strict=mode == 'test' or resume,
            what=what)
    runner.register_hook(DatasetClassesCheckHook())
    if mode == 'train':
        from fsat.engine.hooks import TrainSetSizeHook, train_set_sized_modules
        if train_set_sized_modules(runner.model) and not any(
                isinstance(h, TrainSetSizeHook) for h in runner.hooks):
            runner.register_hook(TrainSetSizeHook())
