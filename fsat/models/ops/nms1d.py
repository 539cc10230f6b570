# Copyright (c) fsat contributors. All rights reserved.
"""Non-maximum suppression of temporal segments, in plain torch."""
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
    order = torch.sort(scores, descending=True, stable=True).indices
    iou = segment_iou_matrix(segments[order], segments[order])
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(i)
        if 0 < max_keep <= len(keep):
            break
        suppressed |= iou[i] > iou_threshold
    return order[torch.tensor(keep, dtype=torch.long)]
