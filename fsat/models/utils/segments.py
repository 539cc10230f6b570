# Copyright (c) fsat contributors. All rights reserved.
"""Temporal segments: (centre, length) regression coding and sampling."""
import math
from typing import Sequence, Tuple

import torch

#: Largest log length ratio a decoded offset may have (R-CNN practice).
MAX_LOG_RATIO = math.log(1000.0 / 16)


def _centre_length(segments: torch.Tensor) -> Tuple[torch.Tensor,
                                                    torch.Tensor]:
    length = segments[:, 1] - segments[:, 0]
    return segments[:, 0] + 0.5 * length, length


def encode_segments(anchors: torch.Tensor, targets: torch.Tensor,
                    stds: Sequence[float] = (1.0, 1.0)) -> torch.Tensor:
    """Offsets that move ``anchors`` [N, 2] onto ``targets`` [N, 2].

    R-C3D's parameterisation: ``((c* - c) / l, log(l* / l))`` for centres
    ``c`` and lengths ``l``, each divided by its ``std``.
    """
    ca, la = _centre_length(anchors)
    ct, lt = _centre_length(targets)
    la = la.clamp(min=1e-6)
    return torch.stack([(ct - ca) / la / stds[0],
                        torch.log(lt.clamp(min=1e-6) / la) / stds[1]], -1)


def decode_segments(anchors: torch.Tensor, deltas: torch.Tensor,
                    stds: Sequence[float] = (1.0, 1.0)) -> torch.Tensor:
    """Inverse of :func:`encode_segments` -> [N, 2] ``(start, end)``."""
    ca, la = _centre_length(anchors)
    centre = ca + deltas[..., 0] * stds[0] * la
    length = la * torch.exp((deltas[..., 1] * stds[1]).clamp(
        max=MAX_LOG_RATIO))
    return torch.stack([centre - 0.5 * length, centre + 0.5 * length], -1)


def sample_labels(labels: torch.Tensor, num: int,
                  positive_fraction: float) -> torch.Tensor:
    """Pick at most ``num`` entries: up to ``num * positive_fraction``
    positives (``labels > 0``), then negatives (``labels == 0``) to fill;
    ``labels < 0`` are never picked. Random (the torch global generator).

    Returns:
        Tensor: Indices of the picked entries (long).
    """
    pos = torch.nonzero(labels > 0).flatten()
    neg = torch.nonzero(labels == 0).flatten()
    num_pos = min(len(pos), int(num * positive_fraction))
    num_neg = min(len(neg), num - num_pos)
    pos = pos[torch.randperm(len(pos), device=pos.device)[:num_pos]]
    neg = neg[torch.randperm(len(neg), device=neg.device)[:num_neg]]
    return torch.cat([pos, neg])
