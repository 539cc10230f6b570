# Copyright (c) fsat contributors. All rights reserved.
"""Predict with a trained student (or any recognizer config) from Python.

Example:
    >>> from fsat.apis import inference_student, init_student
    >>> model = init_student('configs/finetune/depth_r3d18_synth.py',
    ...                      'work_dirs/depth_r3d18_synth/iter_150.pth')
    >>> result = inference_student(
    ...     model, 'data/synthetic_demo/ntu/nturgb+d_depth_masked/'
    ...     'S001C001P001R001A001')
    >>> result.pred_scores.item.argmax()

Why not mmaction2's ``init_recognizer`` / ``inference_recognizer``:
``init_recognizer`` builds ``cfg.model`` (a distiller, for a transfer
config), reads the config without fsat's rules (``fsat::`` bases,
``data_root``, relative teacher paths) and loads the checkpoint
non-strictly, so a checkpoint of another model gives a randomly initialised
recognizer with only a warning. ``inference_recognizer`` needs a top-level
``cfg.test_pipeline`` and a ``filename``; fsat's datasets have one pipeline
per modality after :class:`~fsat.datasets.PairedModalityDataset`'s frame
sampling (depth frame folders, flow folders, ``.skeleton`` files). On a
fine-tuning config with an exported student, ``init_recognizer`` does
build the same recognizer (``default_scope='fsat'``), see
``docs/get_started.md``.
"""
import json
import logging
import os.path as osp
import tempfile
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from torch import nn

from fsat.utils.cli import FsatUserError

__all__ = ['init_student', 'inference_student']

STUDENT_PREFIX = 'student.'


def _is_distiller(cfg: Config) -> bool:
    """Whether ``cfg.model``'s type is a :class:`BaseDistiller`."""
    from fsat.models.distillers import BaseDistiller
    from fsat.registry import MODELS
    model_type = (cfg.get('model') or {}).get('type')
    if isinstance(model_type, str):
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope') or 'fsat'):
            model_type = MODELS.get(model_type)
    return isinstance(model_type, type) and issubclass(
        model_type, BaseDistiller)


def _student_cfg(cfg: Config) -> dict:
    """``cfg.model``, or its ``student`` when it is a distiller."""
    model = cfg.get('model')
    if not model:
        raise FsatUserError(f'{cfg.filename}: the config has no model')
    model = model.to_dict() if hasattr(model, 'to_dict') else dict(model)
    if _is_distiller(cfg):
        return model['student']
    return model


def _student_modality(cfg: Config) -> Optional[str]:
    if _is_distiller(cfg):
        return cfg.model.get('student_modality')
    return None


def _load_weights(model: nn.Module, checkpoint: str) -> None:
    """Load ``checkpoint`` strictly: an exported student, a recognizer's own
    checkpoint, or a distiller's (its ``student.`` weights)."""
    from fsat.engine.checkpoint import load_local_checkpoint
    if not osp.isfile(checkpoint):
        raise FsatUserError(f'checkpoint does not exist: {checkpoint}')
    data = load_local_checkpoint(checkpoint, map_location='cpu')
    state = data.get('state_dict', data) if isinstance(data, dict) else None
    if not isinstance(state, dict):
        raise FsatUserError(f'{checkpoint} holds no state_dict')
    state = {(k[len('module.'):] if k.startswith('module.') else k): v
             for k, v in state.items()}
    if any(k.startswith(STUDENT_PREFIX) for k in state):
        state = {k[len(STUDENT_PREFIX):]: v for k, v in state.items()
                 if k.startswith(STUDENT_PREFIX)}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state
              and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        for what, keys in (('missing', missing), ('unexpected', unexpected),
                           ('shape mismatch', shapes)):
            if keys:
                more = f' (+{len(keys) - 3} more)' if len(keys) > 3 else ''
                parts.append(f'{what}: {", ".join(keys[:3])}{more}')
        raise FsatUserError(
            f'checkpoint {checkpoint} does not match the model of the config '
            f'({type(model).__name__}): ' + '; '.join(parts))
    model.load_state_dict(state, strict=True)


def init_student(config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Union[str, torch.device] = 'cpu',
                 cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the deployable model of a config and load its weights.

    Args:
        config (str | Config): A config file (read with
            :func:`fsat.apis.load_config`) or a loaded config. For a
            distillation config the student is built, not the distiller.
        checkpoint (str, optional): An exported student
            (``tools/export_student.py``), a fine-tuning checkpoint, or a
            distiller checkpoint (its ``student.`` weights are taken).
            Loaded strictly: a checkpoint of another model is an error
            naming the file and the first mismatched keys. Defaults to None
            (initial weights).
        device (str | torch.device): Defaults to ``'cpu'``.
        cfg_options (dict, optional): ``--cfg-options``-style overrides.

    Returns:
        nn.Module: The recognizer in eval mode, with ``model.cfg`` set and
        ``model.fsat_modality`` naming the modality it reads (None for a
        single-modality config).
    """
    from fsat.apis.runner import load_config
    from fsat.registry import MODELS
    if isinstance(config, Config):
        cfg = config
    else:
        cfg = load_config(str(config), cfg_options)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope') or 'fsat'):
        model = MODELS.build(_student_cfg(cfg))
    if checkpoint is not None:
        _load_weights(model, checkpoint)
    elif hasattr(model, 'init_weights'):
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)  # a line per initialised tensor
        try:
            model.init_weights()
        finally:
            logger.setLevel(level)
    model.cfg = cfg
    model.fsat_modality = _student_modality(cfg)
    return model.to(device).eval()


def _test_dataset_cfg(cfg: Config, modality: Optional[str]) -> dict:
    """The config's test (else val) dataset, reduced to ``modality``."""
    for key in ('test_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            dataset = loader['dataset']
            dataset = (dataset.to_dict() if hasattr(dataset, 'to_dict')
                       else dict(dataset))
            break
    else:
        raise FsatUserError(
            f'{cfg.filename}: no test_dataloader or val_dataloader dataset '
            'to read a sample with (a transfer config has none): pass '
            'inference_student a tensor, or init_student the fine-tuning '
            "config the student is tested with (a distiller checkpoint's "
            'student loads into it)')
    if dataset.get('type') not in ('PairedModalityDataset',
                                   'fsat.PairedModalityDataset'):
        raise FsatUserError(
            f'{cfg.filename}: inference_student reads samples through a '
            f"PairedModalityDataset, the config's is {dataset.get('type')}")
    modalities = dataset['modalities']
    if modality is None:
        if len(modalities) != 1:
            raise FsatUserError(
                f'{cfg.filename}: the test dataset has several modalities '
                f'({", ".join(modalities)}); the model reads which?')
        modality = next(iter(modalities))
    if modality not in modalities:
        raise FsatUserError(
            f'{cfg.filename}: the test dataset has no {modality!r} modality '
            f'(it has {", ".join(modalities)})')
    for key in ('ntu', 'labeled_subset', 'ann_file'):
        dataset.pop(key, None)
    chosen = dict(modalities[modality])
    # one sample: no frame cache (it would write below the working dir)
    chosen['pipeline'] = [
        {k: v for k, v in t.items() if k != 'cache_root'}
        if isinstance(t, dict) else t for t in chosen.get('pipeline', [])
    ]
    dataset.update(
        modalities={modality: chosen},
        data_root='',
        with_label=False,
        subset='all',
        test_mode=True,
        on_missing='error',
        pack=dict(type='PackPairedInputs', pack_single=True))
    return dataset


def inference_student(model: nn.Module,
                      sample: Union[str, dict, torch.Tensor]):
    """Predict the class scores of one sample.

    Args:
        model (nn.Module): From :func:`init_student`.
        sample (str | dict | Tensor): One of

            * the path of a sample of the model's modality as the dataset
              stores it (a masked-depth frame folder, a flow folder, an RGB
              video, a ``.skeleton`` file), read with the config's test
              pipeline (the same clips and crops as ``tools/test.py``);
            * a record ``dict(name=..., paths=dict(<source>=<path>))``;
            * a tensor already shaped as the test pipeline's output, e.g.
              ``[num_clips, C, T, H, W]`` (normalised by the model's data
              preprocessor).

    Returns:
        ActionDataSample: ``pred_scores.item`` holds the class scores
        (averaged over the clips as the model's head is configured).
    """
    from mmaction.structures import ActionDataSample

    from fsat.registry import DATASETS
    cfg = getattr(model, 'cfg', None)
    if isinstance(sample, torch.Tensor):
        batch = dict(inputs=[sample], data_samples=[ActionDataSample()])
    else:
        if cfg is None:
            raise FsatUserError('inference_student needs a model from '
                                'init_student (it reads model.cfg)')
        dataset_cfg = _test_dataset_cfg(
            cfg, getattr(model, 'fsat_modality', None))
        modality = next(iter(dataset_cfg['modalities']))
        source = dataset_cfg['modalities'][modality].get('source') or modality
        if isinstance(sample, str):
            if not osp.exists(sample):
                raise FsatUserError(f'sample does not exist: {sample}')
            path = osp.abspath(sample)
            name = osp.basename(osp.normpath(path))
            record = dict(name=name.split('.')[0], paths={source: path})
        elif isinstance(sample, dict) and 'paths' in sample:
            record = dict(sample)
            record.setdefault('name', 'sample')
        else:
            raise FsatUserError(
                'sample must be a path, a record dict(name, paths) or a '
                f'tensor, got {type(sample).__name__}')
        record.pop('label', None)
        with tempfile.TemporaryDirectory(prefix='fsat_infer_') as tmp:
            ann_file = osp.join(tmp, 'records.json')
            with open(ann_file, 'w', encoding='utf-8') as f:
                json.dump([record], f)
            with DefaultScope.overwrite_default_scope(
                    cfg.get('default_scope') or 'fsat'):
                dataset = DATASETS.build(dict(dataset_cfg,
                                              ann_file=ann_file))
                batch = pseudo_collate([dataset[0]])
    with torch.no_grad():
        return model.test_step(batch)[0]

