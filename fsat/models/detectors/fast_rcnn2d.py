# Copyright (c) fsat contributors. All rights reserved.
"""Fast R-CNN (Girshick, ICCV 2015) on precomputed proposals (or on those
of a Faster R-CNN region proposal network), and the late fusion of two
such detectors (Gupta, Hoffman, Malik, CVPR 2016).

Supervision transfer is judged by the detector that its transferred
layers initialise: Fast R-CNN on NYUD2 objects (RGB and HHA depth) and
JHMDB actors (RGB and flow). The paper trains one detector per modality
and, for RGB-D, averages their class scores and box regressions on the
same proposals. mmaction2 has no 2-D detector and mmdet is not part of
fsat's environment, so both are here, on fsat's plain-torch ops.

* :class:`FastRCNN2D`: any backbone (``MODELS`` config; a 2-D ResNet of
  mmaction2, AlexNet-like convs, ...), one tapped feature map of stride
  ``feat_stride``, :class:`~fsat.models.heads.RoIBoxHead2D` on the
  sample's proposals (``data_sample.proposals``, from
  ``LoadProposalFile`` or ``SlidingWindowProposals``), on sliding
  windows made here (``sliding_windows=dict(...)``) or on the proposals
  of a :class:`~fsat.models.heads.RPNHead2D` on the same map
  (``rpn_head=dict(...)``: Faster R-CNN, Ren et al., NeurIPS 2015,
  trained jointly in the approximate way, proposals detached).
* :class:`LateFusionDetector2D`: several :class:`FastRCNN2D`, one per
  modality of a paired input, fused on the same proposals.

Predictions (``pred_instances``: ``bboxes``, ``scores``, ``labels``) are
returned in the *original* image's pixels: a flip is undone with the
sample's ``flip`` metainfo, then boxes are divided by ``scale_factor`` and
clipped to ``ori_shape``; ``gt_instances`` are mapped back the same way,
so that :class:`~fsat.evaluation.metrics.VOCBoxMAP` compares in original
pixels.
"""
import logging
import math
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.structures import InstanceData

from fsat.registry import MODELS

from ..data_preprocessors import Det2DDataPreprocessor
from ..errors import ModelConfigError
from ..heads import RoIBoxHead2D, RPNHead2D

__all__ = ['FastRCNN2D', 'LateFusionDetector2D']

#: Keys of ``sliding_windows=dict(...)`` (see ``sliding_window_boxes``).
SLIDING_WINDOW_KEYS = ('scales', 'ratios', 'stride_ratio', 'stride')
#: How many mismatching checkpoint keys an error message shows.
SHOWN_KEYS = 5


def _sample_name(sample, index: int) -> str:
    img_id = sample.metainfo.get('img_id')
    return f'data sample {index}' + (f' (img_id {img_id!r})'
                                     if img_id is not None else '')


def _has_proposals(sample) -> bool:
    props = sample.get('proposals')
    return props is not None and 'bboxes' in props


def _unflip(boxes: torch.Tensor, meta: dict) -> torch.Tensor:
    if not meta.get('flip') or meta.get('flip_direction',
                                        'horizontal') != 'horizontal':
        return boxes
    width = float(meta['img_shape'][1])
    out = boxes.clone()
    out[:, 0] = width - boxes[:, 2]
    out[:, 2] = width - boxes[:, 0]
    return out


def _to_original(boxes: torch.Tensor, meta: dict) -> torch.Tensor:
    """Network-input boxes -> original image pixels (undo flip, rescale,
    clip to ``ori_shape``)."""
    boxes = _unflip(boxes.reshape(-1, 4).float(), meta)
    w_scale, h_scale = meta.get('scale_factor', (1.0, 1.0))[:2]
    boxes = boxes / boxes.new_tensor([w_scale, h_scale, w_scale, h_scale])
    if 'ori_shape' in meta:
        height, width = meta['ori_shape'][:2]
        boxes = torch.minimum(boxes.clamp(min=0),
                              boxes.new_tensor([width, height] * 2))
    return boxes


def _finish(sample, bboxes: torch.Tensor, scores: torch.Tensor,
            labels: torch.Tensor) -> None:
    """Set ``pred_instances`` in original pixels; map ``gt_instances``
    back once (metainfo ``gt_in_original_coords``)."""
    meta = sample.metainfo
    pred = InstanceData()
    pred.bboxes = _to_original(bboxes.detach(), meta).cpu()
    pred.scores = scores.detach().float().cpu()
    pred.labels = labels.detach().long().cpu()
    sample.pred_instances = pred
    gt = sample.get('gt_instances')
    if gt is not None and 'bboxes' in gt and not meta.get(
            'gt_in_original_coords', False):
        new = gt.clone()
        new.bboxes = _to_original(gt.bboxes, meta).to(gt.bboxes.device)
        sample.gt_instances = new
        sample.set_metainfo(dict(gt_in_original_coords=True))


@MODELS.register_module()
class FastRCNN2D(BaseModel):
    """Fast R-CNN on precomputed, sliding-window or RPN proposals.

    Args:
        backbone (dict): A ``MODELS`` config, e.g. mmaction2's 2-D
            ``ResNet`` (``out_indices=(2, )`` for the stride-16 ``res4``
            map).
        roi_head (dict): :class:`~fsat.models.heads.RoIBoxHead2D` config
            (``type`` may be left out); ``spatial_scale`` is filled in as
            ``1 / feat_stride`` (a different value is an error).
        feat_stride (int): Input pixels per cell of the tapped map;
            checked against the map on the first batch. Defaults to 16.
        feature_index (int, optional): Which element of a tuple output of
            the backbone is tapped. Defaults to None: the last element of
            a tuple, or the output itself.
        modality (str, optional): The input this detector reads when the
            batch input is a dict (``'rgb'``, ``'hha'``, ``'flow'``); None
            when the input is one tensor (or a dict of one entry). A plain
            tensor input is read whatever ``modality`` says.
        sliding_windows (dict, optional): Make proposals here for samples
            that carry none: ``dict(scales=..., ratios=...,
            stride_ratio=..., stride=...)`` of
            :func:`~fsat.datasets.transforms.sliding_window_boxes` (``{}``
            for its defaults), on each sample's ``img_shape``. Defaults to
            None (every sample must carry ``proposals``).
        train_with_difficult (bool): Train on ground-truth boxes marked
            ``difficult`` too. Defaults to False (they are dropped from the
            training targets, as in py-faster-rcnn and mmdet).
        rpn_head (dict, optional): A :class:`~fsat.models.heads.RPNHead2D`
            config (``type`` may be left out; ``feat_stride`` is filled
            from this detector's, ``in_channels`` from ``roi_head``'s):
            Faster R-CNN. It runs on the tapped map and makes every
            sample's proposals; in loss mode its ``loss_rpn_cls`` and
            ``loss_rpn_bbox`` join the head's losses, and the head samples
            its RoIs from the (detached) RPN proposals plus the ground
            truths (``RoIBoxHead2D.add_gt_as_proposals``). Not together
            with ``sliding_windows``. Defaults to None (no RPN).
        use_sample_proposals (bool): With ``rpn_head``, a sample that
            carries ``proposals`` keeps its own (the RPN makes the
            others'). Defaults to False: the RPN makes all of them. Without
            ``rpn_head`` a sample's proposals are always used.
        data_preprocessor (dict | nn.Module, optional): Defaults to a
            :class:`~fsat.models.data_preprocessors.Det2DDataPreprocessor`
            without normalisation.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 roi_head: dict,
                 feat_stride: int = 16,
                 feature_index: Optional[int] = None,
                 modality: Optional[str] = None,
                 sliding_windows: Optional[dict] = None,
                 train_with_difficult: bool = False,
                 rpn_head: Optional[dict] = None,
                 use_sample_proposals: bool = False,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor or Det2DDataPreprocessor(),
            init_cfg=init_cfg)
        if not isinstance(feat_stride, int) or feat_stride < 1:
            raise ModelConfigError(f'FastRCNN2D: feat_stride={feat_stride!r}'
                                   ' must be a positive int')
        if modality is not None and not isinstance(modality, str):
            raise ModelConfigError(f'FastRCNN2D: modality={modality!r} must '
                                   'be a name like rgb, hha or flow')
        if sliding_windows is not None:
            if not isinstance(sliding_windows, Mapping):
                raise ModelConfigError(
                    'FastRCNN2D: sliding_windows must be a dict of '
                    f'{SLIDING_WINDOW_KEYS}, got {sliding_windows!r}')
            unknown = set(sliding_windows) - set(SLIDING_WINDOW_KEYS)
            if unknown:
                raise ModelConfigError(
                    f'FastRCNN2D: sliding_windows has unknown keys '
                    f'{sorted(unknown)}; expected some of '
                    f'{list(SLIDING_WINDOW_KEYS)}')
            sliding_windows = dict(sliding_windows)
            self._windows((64, 64), sliding_windows)  # check the values
        if rpn_head is not None:
            if sliding_windows is not None:
                raise ModelConfigError(
                    'FastRCNN2D: set sliding_windows or rpn_head, not both '
                    '(each makes the proposals)')
            if not isinstance(rpn_head, Mapping):
                raise ModelConfigError(
                    'FastRCNN2D: rpn_head must be an RPNHead2D config dict, '
                    f'got {rpn_head!r}')
        if not isinstance(use_sample_proposals, bool):
            raise ModelConfigError(
                'FastRCNN2D: use_sample_proposals='
                f'{use_sample_proposals!r} must be True or False')
        head = dict(roi_head)
        head.setdefault('type', 'RoIBoxHead2D')
        scale = head.setdefault('spatial_scale', 1.0 / feat_stride)
        if not math.isclose(scale, 1.0 / feat_stride, rel_tol=1e-6):
            raise ModelConfigError(
                f'FastRCNN2D: roi_head.spatial_scale={scale} does not match '
                f'feat_stride={feat_stride} (1/{feat_stride} = '
                f'{1.0 / feat_stride:g}); leave spatial_scale out')
        self.backbone = MODELS.build(backbone)
        self.roi_head = MODELS.build(head)
        if not isinstance(self.roi_head, RoIBoxHead2D):
            raise ModelConfigError(
                'FastRCNN2D: roi_head must be a RoIBoxHead2D, got '
                f'{type(self.roi_head).__name__}')
        self.rpn_head = None
        if rpn_head is not None:
            rpn = dict(rpn_head)
            rpn.setdefault('type', 'RPNHead2D')
            if 'in_channels' in head:
                rpn.setdefault('in_channels', head['in_channels'])
            stride = rpn.setdefault('feat_stride', feat_stride)
            if stride != feat_stride:
                raise ModelConfigError(
                    f'FastRCNN2D: rpn_head.feat_stride={stride!r} does not '
                    f'match feat_stride={feat_stride}; leave it out')
            self.rpn_head = MODELS.build(rpn)
            if not isinstance(self.rpn_head, RPNHead2D):
                raise ModelConfigError(
                    'FastRCNN2D: rpn_head must be an RPNHead2D, got '
                    f'{type(self.rpn_head).__name__}')
        self.use_sample_proposals = use_sample_proposals
        self.feat_stride = feat_stride
        self.feature_index = feature_index
        self.modality = modality
        self.sliding_windows = sliding_windows
        self.train_with_difficult = train_with_difficult
        self._stride_checked = False
        self._window_cache: Dict[Tuple[int, int], torch.Tensor] = {}

    # ---------------------------------------------------------------- input
    def select_input(self, inputs) -> torch.Tensor:
        """The batch tensor this detector reads from ``inputs``."""
        if not isinstance(inputs, Mapping):
            return inputs
        if self.modality is None:
            if len(inputs) != 1:
                raise ModelConfigError(
                    f'FastRCNN2D: the batch holds the inputs '
                    f'{sorted(inputs)}; set modality to the one to read')
            return next(iter(inputs.values()))
        if self.modality not in inputs:
            raise ModelConfigError(
                f'FastRCNN2D: modality={self.modality!r}, but the batch '
                f'holds the inputs {sorted(inputs)}')
        return inputs[self.modality]

    def _check_stride(self, image: torch.Tensor, feats: torch.Tensor) -> None:
        (height, width), (fh, fw) = image.shape[-2:], feats.shape[-2:]
        s = self.feat_stride

        def fits(size: int, cells: int) -> bool:
            # ceil/floor of size / s, or within 25 % (unpadded convs)
            return (abs(cells - size / s) <= 1
                    or abs(cells * s / size - 1) <= 0.25)

        if not (fits(height, fh) and fits(width, fw)):
            actual = (height / max(fh, 1) + width / max(fw, 1)) / 2
            raise ModelConfigError(
                f'FastRCNN2D: feat_stride={s}, but the backbone maps a '
                f'{height}x{width} input to a {fh}x{fw} map (stride about '
                f'{actual:.3g}): set feat_stride (or feature_index / the '
                'backbone\'s out_indices)')
        self._stride_checked = True

    def extract_feat(self, inputs) -> torch.Tensor:
        """The tapped feature map [B, C, H / stride, W / stride]."""
        image = self.select_input(inputs)
        if not isinstance(image, torch.Tensor) or image.dim() != 4:
            raise ModelConfigError(
                'FastRCNN2D: the input must be a batch [B, C, H, W] (use '
                'Det2DDataPreprocessor), got '
                + (f'shape {tuple(image.shape)}' if isinstance(
                    image, torch.Tensor) else type(image).__name__))
        feats = self.backbone(image)
        if isinstance(feats, (tuple, list)):
            index = -1 if self.feature_index is None else self.feature_index
            if not -len(feats) <= index < len(feats):
                raise ModelConfigError(
                    f'FastRCNN2D: feature_index={self.feature_index} but '
                    f'the backbone returns {len(feats)} maps')
            feats = feats[index]
        elif self.feature_index is not None:
            raise ModelConfigError(
                f'FastRCNN2D: feature_index={self.feature_index} but the '
                'backbone returns one tensor; leave feature_index out')
        if not isinstance(feats, torch.Tensor) or feats.dim() != 4:
            raise ModelConfigError(
                'FastRCNN2D: the tapped backbone output must be a map '
                '[B, C, H, W]')
        if not self._stride_checked:
            self._check_stride(image, feats)
        return feats

    @staticmethod
    def _windows(shape: Tuple[int, int], cfg: dict):
        from fsat.datasets.transforms.detection2d import sliding_window_boxes
        try:
            return sliding_window_boxes(shape, **cfg)
        except ValueError as err:
            raise ModelConfigError(f'FastRCNN2D: {err}') from None

    def _wants_rpn(self, sample) -> bool:
        return self.rpn_head is not None and not (
            self.use_sample_proposals and _has_proposals(sample))

    @staticmethod
    def _img_shapes(data_samples: Sequence) -> List[Tuple[int, int]]:
        shapes = []
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            shape = meta.get('img_shape', meta.get('batch_input_shape'))
            if shape is None:
                raise ValueError(f'FastRCNN2D: {_sample_name(sample, i)} '
                                 'has no img_shape to clip proposals to')
            shapes.append((int(shape[0]), int(shape[1])))
        return shapes

    def rpn_proposals(self, feats: torch.Tensor, data_samples: Sequence,
                      rpn_outputs: Optional[Tuple[torch.Tensor,
                                                  torch.Tensor]] = None
                      ) -> List[torch.Tensor]:
        """The RPN's proposals [P, 4] of each sample (detached), from
        ``feats`` or from ``rpn_outputs`` (objectness, deltas) already
        computed on them."""
        if self.rpn_head is None:
            raise ModelConfigError('FastRCNN2D: rpn_proposals needs '
                                   'rpn_head=dict(...)')
        objectness, deltas = (self.rpn_head(feats) if rpn_outputs is None
                              else rpn_outputs)
        anchors = self.rpn_head.anchors(feats.shape, feats.device)
        return [
            boxes for boxes, _ in self.rpn_head.proposals(
                objectness, deltas, anchors, self._img_shapes(data_samples))
        ]

    def proposals_of(self,
                     data_samples: Sequence,
                     device: torch.device,
                     feats: Optional[torch.Tensor] = None
                     ) -> List[torch.Tensor]:
        """Each sample's proposals [P, 4] in input pixels: with
        ``rpn_head``, the RPN's on ``feats`` (the tapped map, then
        required) unless ``use_sample_proposals`` and the sample carries
        its own; else its own ``proposals``; else sliding windows (if
        configured)."""
        rpn = None
        if any(self._wants_rpn(s) for s in data_samples):
            if feats is None:
                raise ModelConfigError(
                    'FastRCNN2D: with rpn_head, proposals_of needs the '
                    'tapped map: proposals_of(data_samples, device, feats)')
            rpn = self.rpn_proposals(feats, data_samples)
        return self._proposals(data_samples, device, rpn)

    def _proposals(self, data_samples: Sequence, device: torch.device,
                   rpn: Optional[List[torch.Tensor]]) -> List[torch.Tensor]:
        out = []
        for i, sample in enumerate(data_samples):
            if rpn is not None and self._wants_rpn(sample):
                out.append(rpn[i].to(device))
                continue
            props = sample.get('proposals')
            if props is not None and 'bboxes' in props:
                boxes = torch.as_tensor(props.bboxes).to(device,
                                                         torch.float32)
                if boxes.numel() and (boxes.dim() != 2
                                      or boxes.shape[1] != 4):
                    raise ValueError(
                        f'FastRCNN2D: {_sample_name(sample, i)}: proposals '
                        f'must be [P, 4], got {tuple(boxes.shape)}')
                out.append(boxes.reshape(-1, 4))
                continue
            if self.sliding_windows is None:
                raise ModelConfigError(
                    f'FastRCNN2D: {_sample_name(sample, i)} has no '
                    'proposals and sliding_windows is not set: add '
                    'LoadProposalFile or SlidingWindowProposals to the '
                    'pipeline, or set sliding_windows=dict(...)')
            meta = sample.metainfo
            shape = meta.get('img_shape', meta.get('batch_input_shape'))
            if shape is None:
                raise ValueError(f'FastRCNN2D: {_sample_name(sample, i)} '
                                 'has no img_shape to place windows on')
            shape = (int(shape[0]), int(shape[1]))
            if shape not in self._window_cache:
                self._window_cache[shape] = torch.from_numpy(
                    self._windows(shape, self.sliding_windows))
            out.append(self._window_cache[shape].to(device))
        return out

    def ground_truth(self, data_samples: Sequence, device: torch.device
                     ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Training boxes and labels of each sample (difficult ones dropped
        unless ``train_with_difficult``)."""
        boxes, labels = [], []
        for i, sample in enumerate(data_samples):
            gt = sample.get('gt_instances')
            if gt is None or 'bboxes' not in gt or 'labels' not in gt:
                raise ValueError(f'FastRCNN2D: {_sample_name(sample, i)} '
                                 'has no gt_instances (bboxes, labels) to '
                                 'train on')
            b = torch.as_tensor(gt.bboxes).to(device,
                                              torch.float32).reshape(-1, 4)
            lab = torch.as_tensor(gt.labels).to(device,
                                                torch.long).reshape(-1)
            if not self.train_with_difficult and 'difficult' in gt:
                keep = ~torch.as_tensor(gt.difficult).to(device).bool()
                b, lab = b[keep.reshape(-1)], lab[keep.reshape(-1)]
            boxes.append(b)
            labels.append(lab)
        return boxes, labels

    @staticmethod
    def rois_of(proposals: Sequence[torch.Tensor]) -> torch.Tensor:
        """``[R, 5]`` rows ``(batch_idx, x1, y1, x2, y2)``."""
        return torch.cat([
            torch.cat([p.new_full((len(p), 1), b), p], 1)
            for b, p in enumerate(proposals)
        ]) if len(proposals) else torch.zeros(0, 5)

    # -------------------------------------------------------------- modes
    def forward(self,
                inputs,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``'loss'``, ``'predict'`` or ``'tensor'`` (the tapped map)."""
        feats = self.extract_feat(inputs)
        if mode == 'tensor':
            return feats
        if mode == 'loss':
            return self.loss(feats, data_samples)
        if mode == 'predict':
            return self.predict(feats, data_samples)
        raise ValueError(f'Invalid mode {mode!r}: expected "loss", '
                         '"predict" or "tensor"')

    def head_outputs(self, feats: torch.Tensor, data_samples: Sequence
                     ) -> Tuple[List[torch.Tensor], torch.Tensor,
                                torch.Tensor]:
        """Proposals of each sample and the head's logits and deltas of
        all of them (in sample order)."""
        proposals = self.proposals_of(data_samples, feats.device, feats)
        cls, deltas = self.roi_head(feats, self.rois_of(proposals).to(feats))
        return proposals, cls, deltas

    def loss(self, feats: torch.Tensor,
             data_samples: Sequence) -> Dict[str, torch.Tensor]:
        """``loss_cls`` and ``loss_bbox`` of a batch (and, with
        ``rpn_head``, ``loss_rpn_cls`` and ``loss_rpn_bbox``)."""
        if data_samples is None:
            raise ValueError('FastRCNN2D: loss mode needs data_samples')
        gt_boxes, gt_labels = self.ground_truth(data_samples, feats.device)
        if self.rpn_head is None:
            proposals = self.proposals_of(data_samples, feats.device)
            rpn_losses = {}
        else:
            outputs = self.rpn_head(feats)
            rpn_losses = self.rpn_head.loss(
                *outputs, self.rpn_head.anchors(feats.shape, feats.device),
                gt_boxes, self._img_shapes(data_samples))
            rpn = None
            if any(self._wants_rpn(s) for s in data_samples):
                rpn = self.rpn_proposals(feats, data_samples, outputs)
            proposals = self._proposals(data_samples, feats.device, rpn)
        rois, labels, targets = self.roi_head.sample(proposals, gt_boxes,
                                                     gt_labels)
        cls, deltas = self.roi_head(feats, rois.to(feats))
        losses = self.roi_head.loss(cls, deltas, labels, targets)
        losses.update(rpn_losses)
        return losses

    def predict(self, feats: torch.Tensor, data_samples: Sequence) -> List:
        """Detections of each sample, in original image pixels."""
        if data_samples is None:
            raise ValueError('FastRCNN2D: predict mode needs data_samples')
        proposals, cls, deltas = self.head_outputs(feats, data_samples)
        probs = cls.softmax(-1)
        counts = [len(p) for p in proposals]
        for sample, props, p, d in zip(data_samples, proposals,
                                       probs.split(counts),
                                       deltas.split(counts)):
            meta = sample.metainfo
            shape = meta.get('img_shape', meta.get('batch_input_shape'))
            _finish(sample, *self.roi_head.detections(p, d, props, shape))
        return list(data_samples)


def _checkpoint_spec(name: str, spec) -> Tuple[str, Optional[str]]:
    if isinstance(spec, str):
        return spec, None
    if isinstance(spec, Mapping) and set(spec) <= {'filename', 'prefix'} \
            and 'filename' in spec:
        return spec['filename'], spec.get('prefix')
    raise ModelConfigError(
        f'LateFusionDetector2D: checkpoints.{name} must be a path or '
        f"dict(filename=..., prefix=None), got {spec!r}")


def _find_prefix(name: str, filename: str, state_dict: Mapping,
                 expected: Sequence[str]) -> str:
    """The prefix under which ``state_dict`` holds every ``expected`` key
    ('' for none, else e.g. ``'detector.'`` or ``'detectors.rgb.'``)."""
    if all(k in state_dict for k in expected):
        return ''
    anchor = expected[0]
    candidates = sorted({
        k[:-len(anchor)] for k in state_dict
        if k.endswith('.' + anchor)
    })
    found = [p for p in candidates if all(p + k in state_dict
                                          for k in expected)]
    preferred = f'detectors.{name}.'
    if preferred in found:
        return preferred
    if len(found) == 1:
        return found[0]
    if found:
        raise ModelConfigError(
            f'LateFusionDetector2D: checkpoint {filename} holds detector '
            f'{name!r} under several prefixes {found}; choose one with '
            f'checkpoints.{name}=dict(filename=..., prefix=...)')
    missing = [k for k in expected if k not in state_dict]
    raise ModelConfigError(
        f'LateFusionDetector2D: checkpoint {filename} holds no FastRCNN2D '
        f'state dict that matches detector {name!r} under any prefix '
        f'(missing e.g. {missing[:SHOWN_KEYS]})')


def load_detector_checkpoint(model: nn.Module, filename: str, name: str,
                             prefix: Optional[str] = None) -> str:
    """Load a FastRCNN2D checkpoint into ``model``; every key must match.

    The state dict (``checkpoint['state_dict']`` or the checkpoint
    itself; a DDP ``module.`` prefix is removed) may hold the detector's
    keys directly (a FastRCNN2D training checkpoint) or under a prefix
    (``'detector.'``, ``'detectors.<name>.'`` of a late-fusion checkpoint,
    ...), found by looking for the model's keys, unless ``prefix`` is
    given.

    Returns:
        str: The prefix used.
    """
    import fsat.engine.checkpoint  # noqa: F401 (torch >= 2.6 loading)
    if '://' not in filename and not osp.isfile(filename):
        raise ModelConfigError(f'LateFusionDetector2D: detector {name!r}: '
                               f'checkpoint not found: {filename}')
    checkpoint = CheckpointLoader.load_checkpoint(filename,
                                                  map_location='cpu')
    state_dict = (checkpoint.get('state_dict', checkpoint)
                  if isinstance(checkpoint, dict) else None)
    if not isinstance(state_dict, dict):
        raise ModelConfigError(f'LateFusionDetector2D: detector {name!r}: '
                               f'{filename} holds no state_dict')
    state_dict = OrderedDict(
        (re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
    expected = model.state_dict()
    required = [k for k in expected if not k.endswith('num_batches_tracked')]
    if prefix is None:
        prefix = _find_prefix(name, filename, state_dict, required)
    picked = OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                         if k.startswith(prefix))
    missing = [k for k in required if k not in picked]
    unexpected = [k for k in picked if k not in expected]
    shapes = [
        f'{k} (checkpoint {tuple(picked[k].shape)}, model '
        f'{tuple(v.shape)})' for k, v in expected.items()
        if k in picked and hasattr(picked[k], 'shape')
        and tuple(picked[k].shape) != tuple(v.shape)
    ]
    problems = [
        f'{what}: {keys[:SHOWN_KEYS]}' for what, keys in (
            ('missing keys', missing), ('unexpected keys', unexpected),
            ('shape mismatch', shapes)) if keys
    ]
    if problems:
        raise ModelConfigError(
            f'LateFusionDetector2D: detector {name!r}: checkpoint '
            f'{filename} (prefix {prefix!r}) does not match its config: '
            + '; '.join(problems))
    model.load_state_dict(picked, strict=False)
    return prefix


@MODELS.register_module()
class LateFusionDetector2D(BaseModel):
    """Fast R-CNN detectors of several modalities fused on the same
    proposals (supervision transfer's RGB + HHA / flow detector).

    **Predict**: every member runs on its modality of the paired input and
    classifies the *same* proposals (the first member's: its RPN's, the
    sample's own, or its sliding windows); the class scores and the
    class-specific regression deltas are averaged over the members, then
    decoded, thresholded and NMS'd once with the first member's head
    settings.
    ``score_fusion='logits'`` averages the scores before the softmax, as
    the paper describes ("simply averaging the class scores before the
    SoftMax"); ``'probs'`` averages the softmax probabilities.

    **Loss**: the members are trained jointly, each on its own RoI sample
    of the batch: the losses are the members' losses, prefixed with their
    names (``rgb.loss_cls``, ``hha.loss_bbox``, ...), which MMEngine sums.
    The paper trains each detector on its own and fuses at test time:
    train two :class:`FastRCNN2D` configs and give their checkpoints here.

    Args:
        detectors (dict): Name -> :class:`FastRCNN2D` config (``type`` may
            be left out); a member without ``modality`` reads the input
            named like it (``rgb=dict(...)`` reads ``inputs['rgb']``). All
            members need the same ``num_classes`` and box coder.
        checkpoints (dict, optional): Name -> path of the member's
            checkpoint, or ``dict(filename=..., prefix=None)``. The state
            dict may hold a FastRCNN2D's keys directly or under one prefix
            (``detector.``, ``detectors.<name>.`` of a late-fusion
            checkpoint, ...), found automatically unless ``prefix`` is
            given; every key must match. Loaded when built and again after
            ``init_weights``. A ``None`` entry (a config's placeholder)
            loads nothing: that member keeps its initialisation, with a
            warning.
        score_fusion (str): ``'logits'`` (default, the paper) or
            ``'probs'``.
        data_preprocessor (dict | nn.Module, optional): A preprocessor of
            the whole paired batch (e.g. :class:`Det2DDataPreprocessor`
            with per-modality ``mean``/``std``). Defaults to None: the
            batch is only moved to the device and each member's own
            ``data_preprocessor`` (a :class:`Det2DDataPreprocessor`)
            normalises and pads its modality, as when it was trained.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 detectors: Mapping[str, dict],
                 checkpoints: Optional[Mapping[str, Union[str,
                                                          dict]]] = None,
                 score_fusion: str = 'logits',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='mmengine.BaseDataPreprocessor'),
            init_cfg=init_cfg)
        self._member_preprocess = data_preprocessor is None
        if not isinstance(detectors, Mapping) or len(detectors) < 2:
            raise ModelConfigError(
                'LateFusionDetector2D needs at least two detectors, e.g. '
                'detectors=dict(rgb=dict(...), hha=dict(...))')
        if score_fusion not in ('logits', 'probs'):
            raise ModelConfigError(
                f'LateFusionDetector2D: score_fusion={score_fusion!r} must '
                "be 'logits' or 'probs'")
        self.score_fusion = score_fusion
        self.detectors = nn.ModuleDict()
        for name, cfg in detectors.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ModelConfigError(
                    f'LateFusionDetector2D: detector name {name!r} must be '
                    'a name like rgb, hha or flow')
            cfg = dict(cfg)
            cfg.setdefault('type', 'FastRCNN2D')
            cfg.setdefault('modality', name)
            member = MODELS.build(cfg)
            if not isinstance(member, FastRCNN2D):
                raise ModelConfigError(
                    f'LateFusionDetector2D: detectors.{name} must be a '
                    f'FastRCNN2D, got {type(member).__name__}')
            self.detectors[name] = member
        heads = [m.roi_head for m in self.detectors.values()]
        first = heads[0]
        for name, head in zip(self.detectors, heads):
            if head.num_classes != first.num_classes or (
                    head.bbox_coder.means, head.bbox_coder.stds) != (
                        first.bbox_coder.means, first.bbox_coder.stds):
                raise ModelConfigError(
                    f'LateFusionDetector2D: detector {name!r} has '
                    f'num_classes={head.num_classes} and box coder '
                    f'{head.bbox_coder.stds}, the first has '
                    f'{first.num_classes} and {first.bbox_coder.stds}; '
                    'fused detectors must agree')
        checkpoints = dict(checkpoints or {})
        unknown = set(checkpoints) - set(self.detectors)
        if unknown:
            raise ModelConfigError(
                f'LateFusionDetector2D: checkpoints name {sorted(unknown)}, '
                f'the detectors are {list(self.detectors)}')
        unset = sorted(name for name, spec in checkpoints.items()
                       if spec is None)
        if unset:
            # a config's placeholders (checkpoints=dict(rgb=None, ...)):
            # those members keep their initialisation, said loudly
            print_log(
                f'LateFusionDetector2D: no checkpoint for {unset}; these '
                'members keep their initialisation (set model.checkpoints.'
                '<name>=PATH to load a trained detector)',
                logger='current', level=logging.WARNING)
        self.checkpoints = {
            name: _checkpoint_spec(name, spec)
            for name, spec in checkpoints.items() if spec is not None
        }
        self._load_checkpoints()

    def _load_checkpoints(self) -> None:
        for name, (filename, prefix) in self.checkpoints.items():
            load_detector_checkpoint(self.detectors[name], filename, name,
                                     prefix)

    def init_weights(self) -> None:
        """Initialise, then load the members' checkpoints again (an
        initialiser would otherwise overwrite them)."""
        super().init_weights()
        self._load_checkpoints()

    def _check_inputs(self, inputs) -> None:
        if not isinstance(inputs, Mapping):
            raise ModelConfigError(
                'LateFusionDetector2D: the input must be a dict modality '
                f'-> images, got {type(inputs).__name__}')
        for name, member in self.detectors.items():
            if member.modality not in inputs:
                raise ModelConfigError(
                    f'LateFusionDetector2D: detector {name!r} reads '
                    f'{member.modality!r}, but the batch holds the inputs '
                    f'{sorted(inputs)}')

    def _member_inputs(self, name: str, inputs, training: bool):
        member = self.detectors[name]
        own = {member.modality: inputs[member.modality]}
        if self._member_preprocess:
            own = member.data_preprocessor(
                dict(inputs=own, data_samples=None), training)['inputs']
        return own

    def forward(self,
                inputs,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``'loss'``, ``'predict'`` or ``'tensor'`` (dict name -> each
        member's tapped map)."""
        training = mode == 'loss'
        self._check_inputs(inputs)
        if mode == 'tensor':
            return {
                name: member.extract_feat(
                    self._member_inputs(name, inputs, False))
                for name, member in self.detectors.items()
            }
        if mode == 'loss':
            losses = {}
            for name, member in self.detectors.items():
                feats = member.extract_feat(
                    self._member_inputs(name, inputs, training))
                for key, value in member.loss(feats, data_samples).items():
                    losses[f'{name}.{key}'] = value
            return losses
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'Invalid mode {mode!r}: expected "loss", '
                         '"predict" or "tensor"')

    def fused_outputs(self, inputs, data_samples: Sequence
                      ) -> Tuple[List[torch.Tensor], torch.Tensor,
                                 torch.Tensor]:
        """Proposals, fused class probabilities [R, num_classes + 1] and
        averaged deltas [R, num_classes, 4] of a batch."""
        self._check_inputs(inputs)
        members = list(self.detectors.items())
        proposals = None
        scores, deltas = [], []
        for name, member in members:
            feats = member.extract_feat(
                self._member_inputs(name, inputs, False))
            if proposals is None:
                proposals = members[0][1].proposals_of(
                    data_samples, feats.device, feats)
                rois = FastRCNN2D.rois_of(proposals)
            cls, delta = member.roi_head(feats, rois.to(feats))
            scores.append(cls if self.score_fusion == 'logits' else
                          cls.softmax(-1))
            deltas.append(delta)
        score = torch.stack(scores).mean(0)
        probs = score.softmax(-1) if self.score_fusion == 'logits' else score
        return proposals, probs, torch.stack(deltas).mean(0)

    @torch.no_grad()
    def predict(self, inputs, data_samples: Sequence) -> List:
        """Fused detections of each sample, in original image pixels."""
        if data_samples is None:
            raise ValueError('LateFusionDetector2D: predict mode needs '
                             'data_samples')
        proposals, probs, deltas = self.fused_outputs(inputs, data_samples)
        head = next(iter(self.detectors.values())).roi_head
        counts = [len(p) for p in proposals]
        for sample, props, p, d in zip(data_samples, proposals,
                                       probs.split(counts),
                                       deltas.split(counts)):
            meta = sample.metainfo
            shape = meta.get('img_shape', meta.get('batch_input_shape'))
            _finish(sample, *head.detections(p, d, props, shape))
        return list(data_samples)
