# Copyright (c) fsat contributors. All rights reserved.
"""The Region Proposal Network of Faster R-CNN (Ren, He, Girshick, Sun,
NeurIPS 2015), a small head on the detector's tapped map.

mmaction2 has no 2-D proposal head and mmdet (whose ``RPNHead``, anchor
generator and assigners do this) is not part of fsat's environment, so
:class:`~fsat.models.FastRCNN2D` gets its own, on fsat's plain-torch ops.
It is the 2-D counterpart of R-C3D's
:class:`~fsat.models.heads.TemporalProposalHead`.

* **Anchors** (:meth:`RPNHead2D.anchors`): ``K = len(anchor_scales) *
  len(anchor_ratios)`` boxes per feature cell, centred on the cell's
  centre ``((x + 0.5) * feat_stride, (y + 0.5) * feat_stride)`` in
  continuous input pixels (the box coder's ``pixel_offset=0``; the same
  centre as py-faster-rcnn's ``x * stride + (stride - 1) / 2`` in its
  ``+1`` convention). An anchor of scale ``s`` and ratio ``r`` (height /
  width, as :func:`~fsat.datasets.transforms.sliding_window_boxes`) is
  ``s / sqrt(r)`` wide and ``s * sqrt(r)`` high (area ``s ** 2``; sizes
  are not rounded). Order: rows, columns, then scales, then ratios
  (index ``(y * W + x) * K + i_scale * len(ratios) + i_ratio``).
* **Layers**: a 3x3 convolution of ``feat_channels`` with ReLU, then 1x1
  convolutions to one objectness logit per anchor (sigmoid) and four
  deltas per anchor (:class:`~fsat.models.ops.DeltaXYWHBoxCoder`, means 0
  and stds 1 by default, as py-faster-rcnn's RPN). Weights ~ N(0, 0.01),
  biases 0.
* **Targets** (:meth:`RPNHead2D.assign`): anchors that cross the image
  (``img_shape``) by more than ``allowed_border`` pixels are ignored
  (``allowed_border=-1`` keeps all); of the others, an anchor whose best
  IoU with a ground truth is < ``neg_iou`` (0.3) is negative, >=
  ``pos_iou`` (0.7) positive, and the anchor(s) with the highest IoU with
  a ground truth (when > 0) are positive too, regressing to that ground
  truth (the last one, when an anchor is the best of several); the rest
  are ignored. An image without ground truth has only negatives.
* **Sampling and losses** (:meth:`RPNHead2D.loss`): per image
  ``num_samples`` (256) anchors at random (torch's global generator), at
  most ``pos_fraction`` (0.5) positive. Binary cross-entropy over the
  sampled anchors and smooth-L1 (``smooth_l1_beta`` 1/9, py-faster-rcnn's
  sigma 3) of the positive anchors' deltas, each summed over the batch and
  divided by the number of sampled anchors of the batch (so the
  classification loss is the mean over the sampled anchors).
* **Proposals** (:meth:`RPNHead2D.proposals`, no gradient): per image,
  all anchors are decoded and clipped to ``img_shape``; boxes with a side
  under ``min_size`` (or empty) are dropped; the ``train_pre_nms`` /
  ``test_pre_nms`` best by objectness go through NMS at ``nms_iou`` (0.7),
  and the best ``train_proposals`` / ``test_proposals`` are kept (train
  values while the module is in training mode).
"""
import math
import numbers
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from ..errors import ModelConfigError
from ..ops import DeltaXYWHBoxCoder, box_iou_matrix, nms_2d
from ..utils.segments import sample_labels

__all__ = ['RPNHead2D']

ImgShape = Optional[Sequence[int]]


def _positive_numbers(name: str, values) -> Tuple[float, ...]:
    ok = isinstance(values, Sequence) and len(values) > 0 and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0
        for v in values)
    if not ok:
        raise ModelConfigError(f'RPNHead2D: {name}={values!r} must be a '
                               'non-empty sequence of positive numbers')
    return tuple(float(v) for v in values)


@MODELS.register_module()
class RPNHead2D(nn.Module):
    """Faster R-CNN's Region Proposal Network (see the module docstring).

    Args:
        in_channels (int): Channels of the tapped feature map.
        feat_channels (int): Channels of the 3x3 convolution. Defaults to
            256.
        anchor_scales (Sequence[float]): Anchor sides in input pixels
            (square root of the area). Defaults to (32, 64, 128, 256).
        anchor_ratios (Sequence[float]): Anchor heights / widths, as the
            ``ratios`` of ``sliding_window_boxes``. Defaults to
            (0.5, 1, 2).
        feat_stride (int): Input pixels per feature cell;
            :class:`~fsat.models.FastRCNN2D` fills it from its own.
            Defaults to 16.
        pos_iou (float): Defaults to 0.7.
        neg_iou (float): Defaults to 0.3.
        num_samples (int): Anchors sampled per image. Defaults to 256.
        pos_fraction (float): Largest positive share of them. Defaults to
            0.5.
        allowed_border (float): Pixels an anchor may cross the image
            border by and still be trained on; -1 trains on all anchors.
            Defaults to 0.
        train_pre_nms (int): Best-scoring boxes that enter NMS in
            training. Defaults to 2000.
        test_pre_nms (int): The same at test time. Defaults to 1000.
        train_proposals (int): Proposals kept after NMS in training.
            Defaults to 1000.
        test_proposals (int): The same at test time. Defaults to 300.
        nms_iou (float): Defaults to 0.7.
        min_size (float): Proposals with a side shorter than this (input
            pixels, after clipping) are dropped. Defaults to 1.
        bbox_means (Sequence[float]): Delta means. Defaults to zeros.
        bbox_stds (Sequence[float]): Delta stds. Defaults to ones.
        loss_cls_weight (float): Defaults to 1.
        loss_bbox_weight (float): Defaults to 1.
        smooth_l1_beta (float): Defaults to 1/9.
    """

    def __init__(self,
                 in_channels: int,
                 feat_channels: int = 256,
                 anchor_scales: Sequence[float] = (32, 64, 128, 256),
                 anchor_ratios: Sequence[float] = (0.5, 1.0, 2.0),
                 feat_stride: int = 16,
                 pos_iou: float = 0.7,
                 neg_iou: float = 0.3,
                 num_samples: int = 256,
                 pos_fraction: float = 0.5,
                 allowed_border: float = 0,
                 train_pre_nms: int = 2000,
                 test_pre_nms: int = 1000,
                 train_proposals: int = 1000,
                 test_proposals: int = 300,
                 nms_iou: float = 0.7,
                 min_size: float = 1.0,
                 bbox_means: Sequence[float] = (0., 0., 0., 0.),
                 bbox_stds: Sequence[float] = (1., 1., 1., 1.),
                 loss_cls_weight: float = 1.0,
                 loss_bbox_weight: float = 1.0,
                 smooth_l1_beta: float = 1.0 / 9) -> None:
        super().__init__()
        for name, value in (('in_channels', in_channels),
                            ('feat_channels', feat_channels),
                            ('feat_stride', feat_stride),
                            ('num_samples', num_samples),
                            ('train_pre_nms', train_pre_nms),
                            ('test_pre_nms', test_pre_nms),
                            ('train_proposals', train_proposals),
                            ('test_proposals', test_proposals)):
            if not isinstance(value, int) or isinstance(value, bool) \
                    or value < 1:
                raise ModelConfigError(f'RPNHead2D: {name}={value!r} must '
                                       'be a positive int')
        self.anchor_scales = _positive_numbers('anchor_scales',
                                               anchor_scales)
        self.anchor_ratios = _positive_numbers('anchor_ratios',
                                               anchor_ratios)
        if not 0 < neg_iou <= pos_iou <= 1:
            raise ModelConfigError(
                f'RPNHead2D: need 0 < neg_iou <= pos_iou <= 1, got '
                f'neg_iou={neg_iou!r}, pos_iou={pos_iou!r}')
        if not 0 < pos_fraction <= 1:
            raise ModelConfigError(f'RPNHead2D: pos_fraction='
                                   f'{pos_fraction!r} must be in (0, 1]')
        if not 0 < nms_iou <= 1:
            raise ModelConfigError(f'RPNHead2D: nms_iou={nms_iou!r} must be '
                                   'in (0, 1]')
        if not isinstance(allowed_border, numbers.Real) or not (
                allowed_border == -1 or allowed_border >= 0):
            raise ModelConfigError(
                f'RPNHead2D: allowed_border={allowed_border!r} must be >= 0 '
                '(pixels) or -1 (train on every anchor)')
        for name, value in (('min_size', min_size),
                            ('loss_cls_weight', loss_cls_weight),
                            ('loss_bbox_weight', loss_bbox_weight),
                            ('smooth_l1_beta', smooth_l1_beta)):
            if not isinstance(value, numbers.Real) or not value >= 0:
                raise ModelConfigError(f'RPNHead2D: {name}={value!r} must '
                                       'be a number >= 0')
        try:
            self.bbox_coder = DeltaXYWHBoxCoder(bbox_means, bbox_stds)
        except (TypeError, ValueError) as err:
            raise ModelConfigError(f'RPNHead2D: bbox_means/bbox_stds: '
                                   f'{err}') from None
        self.in_channels = in_channels
        self.feat_stride = feat_stride
        self.pos_iou, self.neg_iou = float(pos_iou), float(neg_iou)
        self.num_samples, self.pos_fraction = num_samples, pos_fraction
        self.allowed_border = allowed_border
        self.train_pre_nms, self.test_pre_nms = train_pre_nms, test_pre_nms
        self.train_proposals = train_proposals
        self.test_proposals = test_proposals
        self.nms_iou, self.min_size = float(nms_iou), float(min_size)
        self.loss_cls_weight = loss_cls_weight
        self.loss_bbox_weight = loss_bbox_weight
        self.smooth_l1_beta = smooth_l1_beta
        k = self.num_anchors
        self.conv = nn.Conv2d(in_channels, feat_channels, 3, padding=1)
        self.conv_cls = nn.Conv2d(feat_channels, k, 1)
        self.conv_reg = nn.Conv2d(feat_channels, 4 * k, 1)
        for layer in (self.conv, self.conv_cls, self.conv_reg):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)
        self._anchor_cache: Dict[Tuple[int, int, str], torch.Tensor] = {}

    # ------------------------------------------------------------ anchors
    @property
    def num_anchors(self) -> int:
        """Anchors per feature cell."""
        return len(self.anchor_scales) * len(self.anchor_ratios)

    def base_anchors(self) -> torch.Tensor:
        """[K, 4] anchors centred on (0, 0), scales first, then ratios."""
        boxes = []
        for scale in self.anchor_scales:
            for ratio in self.anchor_ratios:
                w, h = scale / math.sqrt(ratio), scale * math.sqrt(ratio)
                boxes.append((-0.5 * w, -0.5 * h, 0.5 * w, 0.5 * h))
        return torch.tensor(boxes, dtype=torch.float32)

    def anchors(self, feat_shape: Sequence[int],
                device: Optional[torch.device] = None) -> torch.Tensor:
        """[H * W * K, 4] anchors of a ``(..., H, W)`` map in input pixels
        (order in the module docstring); cached per shape and device."""
        height, width = (int(v) for v in tuple(feat_shape)[-2:])
        device = torch.device(device if device is not None else 'cpu')
        key = (height, width, str(device))
        if key not in self._anchor_cache:
            stride = float(self.feat_stride)
            ys = (torch.arange(height, dtype=torch.float32) + 0.5) * stride
            xs = (torch.arange(width, dtype=torch.float32) + 0.5) * stride
            cy, cx = torch.meshgrid(ys, xs, indexing='ij')
            centres = torch.stack([cx, cy, cx, cy], -1).reshape(-1, 1, 4)
            self._anchor_cache[key] = (
                centres + self.base_anchors()[None]).reshape(-1, 4).to(
                    device)
        return self._anchor_cache[key]

    # ------------------------------------------------------------ forward
    def forward(self, feats: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """[B, C, H, W] -> objectness logits [B, H * W * K] and deltas
        [B, H * W * K, 4], in the order of :meth:`anchors`."""
        if feats.dim() != 4 or feats.shape[1] != self.in_channels:
            raise ModelConfigError(
                f'RPNHead2D: in_channels={self.in_channels} but the feature '
                f'map has shape {tuple(feats.shape)} (need [B, '
                f'{self.in_channels}, H, W])')
        x = F.relu(self.conv(feats))
        batch, _, height, width = x.shape
        k = self.num_anchors
        objectness = self.conv_cls(x).permute(0, 2, 3, 1).reshape(batch, -1)
        deltas = self.conv_reg(x).view(batch, k, 4, height, width).permute(
            0, 3, 4, 1, 2).reshape(batch, -1, 4)
        return objectness, deltas

    # ------------------------------------------------------------ targets
    def inside(self, anchors: torch.Tensor,
               img_shape: ImgShape) -> torch.Tensor:
        """[A] bool: anchors trained on (within ``allowed_border`` pixels
        of the ``(H, W)`` image; all when it is -1 or ``img_shape`` is
        None)."""
        if self.allowed_border < 0 or img_shape is None:
            return torch.ones(len(anchors), dtype=torch.bool,
                              device=anchors.device)
        height, width = (float(v) for v in tuple(img_shape)[:2])
        b = float(self.allowed_border)
        return ((anchors[:, 0] >= -b) & (anchors[:, 1] >= -b)
                & (anchors[:, 2] <= width + b)
                & (anchors[:, 3] <= height + b))

    def assign(self, anchors: torch.Tensor, gt_bboxes: torch.Tensor,
               img_shape: ImgShape = None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Labels of one image's anchors (no sampling).

        Returns:
            tuple: ``labels`` [A] (1 positive, 0 negative, -1 ignored) and
            ``matched`` [A, 4], the ground truth each anchor regresses to
            (the anchor itself when the image has none).
        """
        labels = anchors.new_full((len(anchors), ), -1, dtype=torch.long)
        inside = self.inside(anchors, img_shape)
        gt = gt_bboxes.to(anchors).reshape(-1, 4)
        if len(gt) == 0:
            labels[inside] = 0
            return labels, anchors.clone()
        iou = box_iou_matrix(anchors, gt)
        iou = torch.where(inside[:, None], iou, iou.new_tensor(-1.0))
        best, match = iou.max(dim=1)
        labels[inside & (best < self.neg_iou)] = 0
        labels[best >= self.pos_iou] = 1
        # each ground truth's best anchor(s), when they overlap it at all
        per_gt = iou.max(dim=0).values
        hit = (iou == per_gt[None]) & (per_gt[None] > 0)  # [A, G]
        gt_index = torch.arange(len(gt), device=anchors.device)
        last = torch.where(hit, gt_index[None], -1).max(dim=1).values
        best_of_gt = last >= 0
        labels[best_of_gt] = 1
        match[best_of_gt] = last[best_of_gt]
        return labels, gt[match]

    def sample(self, anchors: torch.Tensor,
               gt_bboxes: Sequence[torch.Tensor],
               img_shapes: Sequence[ImgShape]
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                          torch.Tensor]:
        """Training anchors of a batch.

        Args:
            anchors (Tensor): [A, 4] of the batch's map.
            gt_bboxes (Sequence[Tensor]): Per image [M_i, 4].
            img_shapes (Sequence): Per image ``(H, W)`` (or None: no
                border check).

        Returns:
            tuple: ``image`` [S] and ``anchor`` [S] indices of the sampled
            anchors, their ``labels`` [S] (1 / 0) and ``targets`` [S, 4]
            (encoded deltas of the positives, zeros for negatives).
        """
        if len(gt_bboxes) != len(img_shapes):
            raise ValueError(f'RPNHead2D: {len(gt_bboxes)} images of ground '
                             f'truth but {len(img_shapes)} image shapes')
        images, picks, labels, targets = [], [], [], []
        for b, (gt, shape) in enumerate(zip(gt_bboxes, img_shapes)):
            lab, matched = self.assign(anchors, gt, shape)
            picked = sample_labels(lab, self.num_samples, self.pos_fraction)
            target = anchors.new_zeros((len(picked), 4))
            pos = lab[picked] == 1
            if bool(pos.any()):
                target[pos] = self.bbox_coder.encode(
                    anchors[picked[pos]], matched[picked[pos]])
            images.append(torch.full_like(picked, b))
            picks.append(picked)
            labels.append(lab[picked])
            targets.append(target)
        if not images:
            empty = torch.zeros(0, dtype=torch.long, device=anchors.device)
            return empty, empty, empty, anchors.new_zeros((0, 4))
        return (torch.cat(images), torch.cat(picks), torch.cat(labels),
                torch.cat(targets))

    def loss(self, objectness: torch.Tensor, deltas: torch.Tensor,
             anchors: torch.Tensor, gt_bboxes: Sequence[torch.Tensor],
             img_shapes: Sequence[ImgShape]) -> Dict[str, torch.Tensor]:
        """``loss_rpn_cls`` (binary cross-entropy) and ``loss_rpn_bbox``
        (smooth-L1 of the positives), each summed over the sampled anchors
        of the batch and divided by their number.

        Args:
            objectness (Tensor): [B, A] logits of :meth:`forward`.
            deltas (Tensor): [B, A, 4].
            anchors (Tensor): [A, 4].
            gt_bboxes (Sequence[Tensor]): Per image [M_i, 4].
            img_shapes (Sequence): Per image ``(H, W)``.
        """
        if objectness.shape[0] != len(gt_bboxes) or \
                objectness.shape[1] != len(anchors):
            raise ValueError(
                f'RPNHead2D: objectness {tuple(objectness.shape)} does not '
                f'fit {len(gt_bboxes)} images of {len(anchors)} anchors')
        image, anchor, labels, targets = self.sample(anchors, gt_bboxes,
                                                     img_shapes)
        num = len(anchor)
        if num == 0:
            zero = objectness.sum() * 0.0 + deltas.sum() * 0.0
            return dict(loss_rpn_cls=zero, loss_rpn_bbox=zero.clone())
        logits = objectness[image, anchor]
        loss_cls = F.binary_cross_entropy_with_logits(
            logits, labels.to(logits), reduction='sum') / num
        pos = labels == 1
        if bool(pos.any()):
            loss_bbox = F.smooth_l1_loss(
                deltas[image[pos], anchor[pos]], targets[pos].to(deltas),
                reduction='sum', beta=self.smooth_l1_beta) / num
        else:
            loss_bbox = deltas.sum() * 0.0
        return dict(loss_rpn_cls=self.loss_cls_weight * loss_cls,
                    loss_rpn_bbox=self.loss_bbox_weight * loss_bbox)

    # ---------------------------------------------------------- proposals
    @torch.no_grad()
    def proposals(self, objectness: torch.Tensor, deltas: torch.Tensor,
                  anchors: torch.Tensor, img_shapes: Sequence[ImgShape]
                  ) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        """Per image: proposals [P, 4] in input pixels and their
        objectness probabilities [P], best first (module docstring);
        detached.

        Args:
            objectness (Tensor): [B, A] logits.
            deltas (Tensor): [B, A, 4].
            anchors (Tensor): [A, 4].
            img_shapes (Sequence): Per image ``(H, W)`` to clip to (None:
                no clipping).
        """
        if objectness.shape[0] != len(img_shapes) or \
                objectness.shape[1] != len(anchors):
            raise ValueError(
                f'RPNHead2D: objectness {tuple(objectness.shape)} does not '
                f'fit {len(img_shapes)} images of {len(anchors)} anchors')
        if self.training:
            pre_nms, keep_n = self.train_pre_nms, self.train_proposals
        else:
            pre_nms, keep_n = self.test_pre_nms, self.test_proposals
        anchors = anchors.float()
        out = []
        for b, shape in enumerate(img_shapes):
            scores = objectness[b].float().sigmoid()
            boxes = self.bbox_coder.decode(
                anchors, deltas[b].float(),
                max_shape=None if shape is None else tuple(shape)[:2])
            width = boxes[:, 2] - boxes[:, 0]
            height = boxes[:, 3] - boxes[:, 1]
            ok = ((width >= self.min_size) & (height >= self.min_size)
                  & (width > 0) & (height > 0))
            boxes, scores = boxes[ok], scores[ok]
            order = torch.sort(scores, descending=True,
                               stable=True).indices[:pre_nms]
            boxes, scores = boxes[order], scores[order]
            keep = nms_2d(boxes, scores, self.nms_iou, max_keep=keep_n)
            out.append((boxes[keep], scores[keep]))
        return out
