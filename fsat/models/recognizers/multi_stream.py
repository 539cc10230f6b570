# Copyright (c) fsat contributors. All rights reserved.
"""Multi-stream per-frame recognizer: the model of every step of the
hallucination network (Garcia et al., ECCV 2018).

mmaction2's ``Recognizer2D`` reads one input with one head; here several
streams of a :class:`~fsat.models.backbones.CrossStreamResNet`, each with
its own mmaction2 head (``TSNHead``: average over the frames, then a
linear classifier) and its own input modality, are trained together:

* step 1: one stream (``rgb`` or ``depth``) alone, cross-entropy;
* step 2: ``rgb`` + ``depth`` with connections, one cross-entropy on the
  streams' averaged class scores (the prediction fusion layer);
* step 3: ``depth`` frozen (``frozen_streams``) and ``hallucination``
  (fed RGB, ``stream_inputs``), initialised from the depth stream
  (``init_streams``), trained with ``distill_losses`` between the streams
  (``GeneralizedDistillationLoss`` + ``HallucinationLoss``) and no plain
  cross-entropy (``fused_streams=[]``: L_GD holds the hard labels);
* step 4: ``rgb`` + ``hallucination`` with connections, RGB only.

Every step has the same parameter names (``backbone.streams.<stream>.*``,
``heads.<stream>.*``), so a step's checkpoint initialises the next one's
streams by name, or another stream (``from_stream``).

Features a distillation loss may name (``inputs`` of ``distill_losses``,
as in a distiller): ``<stream>.logits`` (class scores ``[N * clips,
K]``), ``<stream>.feat`` (the last stage's map ``[N * clips * T, C, h,
w]``) and ``data.labels``.
"""
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.model import BaseModel
from mmengine.structures import LabelData

from fsat.engine.checkpoint import load_local_checkpoint
from fsat.models.distillers.base import DATA_LABELS, sample_labels
from fsat.models.distillers.wiring import parse_loss_inputs
from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['MultiStreamRecognizer']

AVERAGE_CLIPS = ('prob', 'score')


@MODELS.register_module()
class MultiStreamRecognizer(BaseModel):
    """Streams of a cross-stream backbone, one head each, fused scores.

    Args:
        backbone (dict): A ``CrossStreamResNet`` config.
        heads (dict): Stream name -> head config (mmaction2 ``TSNHead``),
            one per stream of the backbone.
        stream_inputs (dict, optional): Stream name -> the modality of the
            paired batch it reads (e.g. ``hallucination='rgb'``). Defaults
            to the stream's own name.
        fused_streams (Sequence[str], optional): The streams whose class
            scores are averaged into the prediction and, when
            ``cls_loss_weight > 0``, into the cross-entropy. Defaults to
            every stream that is not frozen.
        predict_streams (Sequence[str], optional): The streams averaged at
            test time, when they differ from ``fused_streams`` (step 3
            trains without a plain cross-entropy but predicts with the
            hallucination stream). Defaults to ``fused_streams``.
        predict_connections (bool): False predicts with the
            ``predict_streams`` alone, their incoming connections cut, so
            their senders need no input at test time (step 3's
            hallucination stream, which trains with the frozen depth
            stream's connections, is tested from RGB alone, as step 4
            uses it). Defaults to True.
        frozen_streams (Sequence[str]): Streams whose parameters and
            batch-norm statistics never change (they stay in eval mode);
            each needs a checkpoint in ``init_streams`` to train (checked
            by ``init_weights``, before the first step).
        init_streams (dict, optional): Stream name -> ``dict(checkpoint=
            <path>, from_stream=<name>)``: load the stream (backbone and
            head) from a checkpoint of this recognizer, from the same
            stream or from ``from_stream`` (step 3's hallucination stream
            starts as the depth stream). Loaded by ``init_weights``.
        cls_loss_weight (float): Weight of the cross-entropy on the fused
            scores; 0 switches it off. Defaults to 1.0.
        distill_losses (dict, optional): Name -> loss config with
            ``inputs`` naming ``<stream>.logits``, ``<stream>.feat`` or
            ``data.labels`` per argument.
        average_clips (str): ``'prob'`` or ``'score'``: how a video's
            clips (and the fused streams) are averaged at test time.
            Defaults to ``'prob'``.
        data_preprocessor (dict, optional): A ``PairedDataPreprocessor``
            config (one preprocessor per modality).
    """

    def __init__(self,
                 backbone: dict,
                 heads: Mapping[str, dict],
                 stream_inputs: Optional[Mapping[str, str]] = None,
                 fused_streams: Optional[Sequence[str]] = None,
                 predict_streams: Optional[Sequence[str]] = None,
                 predict_connections: bool = True,
                 frozen_streams: Sequence[str] = (),
                 init_streams: Optional[Mapping[str, dict]] = None,
                 cls_loss_weight: float = 1.0,
                 distill_losses: Optional[Mapping[str, dict]] = None,
                 average_clips: str = 'prob',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='mmengine.BaseDataPreprocessor'),
            init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        names = list(self.backbone.streams)
        if not isinstance(heads, Mapping) or set(heads) != set(names):
            raise ModelConfigError(
                f'MultiStreamRecognizer: heads must have one entry per '
                f'stream {names}, got {sorted(heads or {})}')
        self.heads = nn.ModuleDict(
            {name: MODELS.build(heads[name])
             for name in names})
        self.stream_inputs = {name: name for name in names}
        for name, modality in dict(stream_inputs or {}).items():
            self._check_streams('stream_inputs', [name])
            self.stream_inputs[name] = modality
        self.frozen_streams = list(frozen_streams)
        self._check_streams('frozen_streams', self.frozen_streams)
        self.fused_streams = (
            [n for n in names if n not in self.frozen_streams]
            if fused_streams is None else list(fused_streams))
        self._check_streams('fused_streams', self.fused_streams)
        self.predict_streams = (
            self.fused_streams
            if predict_streams is None else list(predict_streams))
        self._check_streams('predict_streams', self.predict_streams)
        self.predict_connections = bool(predict_connections)
        if not self.predict_streams:
            raise ModelConfigError(
                'MultiStreamRecognizer: no stream to predict with; set '
                'fused_streams or predict_streams')
        if average_clips not in AVERAGE_CLIPS:
            raise ModelConfigError(
                f'MultiStreamRecognizer: average_clips must be one of '
                f'{AVERAGE_CLIPS}, got {average_clips!r}')
        self.average_clips = average_clips
        self.cls_loss_weight = float(cls_loss_weight)
        self.init_streams = self._check_init_streams(init_streams or {})
        for name in self.frozen_streams:
            for module in (self.backbone.streams[name], self.heads[name]):
                for param in module.parameters():
                    param.requires_grad_(False)
        features = [f'{n}.{kind}' for n in names
                    for kind in ('logits', 'feat')] + [DATA_LABELS]
        self.distill_losses = nn.ModuleDict()
        self.loss_inputs = {}
        for name, cfg in dict(distill_losses or {}).items():
            cfg = dict(cfg)
            inputs = cfg.pop('inputs', None)
            loss = MODELS.build(cfg)
            self.loss_inputs[name] = parse_loss_inputs(
                name, loss, inputs, features, [])
            self.distill_losses[name] = loss
        if self.cls_loss_weight == 0 and not self.distill_losses:
            raise ModelConfigError(
                'MultiStreamRecognizer: nothing to train with: '
                'cls_loss_weight is 0 and there are no distill_losses')

    def _check_streams(self, field: str, names: Sequence[str]) -> None:
        streams = list(self.backbone.streams)
        unknown = [n for n in names if n not in streams]
        if unknown:
            raise ModelConfigError(
                f'MultiStreamRecognizer: {field} names unknown stream(s) '
                f'{unknown}; the streams are {streams}')

    def _check_init_streams(self, init_streams) -> Dict[str, dict]:
        checked = {}
        for name, cfg in dict(init_streams).items():
            self._check_streams('init_streams', [name])
            cfg = dict(cfg)
            unknown = set(cfg) - {'checkpoint', 'from_stream'}
            if unknown:
                raise ModelConfigError(
                    f'MultiStreamRecognizer: init_streams.{name} has unknown '
                    f'keys {sorted(unknown)} (checkpoint, from_stream)')
            cfg.setdefault('from_stream', name)
            checked[name] = cfg
        return checked

    # ------------------------------------------------------------------
    def init_weights(self) -> None:
        # before any training step (the runner initialises the weights
        # first); building the model alone, e.g. to test a checkpoint,
        # needs no stream checkpoint
        for name in self.frozen_streams:
            if not self.init_streams.get(name, {}).get('checkpoint'):
                raise ModelConfigError(
                    f'MultiStreamRecognizer: frozen stream {name!r} has no '
                    f'checkpoint; a frozen stream must be loaded from a '
                    f'trained one (init_streams.{name}.checkpoint=...)')
        super().init_weights()
        for name, cfg in self.init_streams.items():
            if cfg.get('checkpoint'):
                self.load_stream(name, cfg['checkpoint'], cfg['from_stream'])

    def load_stream(self, name: str, checkpoint: str,
                    from_stream: Optional[str] = None) -> None:
        """Load stream ``name`` (backbone and head) from a checkpoint of a
        ``MultiStreamRecognizer``, reading its stream ``from_stream``."""
        from_stream = from_stream or name
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'{checkpoint}: no such checkpoint (init_streams.{name})')
        # names the file when it is truncated or not a checkpoint
        ckpt = load_local_checkpoint(checkpoint, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        state = {k[len('module.'):] if k.startswith('module.') else k: v
                 for k, v in state.items()}
        prefixes = {
            f'backbone.streams.{from_stream}.':
            f'backbone.streams.{name}.',
            f'heads.{from_stream}.': f'heads.{name}.'
        }
        picked = {}
        for key, value in state.items():
            for src, dst in prefixes.items():
                if key.startswith(src):
                    picked[dst + key[len(src):]] = value
        wanted = [k for k in self.state_dict() if k.startswith(
            tuple(prefixes.values()))]
        missing = [k for k in wanted if k not in picked]
        if missing:
            raise ValueError(
                f'{checkpoint}: has no stream {from_stream!r} to initialise '
                f'stream {name!r} (e.g. {missing[0]!r} is missing; '
                f'{len(missing)} of {len(wanted)} keys)')
        self.load_state_dict(picked, strict=False)

    def train(self, mode: bool = True) -> 'MultiStreamRecognizer':
        super().train(mode)
        for name in self.frozen_streams:  # batch norm statistics stay
            self.backbone.streams[name].eval()
            self.heads[name].eval()
        return self

    # ------------------------------------------------------------------
    def _frames(self, inputs: Mapping[str, torch.Tensor],
                streams: Sequence[str]) -> Dict[str, torch.Tensor]:
        """Stream -> frames ``[N * clips * T, C, H, W]`` of its modality,
        checked against the backbone's ``num_segments``."""
        T = self.backbone.num_segments
        frames = {}
        for name in streams:
            modality = self.stream_inputs[name]
            if not isinstance(inputs, Mapping) or modality not in inputs:
                have = (sorted(inputs) if isinstance(inputs, Mapping) else
                        type(inputs).__name__)
                raise ValueError(
                    f'MultiStreamRecognizer: stream {name!r} reads modality '
                    f'{modality!r}, which the batch lacks ({have})')
            x = inputs[modality]
            if x.dim() != 5 or x.shape[1] % T:
                raise ValueError(
                    f'MultiStreamRecognizer: modality {modality!r} must be '
                    f'[N, clips * {T}, C, H, W] (format_shape NCHW, '
                    f'num_segments {T}), got {tuple(x.shape)}')
            frames[name] = x.reshape((-1, ) + x.shape[2:])
        return frames

    def _needed_streams(self, training: bool) -> List[str]:
        names = set(self.predict_streams)
        if training:
            names |= set(self.fused_streams)
            for wiring in self.loss_inputs.values():
                names |= {
                    item.feature.split('.')[0]
                    for item in wiring.values() if item.feature != DATA_LABELS
                }
        if not training and not self.predict_connections:
            return [n for n in self.backbone.streams if n in names]
        # the senders of every needed stream
        grew = True
        while grew:
            grew = False
            for conn in self.backbone.connections:
                if conn['dst'] in names and conn['src'] not in names:
                    names.add(conn['src'])
                    grew = True
        return [n for n in self.backbone.streams if n in names]

    def extract_feat(self, inputs, training: bool = False
                     ) -> Dict[str, torch.Tensor]:
        """Run the streams: ``<stream>.feat`` and ``<stream>.logits``."""
        streams = self._needed_streams(training)
        maps = self.backbone(
            self._frames(inputs, streams),
            connections=training or self.predict_connections)
        T = self.backbone.num_segments
        out = {}
        for name, feat in maps.items():
            out[f'{name}.feat'] = feat
            out[f'{name}.logits'] = self.heads[name](feat, num_segs=T)
        return out

    @staticmethod
    def _fuse(features: Dict[str, torch.Tensor],
              streams: Sequence[str]) -> torch.Tensor:
        return torch.stack([features[f'{n}.logits'] for n in streams]).mean(0)

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        features = self.extract_feat(inputs, training=True)
        rows = next(v for k, v in features.items()
                    if k.endswith('.logits')).shape[0]
        labels = torch.tensor(sample_labels(data_samples), dtype=torch.long)
        if rows % len(labels):
            raise ValueError(f'MultiStreamRecognizer: {rows} clip rows for '
                             f'{len(labels)} samples')
        labels = labels.repeat_interleave(rows // len(labels)).to(
            features[next(iter(features))].device)
        losses = {}
        if self.cls_loss_weight and self.fused_streams:
            fused = self._fuse(features, self.fused_streams)
            losses['loss_cls'] = self.cls_loss_weight * F.cross_entropy(
                fused, labels, ignore_index=-1)
            with torch.no_grad():
                known = labels >= 0
                if known.any():
                    losses['top1_acc'] = (fused[known].argmax(1) ==
                                          labels[known]).float().mean()
        features[DATA_LABELS] = labels
        for name, loss in self.distill_losses.items():
            kwargs = {arg: features[item.feature]
                      for arg, item in self.loss_inputs[name].items()}
            losses[f'distill.{name}'] = loss(**kwargs)
        return losses

    def predict(self, inputs, data_samples) -> List[ActionDataSample]:
        features = self.extract_feat(inputs, training=False)
        fused = self._fuse(features, self.predict_streams)
        clips = fused.shape[0] // len(data_samples)
        fused = fused.view(len(data_samples), clips, -1)
        if self.average_clips == 'prob':
            scores = F.softmax(fused, dim=2).mean(1)
        else:
            scores = fused.mean(1)
        for sample, score in zip(data_samples, scores):
            sample.pred_scores = LabelData(item=score)
            sample.pred_labels = LabelData(item=score.argmax(-1, keepdim=True))
        return data_samples

    def _forward(self, inputs, data_samples=None):
        features = self.extract_feat(inputs, training=False)
        return self._fuse(features, self.predict_streams)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode {mode!r}: loss, predict or tensor')
