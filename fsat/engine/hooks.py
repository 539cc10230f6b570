# Copyright (c) fsat contributors. All rights reserved.
"""Hooks: the teacher-feature cache, weight initialisation by prefix, and
the training set's size for the losses that need it."""
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from torch import nn

from fsat.registry import DATASETS, HOOKS

from .feature_cache import (
    DTYPES,
    build_feature_cache,
    cache_key,
    data_fingerprint,
    data_paths,
)
from .weights import load_prefixed_weights

#: Bumped when the way cached features are computed changes.
CACHE_VERSION = 1


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class TeacherFeatureCacheHook(Hook):
    """Compute a frozen teacher's clip features once, before training.

    The teacher sees a deterministic view of every training video (all its
    non-overlapping clips, e.g. a ``PairedModalityDataset`` with the
    teacher's modality in ``'video'`` sampling and ``test_mode=True``);
    the features go to an on-disk cache (:mod:`fsat.engine.feature_cache`)
    keyed by the teacher config, its checkpoint's bytes, this view, the
    video list and the size and times of the data files the view reads, so
    a later run with the same teacher and data reuses them and a changed
    one never does. In distributed runs the ranks share the work.
    The model must accept the cache (``set_teacher_cache``), e.g.
    :class:`~fsat.models.FeatureSupervisedDistiller` with
    ``teacher_source='cache'``, or
    :class:`~fsat.models.SupervisionTransferDistiller` (whose teacher
    gives a map ``[C, H, W]`` per image, cached by image id).

    Args:
        dataset (dict): Config of the teacher's view of the training set;
            its output name of the teacher modality must be the one the
            teacher reads.
        cache_root (str, optional): Folder of caches (one sub-folder per
            key); share it between runs with the same teacher. Defaults to
            ``<work_dir>/teacher_cache``.
        teacher (str): Name of the teacher in the distiller.
            Defaults to ``'teacher'``.
        id_key (str, optional): Key of a sample's id in the dataset's data
            info (and in its data sample's metainfo). Defaults to the
            model's ``cache_id_key`` if it has one, else ``'video_id'``.
        dtype (str): Storage type, ``'float32'`` or ``'float16'`` (half
            the size; relative error at most 2**-11, see
            :mod:`fsat.engine.feature_cache`). Defaults to ``'float32'``.
        data_files (Sequence[str]): More files or frame folders whose size
            and times join the cache key, for datasets whose data infos
            name no file (e.g. NYUD2's labeled ``.mat`` file and HHA
            folder). Defaults to ().
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 dataset: dict,
                 cache_root: Optional[str] = None,
                 teacher: str = 'teacher',
                 id_key: Optional[str] = None,
                 dtype: str = 'float32',
                 data_files: Sequence[str] = ()) -> None:
        if dtype not in DTYPES:
            raise ValueError(f'TeacherFeatureCacheHook: dtype must be one of '
                             f'{DTYPES}, got {dtype!r}')
        if isinstance(data_files, str) or not all(
                isinstance(p, str) for p in data_files):
            raise ValueError('TeacherFeatureCacheHook: data_files must be a '
                             f'list of paths, got {data_files!r}')
        self.dataset_cfg = dataset
        self.cache_root = cache_root
        self.teacher = teacher
        self.id_key = id_key
        self.dtype = dtype
        self.data_files = list(data_files)

    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        if not hasattr(model, 'set_teacher_cache'):
            raise TypeError(
                f'TeacherFeatureCacheHook: {type(model).__name__} cannot '
                'use a teacher feature cache (no set_teacher_cache)')
        specs = getattr(model, 'teacher_specs', {})
        if self.teacher not in specs:
            raise KeyError(
                f'TeacherFeatureCacheHook: the model has no teacher '
                f'{self.teacher!r} (teachers: {", ".join(specs) or "none"}); '
                "set the hook's teacher=")
        spec = specs[self.teacher]
        if spec.trainable:
            raise ValueError(
                f'TeacherFeatureCacheHook: teacher {self.teacher!r} is '
                'trainable, so its features change at every step and cannot '
                'be cached; freeze it (trainable=False) or remove the hook')
        id_key = self.id_key or getattr(model, 'cache_id_key', 'video_id')
        dataset = DATASETS.build(self.dataset_cfg)
        # one item at a time, keeping only its id and files: the items of
        # image datasets hold decoded pixels (about 18 GB for 10k pairs)
        ids, paths = [], []
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            if id_key not in info:
                raise KeyError(
                    f'TeacherFeatureCacheHook: item {i} of the dataset has no '
                    f'{id_key!r} (it has {", ".join(sorted(info))}); set the '
                    "hook's id_key")
            ids.append(str(info[id_key]))  # JSON index keys
            paths.extend(data_paths(info))
        index = {video_id: i for i, video_id in enumerate(ids)}
        extra = dict(
            version=CACHE_VERSION,
            taps=repr(model.tap_managers[self.teacher]),
            targets=list(getattr(model, 'target_taps', [])))
        # only what is not the default joins the key, so that caches
        # written before these options existed stay valid
        if id_key != 'video_id':
            extra['id_key'] = id_key
        if self.dtype != 'float32':
            extra['dtype'] = self.dtype
        if hasattr(model, 'teacher_cache_extra'):
            extra['model'] = model.teacher_cache_extra(self.teacher)
        key = cache_key(
            spec.model,
            spec.checkpoint,
            self.dataset_cfg,
            ids,
            extra=extra,
            data=data_fingerprint(paths + self.data_files))

        def compute(video_id: str):
            batch = model.data_preprocessor(
                pseudo_collate([dataset[index[video_id]]]), False)
            with torch.no_grad():
                rows = model.teacher_clip_features(batch['inputs'],
                                                  teacher=self.teacher)
            return rows.float().cpu().numpy()

        root = self.cache_root or f'{runner.work_dir}/teacher_cache'
        cache = build_feature_cache(
            root,
            key,
            ids,
            compute,
            meta=dict(teacher=self.teacher, checkpoint=spec.checkpoint),
            dtype=self.dtype)
        shape = (f'{cache.dim}-d' if len(cache.item_shape) == 1 else
                 'x'.join(map(str, cache.item_shape)) + ' maps')
        rounding = (f", float16 (max relative error "
                    f"{cache.meta['float16_max_rel_error']:.2e})"
                    if cache.dtype == 'float16' else '')
        print_log(
            f'teacher feature cache {cache.folder}: {len(cache)} videos, '
            f"{cache.meta['num_clips']} clips, {shape}{rounding}",
            logger='current')
        model.set_teacher_cache(cache, teacher=self.teacher)


@HOOKS.register_module()
class PretrainedWeightsHook(Hook):
    """Initialise the model from a checkpoint before training starts.

    Loads the weights stored under ``prefix`` (e.g. ``'student.'`` of a
    transfer checkpoint), skipping and reporting keys whose shapes differ
    (a classifier for other classes); with ``adapt_input_channels`` a first
    convolution with a different number of input channels is adapted by
    averaging its kernels over the input channels and repeating the mean
    (cross-modality initialisation, e.g. a 2-channel flow teacher's weights
    for a 3-channel depth student). It runs after MMEngine's own
    initialisation and is skipped when training resumes (the resumed
    weights win).

    Args:
        checkpoint (str): The checkpoint.
        prefix (str): Key prefix to take and strip. Defaults to ''.
        adapt_input_channels (bool): Adapt mismatched first convolutions.
            Defaults to False.
        target (str): Prefix the stripped keys get in the model, e.g.
            ``'backbone.'`` for a bare-backbone student (supervision
            transfer) loaded into a detector. Defaults to ''.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 checkpoint: str,
                 prefix: str = '',
                 adapt_input_channels: bool = False,
                 target: str = '') -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.adapt_input_channels = adapt_input_channels
        self.target = target

    def before_train(self, runner) -> None:
        if runner.iter > 0 or runner.epoch > 0:
            print_log('PretrainedWeightsHook: training resumed, keeping the '
                      'resumed weights', logger='current')
            return
        report = load_prefixed_weights(
            _unwrap(runner.model), self.checkpoint, self.prefix,
            self.adapt_input_channels, self.target)
        print_log(f'PretrainedWeightsHook: {report}', logger='current')


def train_set_sized_modules(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """``(name, module)`` of the modules of ``model`` (unwrapped, e.g. from
    DDP) that take the training set's size (SCD and CRD)."""
    from fsat.models.losses import train_set
    return train_set.train_set_sized_modules(_unwrap(model))


@HOOKS.register_module()
class TrainSetSizeHook(Hook):
    """Give the losses built with ``num_data='train_set'`` the size of the
    training set.

    SCD's constant ``M`` and CRD's memory banks need the number of training
    samples (:mod:`fsat.models.losses.train_set`). In ``before_run`` of a
    training run, i.e. before MMEngine loads a resumed run's checkpoint,
    every module with ``set_train_set_size`` gets
    ``len(runner.train_dataloader.dataset)``: the whole training set, also
    in a distributed run (each rank samples its share of it). A loss
    given an explicit integer is checked against it instead: a different
    number is a one-line error naming the loss, the number and the size.
    Validation and test runs leave a pending size alone (a loaded
    checkpoint sizes CRD's banks). ``tools/train.py`` and the pipelines
    register the hook themselves (:func:`fsat.apis.check_runner`); a runner
    built otherwise needs ``custom_hooks=[dict(type='TrainSetSizeHook')]``.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        # Runner.train builds its loop before calling before_run; val() and
        # test() leave it a config, which reading runner.train_dataloader
        # would build (the training set, for nothing)
        if not isinstance(runner._train_loop, BaseLoop):
            return
        modules = train_set_sized_modules(runner.model)
        if not modules:
            return
        size = len(runner.train_dataloader.dataset)
        for name, module in modules:
            module.set_train_set_size(size, where=name)
        print_log(
            f'TrainSetSizeHook: num_data of {", ".join(n for n, _ in modules)}'
            f' is the training set size, {size}',
            logger='current')
