# Copyright (c) fsat contributors. All rights reserved.
"""Non-maximum suppression of temporal segments, in plain torch (the
greedy loop in numpy for float segments, as :mod:`.nms2d` does)."""
from typing import Callable, List

import numpy as np
import torch


def segment_iou_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pairwise tIoU of segments ``a`` [N, 2] and ``b`` [M, 2] -> [N, M]."""
    start = torch.maximum(a[:, None, 0], b[None, :, 0])
    end = torch.minimum(a[:, None, 1], b[None, :, 1])
    inter = (end - start).clamp(min=0)
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0])[None] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12),
                       torch.zeros_like(union))


def nms_1d(segments: torch.Tensor,
           scores: torch.Tensor,
           iou_threshold: float,
           max_keep: int = -1) -> torch.Tensor:
    """Greedy NMS: keep the best segment, drop those overlapping it, repeat.

    A segment is suppressed when its tIoU with a kept, higher-scoring one is
    *greater than* ``iou_threshold``. Equal scores keep their input order.

    Args:
        segments (Tensor): [K, 2] ``(start, end)``.
        scores (Tensor): [K].
        iou_threshold (float): Overlap above which a segment is dropped.
        max_keep (int): Keep at most this many (-1: all). Defaults to -1.

    Returns:
        Tensor: Indices of the kept segments, best first, [K'] (long).
    """
    if segments.numel() == 0:
        return segments.new_zeros((0, ), dtype=torch.long)
    return ranked_greedy_nms(segments, scores, _greedy_numpy, _greedy_torch,
                             iou_threshold, max_keep)


def ranked_greedy_nms(items: torch.Tensor, scores: torch.Tensor,
                      greedy_numpy: Callable, greedy_torch: Callable,
                      *args) -> torch.Tensor:
    """The indices of the kept ``items``, best first, shared by
    :func:`nms_1d` and :func:`~fsat.models.ops.nms2d.nms_2d`: the items
    ranked by score (a stable sort: equal scores keep their input order),
    then ``greedy_numpy(ranked, *args)`` for float32 / float64 items (the
    same arithmetic, far less overhead a step) or ``greedy_torch(ranked,
    *args)`` for other dtypes, each returning indices into ``ranked``."""
    order = torch.sort(scores, descending=True, stable=True).indices
    ranked = items[order]
    greedy = (greedy_numpy if ranked.dtype in (torch.float32, torch.float64)
              else greedy_torch)
    return order[torch.as_tensor(greedy(ranked, *args), dtype=torch.long,
                                 device=items.device)]


def greedy_suppress(remaining, iou_of: Callable, iou_threshold: float,
                    max_keep: int) -> List[int]:
    """The greedy loop of NMS, shared by :func:`nms_1d` and
    :func:`~fsat.models.ops.nms2d.nms_2d` in numpy and in torch.

    Args:
        remaining: Score-ranked candidate indices (a numpy array or a
            long tensor), best first.
        iou_of (callable): ``iou_of(best, rest)`` -> the overlaps of
            candidate ``best`` with the candidates ``rest``, in the
            container type of ``remaining``.
        iou_threshold (float): Overlap above which a candidate is
            dropped.
        max_keep (int): Keep at most this many (-1: all).

    Returns:
        list[int]: The kept indices, in order.
    """
    keep = []
    while len(remaining) and not 0 < max_keep <= len(keep):
        best = remaining[0]
        keep.append(int(best))
        rest = remaining[1:]
        remaining = rest[~(iou_of(best, rest) > iou_threshold)]
    return keep


def _greedy_torch(ranked: torch.Tensor, iou_threshold: float,
                  max_keep: int) -> List[int]:
    """The greedy loop of :func:`nms_1d` on score-ranked segments: indices
    into ``ranked`` of the kept ones, in order."""
    return greedy_suppress(
        torch.arange(len(ranked), device=ranked.device),
        lambda best, rest: segment_iou_matrix(ranked[best][None],
                                              ranked[rest])[0],
        iou_threshold, max_keep)


def _greedy_numpy(ranked: torch.Tensor, iou_threshold: float,
                  max_keep: int) -> List[int]:
    """:func:`_greedy_torch` in numpy: the IEEE operations of
    :func:`segment_iou_matrix` in the same order (so the same kept
    segments, bit for bit), without a K x K matrix (O(K) memory) and with
    far less overhead a step than torch when many segments are kept."""
    start, end = (np.ascontiguousarray(c)
                  for c in ranked.detach().cpu().numpy().T)
    length = end - start

    def iou_of(best, rest):
        inter = (np.minimum(end[best], end[rest]) -
                 np.maximum(start[best], start[rest])).clip(min=0)
        union = length[best] + length[rest] - inter
        return np.where(union > 0, inter / np.maximum(union, 1e-12), 0)

    return greedy_suppress(np.arange(len(start)), iou_of, iou_threshold,
                           max_keep)
