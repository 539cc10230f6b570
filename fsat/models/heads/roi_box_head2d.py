# Copyright (c) fsat contributors. All rights reserved.
"""The box head of Fast R-CNN (Girshick, ICCV 2015) on precomputed
proposals.

mmaction2 has no 2-D box head and mmdet (whose ``Shared2FCBBoxHead`` and
samplers do this) is not part of fsat's environment, so the head of the
supervision-transfer detector (:class:`~fsat.models.FastRCNN2D`) is
written here on fsat's plain-torch ops.

* **Features**: RoIAlign (default) or RoIPool of each proposal on the
  tapped feature map (``spatial_scale = 1 / stride``) to ``roi_size``
  bins, flattened, then ``num_fcs`` fully connected layers of
  ``fc_channels`` with ReLU and dropout (Fast R-CNN's fc6/fc7).
* **Outputs**: ``num_classes + 1`` class scores, *background last*
  (index ``num_classes``, as mmdet and fsat's R-C3D head), and
  class-specific deltas ``[R, num_classes, 4]`` of
  :class:`~fsat.models.ops.DeltaXYWHBoxCoder` (means 0, stds
  (0.1, 0.1, 0.2, 0.2) by default).
* **Training RoIs** (:meth:`RoIBoxHead2D.sample`): the ground-truth boxes
  are added to the proposals; a proposal whose best IoU with a ground
  truth is >= ``fg_iou`` (0.5) is foreground with that box's class, one in
  ``[bg_iou_low, fg_iou)`` (0.1) background; when an image has no
  proposal in that range, ``[0, fg_iou)`` is used instead. ``num_rois``
  (128) per image are drawn at random (torch's global generator), at most
  ``fg_fraction`` (0.25) of them foreground.
* **Losses**: cross-entropy over the sampled RoIs (their mean), and
  smooth-L1 (``beta`` 1) of the deltas of the ground-truth class of the
  foreground RoIs, summed and divided by the number of sampled RoIs of the
  batch.
* **Detections** (:meth:`RoIBoxHead2D.detections`): softmax, each class's
  deltas decoded and clipped to the image, scores above ``score_thr``
  (0.001), per-class NMS at ``nms_iou`` (0.3), the best ``max_per_img``
  (100).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from ..errors import ModelConfigError
from ..ops import (
    DeltaXYWHBoxCoder,
    RoIAlign,
    RoIPool,
    batched_nms_2d,
    box_iou_matrix,
)
from ..utils.segments import sample_labels

__all__ = ['RoIBoxHead2D']


@MODELS.register_module()
class RoIBoxHead2D(nn.Module):
    """Fast R-CNN's RoI box head (see the module docstring).

    Args:
        in_channels (int): Channels of the tapped feature map.
        num_classes (int): Object classes (background is added, last).
        roi_layer (str): ``'RoIAlign'`` (default) or ``'RoIPool'``.
        roi_size (int | Sequence[int]): Pooled ``(h, w)``. Defaults to 7.
        spatial_scale (float): Feature cells per input pixel, ``1 /
            stride``. :class:`FastRCNN2D` fills it from its
            ``feat_stride``. Defaults to 1/16.
        sampling_ratio (int): RoIAlign's samples per bin (0: adaptive).
            Defaults to 0.
        aligned (bool): RoIAlign's half-pixel correction. Defaults to
            True.
        fc_channels (int): Width of the shared fully connected layers.
            Defaults to 1024.
        num_fcs (int): Number of them. Defaults to 2.
        dropout (float): Dropout after each. Defaults to 0.5.
        bbox_means (Sequence[float]): Delta means. Defaults to zeros.
        bbox_stds (Sequence[float]): Delta stds. Defaults to
            (0.1, 0.1, 0.2, 0.2).
        fg_iou (float): Defaults to 0.5.
        bg_iou_low (float): Lower IoU of background RoIs. Defaults to 0.1.
        num_rois (int): RoIs sampled per image. Defaults to 128.
        fg_fraction (float): Defaults to 0.25.
        add_gt_as_proposals (bool): Defaults to True.
        loss_cls_weight (float): Defaults to 1.
        loss_bbox_weight (float): Defaults to 1.
        smooth_l1_beta (float): Defaults to 1.
        score_thr (float): Defaults to 0.001.
        nms_iou (float): Defaults to 0.3.
        max_per_img (int): Defaults to 100.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 roi_layer: str = 'RoIAlign',
                 roi_size: Union[int, Sequence[int]] = 7,
                 spatial_scale: float = 1 / 16,
                 sampling_ratio: int = 0,
                 aligned: bool = True,
                 fc_channels: int = 1024,
                 num_fcs: int = 2,
                 dropout: float = 0.5,
                 bbox_means: Sequence[float] = (0., 0., 0., 0.),
                 bbox_stds: Sequence[float] = (0.1, 0.1, 0.2, 0.2),
                 fg_iou: float = 0.5,
                 bg_iou_low: float = 0.1,
                 num_rois: int = 128,
                 fg_fraction: float = 0.25,
                 add_gt_as_proposals: bool = True,
                 loss_cls_weight: float = 1.0,
                 loss_bbox_weight: float = 1.0,
                 smooth_l1_beta: float = 1.0,
                 score_thr: float = 0.001,
                 nms_iou: float = 0.3,
                 max_per_img: int = 100) -> None:
        super().__init__()
        for name, value in (('in_channels', in_channels),
                            ('num_classes', num_classes),
                            ('fc_channels', fc_channels),
                            ('num_rois', num_rois),
                            ('max_per_img', max_per_img)):
            if not isinstance(value, int) or value < 1:
                raise ModelConfigError(f'RoIBoxHead2D: {name}={value!r} '
                                       'must be a positive int')
        if not isinstance(num_fcs, int) or num_fcs < 1:
            raise ModelConfigError(f'RoIBoxHead2D: num_fcs={num_fcs!r} must '
                                   'be a positive int')
        if not 0 <= bg_iou_low < fg_iou <= 1:
            raise ModelConfigError(
                f'RoIBoxHead2D: need 0 <= bg_iou_low < fg_iou <= 1, got '
                f'bg_iou_low={bg_iou_low}, fg_iou={fg_iou}')
        if not 0 < fg_fraction <= 1:
            raise ModelConfigError(f'RoIBoxHead2D: fg_fraction='
                                   f'{fg_fraction!r} must be in (0, 1]')
        if not spatial_scale > 0:
            raise ModelConfigError(f'RoIBoxHead2D: spatial_scale='
                                   f'{spatial_scale!r} must be positive')
        if roi_layer == 'RoIAlign':
            self.roi_layer = RoIAlign(roi_size, spatial_scale,
                                      sampling_ratio, aligned)
        elif roi_layer == 'RoIPool':
            self.roi_layer = RoIPool(roi_size, spatial_scale)
        else:
            raise ModelConfigError(f'RoIBoxHead2D: roi_layer={roi_layer!r} '
                                   "must be 'RoIAlign' or 'RoIPool'")
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.spatial_scale = spatial_scale
        self.fg_iou, self.bg_iou_low = fg_iou, bg_iou_low
        self.num_rois, self.fg_fraction = num_rois, fg_fraction
        self.add_gt_as_proposals = add_gt_as_proposals
        self.loss_cls_weight = loss_cls_weight
        self.loss_bbox_weight = loss_bbox_weight
        self.smooth_l1_beta = smooth_l1_beta
        self.score_thr, self.nms_iou = score_thr, nms_iou
        self.max_per_img = max_per_img
        self.bbox_coder = DeltaXYWHBoxCoder(bbox_means, bbox_stds)
        layers: List[nn.Module] = []
        width = in_channels * math.prod(self.roi_layer.output_size)
        for _ in range(num_fcs):
            layers += [nn.Linear(width, fc_channels), nn.ReLU(inplace=True),
                       nn.Dropout(dropout)]
            width = fc_channels
        self.shared_fcs = nn.Sequential(*layers)
        self.fc_cls = nn.Linear(fc_channels, num_classes + 1)
        self.fc_reg = nn.Linear(fc_channels, 4 * num_classes)
        nn.init.normal_(self.fc_cls.weight, std=0.01)
        nn.init.normal_(self.fc_reg.weight, std=0.001)
        nn.init.zeros_(self.fc_cls.bias)
        nn.init.zeros_(self.fc_reg.bias)

    def forward(self, feats: torch.Tensor, rois: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class scores (logits) [R, num_classes + 1] and class-specific
        deltas [R, num_classes, 4] of ``rois`` [R, 5] ``(batch_idx, x1, y1,
        x2, y2)`` in input pixels, on ``feats`` [B, C, H, W]."""
        if feats.shape[1] != self.in_channels:
            raise ModelConfigError(
                f'RoIBoxHead2D: in_channels={self.in_channels} but the '
                f'feature map has {feats.shape[1]} channels')
        x = self.shared_fcs(self.roi_layer(feats, rois).flatten(1))
        return self.fc_cls(x), self.fc_reg(x).view(-1, self.num_classes, 4)

    def assign(self, proposals: torch.Tensor, gt_bboxes: torch.Tensor,
               gt_labels: torch.Tensor
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Labels of one image's proposals (no sampling).

        Returns:
            tuple: ``labels`` [P] (a class, ``num_classes`` for
            background, -1 for neither), ``matched`` [P, 4] (the best
            ground truth of each proposal; the proposal itself when the
            image has none) and ``bg_low`` (the lower IoU used for
            background, ``bg_iou_low`` or 0 after the fall-back).
        """
        labels = proposals.new_full((len(proposals), ), -1,
                                    dtype=torch.long)
        if len(gt_bboxes) == 0:
            labels[:] = self.num_classes
            return labels, proposals.clone(), 0.0
        iou = box_iou_matrix(proposals, gt_bboxes)
        best, match = iou.max(dim=1)
        low = self.bg_iou_low
        background = (best >= low) & (best < self.fg_iou)
        if not bool(background.any()):
            low = 0.0
            background = best < self.fg_iou
        labels[background] = self.num_classes
        fg = best >= self.fg_iou
        labels[fg] = gt_labels[match[fg]]
        return labels, gt_bboxes[match], low

    def sample(self, proposals: Sequence[torch.Tensor],
               gt_bboxes: Sequence[torch.Tensor],
               gt_labels: Sequence[torch.Tensor]
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Training RoIs of a batch.

        Args:
            proposals (Sequence[Tensor]): Per image [P_i, 4].
            gt_bboxes (Sequence[Tensor]): Per image [M_i, 4].
            gt_labels (Sequence[Tensor]): Per image [M_i], 0-based.

        Returns:
            tuple: ``rois`` [R, 5] (batch index first), ``labels`` [R]
            (``num_classes`` = background) and ``targets`` [R, 4], the
            encoded deltas of the foreground RoIs (zeros for background).
        """
        rois, labels, targets = [], [], []
        for b, (props, gt, gl) in enumerate(
                zip(proposals, gt_bboxes, gt_labels)):
            props = props.reshape(-1, 4)
            gt = gt.to(props).reshape(-1, 4)
            gl = gl.to(props.device, torch.long).reshape(-1)
            if len(gl) and (int(gl.min()) < 0
                            or int(gl.max()) >= self.num_classes):
                raise ValueError(
                    f'RoIBoxHead2D: image {b} has gt labels '
                    f'{gl.tolist()}; they must be in 0..'
                    f'{self.num_classes - 1} (num_classes='
                    f'{self.num_classes})')
            if self.add_gt_as_proposals and len(gt):
                props = torch.cat([props, gt])
            cls, matched, _ = self.assign(props, gt, gl)
            # sample_labels: > 0 foreground, 0 background, < 0 neither
            kind = torch.full_like(cls, -1)
            kind[cls == self.num_classes] = 0
            kind[(cls >= 0) & (cls < self.num_classes)] = 1
            picked = sample_labels(kind, self.num_rois, self.fg_fraction)
            picked_cls = cls[picked]
            target = props.new_zeros((len(picked), 4))
            fg = picked_cls < self.num_classes
            if bool(fg.any()):
                target[fg] = self.bbox_coder.encode(props[picked][fg],
                                                    matched[picked][fg])
            rois.append(torch.cat(
                [props.new_full((len(picked), 1), b), props[picked]], 1))
            labels.append(picked_cls)
            targets.append(target)
        return torch.cat(rois), torch.cat(labels), torch.cat(targets)

    def loss(self, cls_scores: torch.Tensor, bbox_deltas: torch.Tensor,
             labels: torch.Tensor,
             targets: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``loss_cls`` (cross-entropy, mean over the RoIs) and
        ``loss_bbox`` (smooth-L1 of the foreground RoIs' own class deltas,
        summed, divided by the number of RoIs)."""
        num = max(len(labels), 1)
        if len(labels) == 0:
            zero = cls_scores.sum() * 0.0 + bbox_deltas.sum() * 0.0
            return dict(loss_cls=zero, loss_bbox=zero.clone())
        loss_cls = F.cross_entropy(cls_scores, labels)
        fg = torch.nonzero(labels < self.num_classes).flatten()
        if len(fg):
            pred = bbox_deltas[fg, labels[fg]]
            loss_bbox = F.smooth_l1_loss(
                pred, targets[fg], reduction='sum',
                beta=self.smooth_l1_beta) / num
        else:
            loss_bbox = bbox_deltas.sum() * 0.0
        return dict(loss_cls=self.loss_cls_weight * loss_cls,
                    loss_bbox=self.loss_bbox_weight * loss_bbox)

    @torch.no_grad()
    def detections(self, probs: torch.Tensor, bbox_deltas: torch.Tensor,
                   proposals: torch.Tensor,
                   img_shape: Optional[Sequence[int]] = None
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Detections of one image from class probabilities.

        Args:
            probs (Tensor): [P, num_classes + 1] softmax probabilities
                (background last).
            bbox_deltas (Tensor): [P, num_classes, 4].
            proposals (Tensor): [P, 4] in input pixels.
            img_shape (Sequence[int], optional): ``(H, W)`` to clip to.

        Returns:
            tuple: ``bboxes`` [K, 4], ``scores`` [K], ``labels`` [K]
            (long), best first, in input pixels.
        """
        num, classes = len(proposals), self.num_classes
        if num == 0:
            return (proposals.new_zeros((0, 4)), proposals.new_zeros(0),
                    torch.zeros(0, dtype=torch.long,
                                device=proposals.device))
        boxes = self.bbox_coder.decode(
            proposals[:, None].expand(num, classes, 4), bbox_deltas,
            max_shape=img_shape)
        scores = probs[:, :classes]
        keep = scores > self.score_thr
        class_ids = torch.arange(classes, device=probs.device).expand(
            num, classes)
        boxes, scores, class_ids = boxes[keep], scores[keep], class_ids[keep]
        kept = batched_nms_2d(boxes, scores, class_ids, self.nms_iou,
                              max_keep=self.max_per_img)
        return boxes[kept], scores[kept], class_ids[kept]
