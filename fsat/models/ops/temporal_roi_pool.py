# Copyright (c) fsat contributors. All rights reserved.
"""Temporal RoI pooling of R-C3D, in plain torch (no torchvision)."""
import math
from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class TemporalRoIPool(nn.Module):
    """Max-pool each proposal's span of a 3D feature map to a fixed grid.

    A proposal ``[start, end)`` in input frames covers the feature steps
    ``floor(start / stride) .. ceil(end / stride)`` (at least one step,
    clipped to the map); that crop of [C, L', H, W] is max-pooled into
    ``output_size = (l, h, w)`` bins, bin ``i`` of ``n`` spanning
    ``floor(i * S / n) .. ceil((i + 1) * S / n)`` as in adaptive pooling.

    Args:
        output_size (Sequence[int]): ``(l, h, w)``. R-C3D uses (1, 4, 4).
        temporal_stride (float): Input frames per feature step (8 for a
            C3D/ResNet backbone with temporal stride 8).
    """

    def __init__(self, output_size: Sequence[int] = (1, 4, 4),
                 temporal_stride: float = 8) -> None:
        super().__init__()
        self.output_size: Tuple[int, int, int] = tuple(output_size)
        self.temporal_stride = temporal_stride

    def forward(self, feats: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """Pool proposals.

        Args:
            feats (Tensor): [B, C, L', H, W] feature maps.
            rois (Tensor): [R, 3] ``(batch index, start, end)`` in frames.

        Returns:
            Tensor: [R, C, l, h, w].
        """
        length = feats.shape[2]
        outputs = []
        for batch_idx, start, end in rois.tolist():
            first = min(int(math.floor(start / self.temporal_stride)),
                        length - 1)
            last = min(max(int(math.ceil(end / self.temporal_stride)),
                           first + 1), length)
            crop = feats[int(batch_idx), :, first:last]
            outputs.append(F.adaptive_max_pool3d(crop, self.output_size))
        if not outputs:
            return feats.new_zeros((0, feats.shape[1], *self.output_size))
        return torch.stack(outputs)
