# Copyright (c) fsat contributors. All rights reserved.
"""Box IoU and non-maximum suppression of 2-D boxes, in plain torch.

torchvision (``box_iou``, ``nms``, ``batched_nms``) cannot be imported in
fsat's environment and mmcv-lite has no compiled ``mmcv.ops.nms``; these
are the 2-D counterparts of :mod:`fsat.models.ops.nms1d`.

Boxes are ``(x1, y1, x2, y2)``. Two coordinate conventions:

* ``pixel_offset=0`` (default): continuous coordinates, width
  ``x2 - x1`` (torchvision, Detectron2, mmdet 2.x and later);
* ``pixel_offset=1``: the legacy convention of Fast/Faster R-CNN and the
  PASCAL VOC devkit, where ``x1..x2`` are inclusive pixel indices and the
  width is ``x2 - x1 + 1``.

Widths, heights and intersections are clamped at 0, so a box with
``x2 < x1 - pixel_offset`` has area 0; an IoU whose union is 0 is 0.
"""
from typing import List

import numpy as np
import torch

from .nms1d import greedy_suppress, ranked_greedy_nms


def _check_offset(pixel_offset: int) -> int:
    if pixel_offset not in (0, 1):
        raise ValueError(f'nms2d: pixel_offset={pixel_offset!r} must be 0 '
                         '(continuous) or 1 (legacy +1 pixel convention)')
    return pixel_offset


def _check_boxes(boxes: torch.Tensor, name: str) -> None:
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError(f'nms2d: {name} must be [N, 4] (x1, y1, x2, y2), '
                         f'got shape {tuple(boxes.shape)}')


def box_area(boxes: torch.Tensor, pixel_offset: int = 0) -> torch.Tensor:
    """Areas of ``boxes`` [N, 4] -> [N] (negative sides count as 0)."""
    _check_offset(pixel_offset)
    width = (boxes[:, 2] - boxes[:, 0] + pixel_offset).clamp(min=0)
    height = (boxes[:, 3] - boxes[:, 1] + pixel_offset).clamp(min=0)
    return width * height


def box_iou_matrix(a: torch.Tensor, b: torch.Tensor,
                   pixel_offset: int = 0) -> torch.Tensor:
    """Pairwise IoU of boxes ``a`` [N, 4] and ``b`` [M, 4] -> [N, M].

    Args:
        a (Tensor): [N, 4] ``(x1, y1, x2, y2)``.
        b (Tensor): [M, 4].
        pixel_offset (int): 0 for continuous coordinates, 1 for the legacy
            ``+1`` pixel convention (module docstring). Defaults to 0.

    Returns:
        Tensor: [N, M] IoU in ``[0, 1]`` (0 where the union is empty).
    """
    _check_boxes(a, 'a')
    _check_boxes(b, 'b')
    _check_offset(pixel_offset)
    left_top = torch.maximum(a[:, None, :2], b[None, :, :2])
    right_bottom = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    sides = (right_bottom - left_top + pixel_offset).clamp(min=0)
    inter = sides[..., 0] * sides[..., 1]
    union = (box_area(a, pixel_offset)[:, None] +
             box_area(b, pixel_offset)[None] - inter)
    return torch.where(union > 0, inter / union.clamp(min=1e-12),
                       torch.zeros_like(union))


def nms_2d(boxes: torch.Tensor,
           scores: torch.Tensor,
           iou_threshold: float,
           max_keep: int = -1,
           pixel_offset: int = 0) -> torch.Tensor:
    """Greedy NMS: keep the best box, drop those overlapping it, repeat.

    A box is suppressed when its IoU with a kept, higher-ranked one is
    *greater than* ``iou_threshold``. Equal scores keep their input order
    (a stable sort). Only the IoUs of kept boxes with the remaining ones
    are computed, so memory is O(N). Float32/float64 boxes run the loop in
    numpy (the same arithmetic, far less per-step overhead); other dtypes
    in torch.

    Args:
        boxes (Tensor): [N, 4] ``(x1, y1, x2, y2)``.
        scores (Tensor): [N].
        iou_threshold (float): Overlap above which a box is dropped.
        max_keep (int): Keep at most this many (-1: all). Defaults to -1.
        pixel_offset (int): IoU convention, 0 or 1 (module docstring).
            Defaults to 0.

    Returns:
        Tensor: Indices of the kept boxes, best first, [N'] (long).
    """
    _check_boxes(boxes, 'boxes')
    _check_offset(pixel_offset)
    if scores.shape != boxes.shape[:1]:
        raise ValueError(f'nms2d: scores must be [{len(boxes)}] for '
                         f'{len(boxes)} boxes, got shape '
                         f'{tuple(scores.shape)}')
    if boxes.numel() == 0:
        return torch.zeros((0, ), dtype=torch.long, device=boxes.device)
    return ranked_greedy_nms(boxes, scores, _greedy_numpy, _greedy_torch,
                             iou_threshold, max_keep, pixel_offset)


def _greedy_torch(ranked: torch.Tensor, iou_threshold: float,
                  max_keep: int, pixel_offset: int) -> List[int]:
    """The greedy loop of :func:`nms_2d` on score-ranked boxes: indices
    into ``ranked`` of the kept boxes, in order."""
    return greedy_suppress(
        torch.arange(len(ranked), device=ranked.device),
        lambda best, rest: box_iou_matrix(ranked[best][None], ranked[rest],
                                          pixel_offset)[0],
        iou_threshold, max_keep)


def _greedy_numpy(ranked: torch.Tensor, iou_threshold: float,
                  max_keep: int, pixel_offset: int) -> List[int]:
    """:func:`_greedy_torch` in numpy: the same IEEE operations in the
    same order as :func:`box_iou_matrix` (so the same kept boxes, bit for
    bit), without the per-step checks and tensor overhead that dominate
    when hundreds of boxes are kept (``benchmarks/det2d_speed.py``
    measures both loops on the same boxes)."""
    x1, y1, x2, y2 = (np.ascontiguousarray(c)
                      for c in ranked.detach().cpu().numpy().T)
    area = ((x2 - x1 + pixel_offset).clip(min=0) *
            (y2 - y1 + pixel_offset).clip(min=0))

    def iou_of(best, rest):
        width = (np.minimum(x2[best], x2[rest]) -
                 np.maximum(x1[best], x1[rest]) + pixel_offset).clip(min=0)
        height = (np.minimum(y2[best], y2[rest]) -
                  np.maximum(y1[best], y1[rest]) + pixel_offset).clip(min=0)
        inter = width * height
        union = area[best] + area[rest] - inter
        return np.where(union > 0, inter / np.maximum(union, 1e-12), 0)

    return greedy_suppress(np.arange(len(x1)), iou_of, iou_threshold,
                           max_keep)


def batched_nms_2d(boxes: torch.Tensor,
                   scores: torch.Tensor,
                   labels: torch.Tensor,
                   iou_threshold: float,
                   max_keep: int = -1,
                   pixel_offset: int = 0) -> torch.Tensor:
    """Per-class NMS: boxes of different labels never suppress each other.

    Runs :func:`nms_2d` on each label's boxes (a per-class loop, exact for
    any coordinates, unlike the trick of offsetting each class's boxes by
    a large constant, which loses float precision on large coordinates).

    Args:
        boxes (Tensor): [N, 4].
        scores (Tensor): [N].
        labels (Tensor): [N] integer class of each box.
        iou_threshold (float): Overlap above which a box is dropped.
        max_keep (int): Keep at most this many over all classes, the best
            scores first (-1: all). Defaults to -1.
        pixel_offset (int): IoU convention, 0 or 1. Defaults to 0.

    Returns:
        Tensor: Indices of the kept boxes sorted by score, highest first
        (equal scores: input order), [N'] (long).
    """
    _check_boxes(boxes, 'boxes')
    if labels.shape != boxes.shape[:1]:
        raise ValueError(f'nms2d: labels must be [{len(boxes)}] for '
                         f'{len(boxes)} boxes, got shape '
                         f'{tuple(labels.shape)}')
    if scores.shape != boxes.shape[:1]:
        raise ValueError(f'nms2d: scores must be [{len(boxes)}] for '
                         f'{len(boxes)} boxes, got shape '
                         f'{tuple(scores.shape)}')
    kept = [torch.zeros((0, ), dtype=torch.long, device=boxes.device)]
    for label in torch.unique(labels):
        index = torch.nonzero(labels == label).flatten()
        kept.append(index[nms_2d(boxes[index], scores[index], iou_threshold,
                                 max_keep, pixel_offset)])
    kept_all = torch.sort(torch.cat(kept)).values
    kept_all = kept_all[torch.sort(scores[kept_all], descending=True,
                                   stable=True).indices]
    if max_keep > 0:
        kept_all = kept_all[:max_keep]
    return kept_all
