# Copyright (c) fsat contributors. All rights reserved.
"""R-C3D: Region Convolutional 3D Network for temporal activity detection
(Xu, Das, Saenko, ICCV 2017), on any mmaction2 3D backbone.

A buffer of ``T`` frames goes through the shared 3D backbone (FSAT: the
transferred 3D-ResNet-18 depth student) to a feature map of ``T / stride``
steps; :class:`~fsat.models.heads.TemporalProposalHead` proposes segments
on it and :class:`~fsat.models.heads.ProposalClassifierHead` classifies
and refines them. Training needs ``gt_instances`` (``segments`` in input
frames of the buffer, ``labels``) in each data sample; prediction returns
``pred_instances`` (``segments`` in frames of the whole video, using the
sample's ``buffer_start`` and ``frame_interval``, ``scores``, ``labels``).
A long video is detected buffer by buffer (see
:func:`fsat.apis.detect_video`, and ``merge_iou`` of
:class:`~fsat.evaluation.TemporalDetectionMAP` for the test loop).
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData

from fsat.registry import MODELS

from ..errors import ModelConfigError

__all__ = ['RC3D']


@MODELS.register_module()
class RC3D(BaseModel):
    """R-C3D temporal action detector.

    Args:
        backbone (dict): A 3D backbone config (e.g. mmaction2's
            ``ResNet3d``) whose output has ``T / temporal_stride`` steps.
        proposal_head (dict): :class:`TemporalProposalHead` config
            (``in_channels`` and ``temporal_stride`` are filled in from
            this model's arguments when absent).
        classifier_head (dict): :class:`ProposalClassifierHead` config
            (the same two fields are filled in).
        in_channels (int): Channels of the backbone's output.
        temporal_stride (int): Input frames per feature step; checked
            against the backbone's output on the first buffer. Defaults
            to 8.
        data_preprocessor (dict, optional): E.g. mmaction2's
            ``ActionDataPreprocessor`` with ``format_shape='NCTHW'``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 proposal_head: dict,
                 classifier_head: dict,
                 in_channels: int,
                 temporal_stride: int = 8,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.temporal_stride = temporal_stride
        shared = dict(in_channels=in_channels,
                      temporal_stride=temporal_stride)
        self.proposal_head = MODELS.build(
            dict(shared, type='TemporalProposalHead', **proposal_head))
        self.classifier_head = MODELS.build(
            dict(shared, type='ProposalClassifierHead', **classifier_head))

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """[B, 1, C, T, H, W] (or [B, C, T, H, W]) -> [B, C', L, H', W']."""
        if inputs.dim() == 6:
            if inputs.shape[1] != 1:
                raise ModelConfigError(
                    f'RC3D takes one buffer per sample, got {inputs.shape[1]}'
                    ' clips: sample the whole buffer as one clip')
            inputs = inputs[:, 0]
        feats = self.backbone(inputs)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        steps, frames = feats.shape[2], inputs.shape[2]
        if steps * self.temporal_stride != frames:
            raise ModelConfigError(
                f'RC3D: the backbone turns {frames} input frames into '
                f'{steps} feature steps, but temporal_stride is '
                f'{self.temporal_stride} (expected {frames} / '
                f'{self.temporal_stride} steps): set temporal_stride, or '
                'the backbone\'s temporal strides, or a buffer length that '
                'is a multiple of the stride')
        return feats

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        """``'loss'``, ``'predict'`` or ``'tensor'`` (the feature map)."""
        feats = self.extract_feat(inputs)
        if mode == 'tensor':
            return feats
        if mode == 'loss':
            return self.loss(feats, inputs, data_samples)
        if mode == 'predict':
            return self.predict(feats, inputs, data_samples)
        raise ValueError(f'Invalid mode {mode!r}: expected "loss", '
                         '"predict" or "tensor"')

    @staticmethod
    def _num_frames(inputs: torch.Tensor) -> int:
        return inputs.shape[-3]

    def loss(self, feats: torch.Tensor, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        """Proposal and classification losses of a batch of buffers."""
        num_frames = self._num_frames(inputs)
        gt_segments = [
            s.gt_instances.segments.to(feats.device, torch.float32).reshape(
                -1, 2) for s in data_samples
        ]
        gt_labels = [
            s.gt_instances.labels.to(feats.device, torch.long).reshape(-1)
            for s in data_samples
        ]
        cls, reg = self.proposal_head(feats)
        anchors = self.proposal_head.anchors(feats.shape[2], feats.device)
        losses = self.proposal_head.loss(cls, reg, anchors, gt_segments)
        proposals = [p for p, _ in self.proposal_head.proposals(
            cls.detach(), reg.detach(), anchors, num_frames)]
        rois, labels, matched = self.classifier_head.sample(
            proposals, gt_segments, gt_labels)
        scores, offsets = self.classifier_head(feats, rois)
        losses.update(self.classifier_head.loss(scores, offsets, rois,
                                                labels, matched))
        return losses

    def predict(self, feats: torch.Tensor, inputs: torch.Tensor,
                data_samples: List) -> List:
        """Detections of each buffer, in frames of the whole video."""
        num_frames = self._num_frames(inputs)
        cls, reg = self.proposal_head(feats)
        anchors = self.proposal_head.anchors(feats.shape[2], feats.device)
        proposals = self.proposal_head.proposals(cls, reg, anchors,
                                                 num_frames)
        for b, (sample, (props, _)) in enumerate(
                zip(data_samples, proposals)):
            rois = torch.cat([props.new_full((len(props), 1), b), props], 1)
            scores, offsets = self.classifier_head(feats, rois)
            segs, confs, labels = self.classifier_head.detections(
                scores, offsets, props, num_frames)
            meta = sample.metainfo
            valid = meta.get('num_valid_input_frames', num_frames)
            segs = segs.clamp(max=float(valid))
            keep = segs[:, 1] > segs[:, 0]
            interval = meta.get('frame_interval', 1)
            start = meta.get('buffer_start', 0)
            pred = InstanceData()
            pred.segments = (segs[keep] * interval + start).cpu()
            pred.scores = confs[keep].cpu()
            pred.labels = labels[keep].cpu()
            sample.pred_instances = pred
        return data_samples
