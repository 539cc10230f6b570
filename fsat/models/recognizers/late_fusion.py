# Copyright (c) fsat contributors. All rights reserved.
"""Late fusion of trained recognizers: the two-stream student.

FSAT's two-stream result (paper §IV) averages, at test time, the class
scores of two students of the same target modality, one taught by an RGB
teacher and one by a flow teacher. :class:`LateFusionRecognizer` holds
any number of trained recognizers (each from its own config and
checkpoint), runs each on its input and averages their video-level scores
with optional weights. It only predicts: train each stream on its own.
"""
from typing import Dict, List, Mapping, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from fsat.models.distillers.teacher import (
    load_teacher_checkpoint,
    resolve_teacher_model,
)
from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['LateFusionRecognizer']


@MODELS.register_module()
class LateFusionRecognizer(BaseModel):
    """Average the class scores of several trained recognizers.

    Args:
        streams (dict): Name -> ``dict(config=<training config> | model=
            <model config>, checkpoint=<path>, prefix=None,
            modality=None)``. ``prefix`` loads only the checkpoint's keys
            under it (e.g. ``'student.'``: the student of a distiller's
            checkpoint, with the student's own config).
            ``modality`` names the input of a paired batch the stream
            reads (a dict of inputs); None when the batch holds one plain
            input that every stream reads (e.g. two depth students).
        weights (dict, optional): Name -> weight of its scores (normalised
            to sum 1). Defaults to equal weights.
        data_preprocessor (dict, optional): Defaults to a plain
            ``BaseDataPreprocessor``: each stream normalises its input
            with its own preprocessor.
    """

    def __init__(self,
                 streams: Mapping[str, dict],
                 weights: Optional[Mapping[str, float]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='mmengine.BaseDataPreprocessor'),
            init_cfg=init_cfg)
        if not isinstance(streams, Mapping) or len(streams) < 2:
            raise ModelConfigError(
                'LateFusionRecognizer needs at least two streams, e.g. '
                "streams=dict(rgb_taught=dict(config=..., checkpoint=...), "
                'flow_taught=dict(...))')
        self.streams = nn.ModuleDict()
        self.modalities: Dict[str, Optional[str]] = {}
        for name, cfg in streams.items():
            cfg = dict(cfg)
            unknown = set(cfg) - {'config', 'model', 'checkpoint',
                                  'prefix', 'modality'}
            if unknown:
                raise ModelConfigError(
                    f'streams.{name}: unknown keys {sorted(unknown)}; '
                    'expected config or model, checkpoint, prefix, '
                    'modality')
            if 'config' not in cfg and 'model' not in cfg:
                raise ModelConfigError(
                    f'streams.{name} needs config= (its training config) '
                    'or model=')
            cfg = resolve_teacher_model(name, cfg, group='streams')
            model = MODELS.build(cfg['model'])
            if cfg.get('checkpoint'):
                load_teacher_checkpoint(model, cfg['checkpoint'], name,
                                        role='stream',
                                        prefix=cfg.get('prefix'))
            self.streams[name] = model
            self.modalities[name] = cfg.get('modality')
        weights = dict(weights or {n: 1.0 for n in streams})
        if set(weights) != set(streams):
            raise ModelConfigError(
                f'weights name {sorted(weights)}, streams are '
                f'{sorted(streams)}')
        total = float(sum(weights.values()))
        if total <= 0:
            raise ModelConfigError('weights must sum to a positive value')
        self.weights = {n: float(w) / total for n, w in weights.items()}

    def _stream_batch(self, name: str, inputs, data_samples) -> dict:
        modality = self.modalities[name]
        if isinstance(inputs, Mapping):
            if modality is None:
                if len(inputs) != 1:
                    raise ValueError(
                        f'stream {name!r}: the batch holds the inputs '
                        f'{sorted(inputs)}; set streams.{name}.modality')
                modality = next(iter(inputs))
            if modality not in inputs:
                raise ValueError(
                    f'stream {name!r} reads {modality!r}, but the batch '
                    f'holds {sorted(inputs)}')
            inputs = inputs[modality]
        elif modality is not None:
            raise ValueError(f'stream {name!r} reads {modality!r}, but the '
                             'batch holds one plain input')
        return dict(inputs=inputs, data_samples=data_samples)

    def _predict(self, inputs, data_samples) -> List:
        fused: Optional[List[torch.Tensor]] = None
        for name, model in self.streams.items():
            batch = self._stream_batch(name, inputs, data_samples)
            batch = model.data_preprocessor(batch, False)
            preds = model(**batch, mode='predict')
            scores = [
                p.pred_scores.item.detach().clone() * self.weights[name]
                for p in preds
            ]
            fused = scores if fused is None else [
                a + b for a, b in zip(fused, scores)
            ]
        out = []
        for sample, score in zip(data_samples, fused):
            sample.set_pred_score(score)
            sample.set_pred_label(score.argmax(keepdim=True))
            out.append(sample)
        return out

    def forward(self,
                inputs,
                data_samples: Optional[Sequence] = None,
                mode: str = 'tensor'):
        if mode == 'predict':
            return self._predict(inputs, data_samples)
        raise RuntimeError(
            f'LateFusionRecognizer only predicts (mode={mode!r}): train '
            'each stream with its own config, then fuse the checkpoints')

    def val_step(self, data) -> list:
        data = self.data_preprocessor(data, False)
        return self._predict(data['inputs'], data['data_samples'])

    test_step = val_step
