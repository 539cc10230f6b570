# Copyright (c) fsat contributors. All rights reserved.
"""The two subnets of R-C3D (Xu, Das, Saenko, ICCV 2017).

Frames are the detector's *input* frames (a buffer of ``T`` frames);
segments are ``(start, end)`` with an exclusive end, in those frames.

* :class:`TemporalProposalHead`: a 3x3x3 convolution on the shared feature
  map, max-pooled over space, predicts for ``K`` anchors per feature step
  (centre ``(i + 0.5) * stride``, lengths ``scale * stride``) an
  objectness (2-way softmax) and centre/length offsets. Anchors with tIoU
  >= 0.7 with a ground truth, or the best one of each ground truth, are
  positive; tIoU < 0.3 negative; 256 are sampled per buffer, half positive
  at most. Proposals are the decoded anchors after NMS at 0.7.
* :class:`ProposalClassifierHead`: temporal RoI pooling of each proposal to
  (1, 4, 4), two fully connected layers, then ``num_classes + 1`` scores
  (the last is background) and class-specific offsets. Proposals (and the
  ground truths themselves) with tIoU >= 0.5 are foreground, those in
  [0.1, 0.5) background; 128 per buffer, a quarter foreground at most.
  At test time, class-wise NMS.

Every number above is a constructor argument (the R-C3D paper's values are
the defaults).
"""
import math
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from fsat.registry import MODELS

from ..ops import TemporalRoIPool, nms_1d, segment_iou_matrix
from ..utils.segments import decode_segments, encode_segments, sample_labels

__all__ = ['TemporalProposalHead', 'ProposalClassifierHead']


def _clip(segments: torch.Tensor, length: float) -> torch.Tensor:
    return segments.clamp(min=0.0, max=float(length))


@MODELS.register_module()
class TemporalProposalHead(nn.Module):
    """R-C3D's proposal subnet (see the module docstring).

    Args:
        in_channels (int): Channels of the backbone feature map.
        feat_channels (int): Channels of the 3x3x3 convolution.
            Defaults to 512.
        anchor_scales (Sequence[float]): Anchor lengths in feature steps.
            Defaults to R-C3D's THUMOS'14 scales (2, 4, 5, 6, 8, 9, 10, 12,
            14, 16).
        temporal_stride (int): Input frames per feature step. Defaults
            to 8.
        pos_iou (float): Defaults to 0.7. neg_iou (float): Defaults to 0.3.
        num_samples (int): Anchors sampled per buffer. Defaults to 256.
        pos_fraction (float): Defaults to 0.5.
        nms_iou (float): Defaults to 0.7.
        train_proposals (int): Proposals kept after NMS in training.
            Defaults to 2000.
        test_proposals (int): The same at test time. Defaults to 300.
        pre_nms (int): Best-scoring anchors considered by NMS.
            Defaults to 6000.
        min_length (float): Proposals shorter than this (input frames) are
            dropped. Defaults to 1.
        reg_stds (Sequence[float]): Offset scales. Defaults to (1, 1).
        loss_weights (Sequence[float]): Objectness and regression loss
            weights. Defaults to (1, 1).
    """

    def __init__(self,
                 in_channels: int,
                 feat_channels: int = 512,
                 anchor_scales: Sequence[float] = (2, 4, 5, 6, 8, 9, 10, 12,
                                                   14, 16),
                 temporal_stride: int = 8,
                 pos_iou: float = 0.7,
                 neg_iou: float = 0.3,
                 num_samples: int = 256,
                 pos_fraction: float = 0.5,
                 nms_iou: float = 0.7,
                 train_proposals: int = 2000,
                 test_proposals: int = 300,
                 pre_nms: int = 6000,
                 min_length: float = 1.0,
                 reg_stds: Sequence[float] = (1.0, 1.0),
                 loss_weights: Sequence[float] = (1.0, 1.0)) -> None:
        super().__init__()
        self.anchor_scales = tuple(float(s) for s in anchor_scales)
        self.temporal_stride = temporal_stride
        self.pos_iou, self.neg_iou = pos_iou, neg_iou
        self.num_samples, self.pos_fraction = num_samples, pos_fraction
        self.nms_iou = nms_iou
        self.train_proposals = train_proposals
        self.test_proposals = test_proposals
        self.pre_nms = pre_nms
        self.min_length = min_length
        self.reg_stds = tuple(reg_stds)
        self.loss_weights = tuple(loss_weights)
        k = len(self.anchor_scales)
        self.conv = nn.Conv3d(in_channels, feat_channels, 3, padding=1)
        self.cls = nn.Conv1d(feat_channels, 2 * k, 1)
        self.reg = nn.Conv1d(feat_channels, 2 * k, 1)
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.normal_(self.reg.weight, std=0.01)
        nn.init.zeros_(self.cls.bias)
        nn.init.zeros_(self.reg.bias)

    @property
    def num_anchors(self) -> int:
        """Anchors per feature step."""
        return len(self.anchor_scales)

    def anchors(self, steps: int, device=None) -> torch.Tensor:
        """[steps * K, 2] anchors, step-major, in input frames."""
        stride = float(self.temporal_stride)
        centre = (torch.arange(steps, device=device, dtype=torch.float32)
                  + 0.5) * stride
        length = torch.tensor(self.anchor_scales, device=device) * stride
        centre = centre[:, None].expand(-1, len(length))
        half = (0.5 * length)[None].expand_as(centre)
        return torch.stack([centre - half, centre + half], -1).reshape(-1, 2)

    def forward(self, feats: torch.Tensor) -> Tuple[torch.Tensor,
                                                    torch.Tensor]:
        """[B, C, L, H, W] -> objectness logits [B, L*K, 2] and offsets
        [B, L*K, 2]."""
        x = F.relu(self.conv(feats)).amax(dim=(3, 4))  # [B, F, L]
        B, _, L = x.shape
        k = self.num_anchors
        cls = self.cls(x).view(B, k, 2, L).permute(0, 3, 1, 2)
        reg = self.reg(x).view(B, k, 2, L).permute(0, 3, 1, 2)
        return cls.reshape(B, L * k, 2), reg.reshape(B, L * k, 2)

    def targets(self, anchors: torch.Tensor, gt: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Anchor labels (1 positive, 0 negative, -1 ignored) and the
        ground truth each anchor regresses to."""
        labels = anchors.new_full((len(anchors), ), -1, dtype=torch.long)
        if len(gt) == 0:
            labels[:] = 0
            return labels, anchors.clone()
        iou = segment_iou_matrix(anchors, gt)  # [A, G]
        best, match = iou.max(dim=1)
        labels[best < self.neg_iou] = 0
        labels[best >= self.pos_iou] = 1
        # every ground truth gets its best anchor(s)
        per_gt = iou.max(dim=0).values
        for g in range(len(gt)):
            if per_gt[g] > 0:
                hit = iou[:, g] == per_gt[g]
                labels[hit] = 1
                match[hit] = g
        return labels, gt[match]

    def loss(self, cls: torch.Tensor, reg: torch.Tensor,
             anchors: torch.Tensor, gt_segments: List[torch.Tensor]
             ) -> Dict[str, torch.Tensor]:
        """Sampled objectness cross-entropy and smooth-L1 offsets of the
        positive anchors."""
        losses_cls, losses_reg = [], []
        for b, gt in enumerate(gt_segments):
            labels, matched = self.targets(anchors, gt)
            picked = sample_labels(labels, self.num_samples,
                                   self.pos_fraction)
            losses_cls.append(
                F.cross_entropy(cls[b, picked], labels[picked],
                                reduction='sum') / max(len(picked), 1))
            pos = picked[labels[picked] == 1]
            if len(pos):
                target = encode_segments(anchors[pos], matched[pos],
                                         self.reg_stds)
                losses_reg.append(F.smooth_l1_loss(
                    reg[b, pos], target, reduction='sum') / len(pos))
            else:
                losses_reg.append(reg[b].sum() * 0.0)
        return dict(
            loss_rpn_cls=self.loss_weights[0] * torch.stack(losses_cls).mean(),
            loss_rpn_reg=self.loss_weights[1] * torch.stack(losses_reg).mean())

    @torch.no_grad()
    def proposals(self, cls: torch.Tensor, reg: torch.Tensor,
                  anchors: torch.Tensor, num_frames: int
                  ) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        """Per buffer: proposals [P, 2] (clipped to ``[0, num_frames]``)
        and their objectness [P], best first."""
        keep_n = self.train_proposals if self.training else \
            self.test_proposals
        out = []
        for b in range(cls.shape[0]):
            score = cls[b].softmax(-1)[:, 1]
            segs = _clip(decode_segments(anchors, reg[b], self.reg_stds),
                         num_frames)
            ok = (segs[:, 1] - segs[:, 0]) >= self.min_length
            segs, score = segs[ok], score[ok]
            order = score.argsort(descending=True)[:self.pre_nms]
            segs, score = segs[order], score[order]
            keep = nms_1d(segs, score, self.nms_iou, keep_n)
            out.append((segs[keep], score[keep]))
        return out


@MODELS.register_module()
class ProposalClassifierHead(nn.Module):
    """R-C3D's classification subnet (see the module docstring).

    Args:
        in_channels (int): Channels of the backbone feature map.
        num_classes (int): Action classes (background is added).
        roi_size (Sequence[int]): Pooled ``(l, h, w)``. Defaults to
            (1, 4, 4).
        temporal_stride (int): Input frames per feature step. Defaults
            to 8.
        hidden_channels (int): Width of the two fully connected layers.
            Defaults to 4096.
        dropout (float): Dropout after each of them. Defaults to 0.5.
        fg_iou (float): Defaults to 0.5.
        bg_iou (Sequence[float]): tIoU range of background proposals.
            Defaults to (0.1, 0.5).
        num_samples (int): Proposals sampled per buffer. Defaults to 128.
        fg_fraction (float): Defaults to 0.25.
        add_gt_as_proposals (bool): Defaults to True.
        reg_stds (Sequence[float]): Offset scales. Defaults to (0.1, 0.2).
        score_thr (float): Detections below are dropped. Defaults to 0.001.
        nms_iou (float): Class-wise NMS at test time. Defaults to 0.3.
        max_per_buffer (int): Detections kept per buffer. Defaults to 100.
        loss_weights (Sequence[float]): Classification and regression loss
            weights. Defaults to (1, 1).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 roi_size: Sequence[int] = (1, 4, 4),
                 temporal_stride: int = 8,
                 hidden_channels: int = 4096,
                 dropout: float = 0.5,
                 fg_iou: float = 0.5,
                 bg_iou: Sequence[float] = (0.1, 0.5),
                 num_samples: int = 128,
                 fg_fraction: float = 0.25,
                 add_gt_as_proposals: bool = True,
                 reg_stds: Sequence[float] = (0.1, 0.2),
                 score_thr: float = 0.001,
                 nms_iou: float = 0.3,
                 max_per_buffer: int = 100,
                 loss_weights: Sequence[float] = (1.0, 1.0)) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.fg_iou, self.bg_iou = fg_iou, tuple(bg_iou)
        self.num_samples, self.fg_fraction = num_samples, fg_fraction
        self.add_gt_as_proposals = add_gt_as_proposals
        self.reg_stds = tuple(reg_stds)
        self.score_thr, self.nms_iou = score_thr, nms_iou
        self.max_per_buffer = max_per_buffer
        self.loss_weights = tuple(loss_weights)
        self.roi_pool = TemporalRoIPool(roi_size, temporal_stride)
        flat = in_channels * math.prod(roi_size)
        self.fc = nn.Sequential(
            nn.Linear(flat, hidden_channels), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden_channels, hidden_channels),
            nn.ReLU(inplace=True), nn.Dropout(dropout))
        self.cls = nn.Linear(hidden_channels, num_classes + 1)
        self.reg = nn.Linear(hidden_channels, 2 * num_classes)
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.normal_(self.reg.weight, std=0.001)
        nn.init.zeros_(self.cls.bias)
        nn.init.zeros_(self.reg.bias)

    def forward(self, feats: torch.Tensor, rois: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Scores [R, num_classes + 1] and class-wise offsets
        [R, num_classes, 2] of ``rois`` [R, 3] (buffer, start, end)."""
        x = self.fc(self.roi_pool(feats, rois).flatten(1))
        return self.cls(x), self.reg(x).view(-1, self.num_classes, 2)

    def sample(self, proposals: List[torch.Tensor],
               gt_segments: List[torch.Tensor],
               gt_labels: List[torch.Tensor]
               ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Training rois [R, 3], their labels (``num_classes`` =
        background) and the segments the foreground ones regress to."""
        rois, labels, matched = [], [], []
        for b, (props, gt, gl) in enumerate(
                zip(proposals, gt_segments, gt_labels)):
            if self.add_gt_as_proposals and len(gt):
                props = torch.cat([props, gt])
            cls = props.new_full((len(props), ), -1, dtype=torch.long)
            target = props.clone()
            if len(gt):
                iou = segment_iou_matrix(props, gt)
                best, match = iou.max(dim=1)
                background = (best >= self.bg_iou[0]) & (best < self.bg_iou[1])
                cls[background] = 0
                cls[best >= self.fg_iou] = 1
                target = gt[match]
                names = torch.where(best >= self.fg_iou, gl[match],
                                    torch.full_like(match, self.num_classes))
            else:
                cls[:] = 0
                names = torch.full_like(cls, self.num_classes)
            picked = sample_labels(cls, self.num_samples, self.fg_fraction)
            rois.append(torch.cat([props.new_full((len(picked), 1), b),
                                   props[picked]], 1))
            labels.append(names[picked])
            matched.append(target[picked])
        return torch.cat(rois), torch.cat(labels), torch.cat(matched)

    def loss(self, scores: torch.Tensor, offsets: torch.Tensor,
             rois: torch.Tensor, labels: torch.Tensor,
             matched: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Cross-entropy over classes + background, smooth-L1 offsets of
        the foreground rois (their own class's)."""
        loss_cls = F.cross_entropy(scores, labels)
        fg = torch.nonzero(labels < self.num_classes).flatten()
        if len(fg):
            target = encode_segments(rois[fg, 1:], matched[fg],
                                     self.reg_stds)
            pred = offsets[fg, labels[fg]]
            loss_reg = F.smooth_l1_loss(pred, target, reduction='sum') / max(
                len(labels), 1)
        else:
            loss_reg = offsets.sum() * 0.0
        return dict(loss_cls=self.loss_weights[0] * loss_cls,
                    loss_reg=self.loss_weights[1] * loss_reg)

    @torch.no_grad()
    def detections(self, scores: torch.Tensor, offsets: torch.Tensor,
                   proposals: torch.Tensor, num_frames: int
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Class-wise decoded, thresholded, NMS'd detections of one
        buffer: segments [D, 2], scores [D], labels [D], best first."""
        probs = scores.softmax(-1)[:, :self.num_classes]
        segs, confs, names = [], [], []
        for c in range(self.num_classes):
            ok = probs[:, c] > self.score_thr
            if not ok.any():
                continue
            seg = _clip(decode_segments(proposals[ok], offsets[ok, c],
                                        self.reg_stds), num_frames)
            conf = probs[ok, c]
            keep = nms_1d(seg, conf, self.nms_iou)
            segs.append(seg[keep])
            confs.append(conf[keep])
            names.append(torch.full((len(keep), ), c, dtype=torch.long))
        if not segs:
            empty = scores.new_zeros((0, 2))
            return empty, scores.new_zeros(0), torch.zeros(0,
                                                           dtype=torch.long)
        segs, confs, names = torch.cat(segs), torch.cat(confs), torch.cat(
            names)
        order = confs.argsort(descending=True)[:self.max_per_buffer]
        return segs[order], confs[order], names[order]
