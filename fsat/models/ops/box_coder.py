# Copyright (c) fsat contributors. All rights reserved.
"""R-CNN box regression deltas ``(dx, dy, dw, dh)``, in plain torch.

The 2-D counterpart of :mod:`fsat.models.utils.segments` (mmdet, which
has ``DeltaXYWHBBoxCoder``, is not part of fsat's environment). A box
``(x1, y1, x2, y2)`` has width ``w = x2 - x1 + pixel_offset`` (same for
``h``) and centre ``cx = x1 + w / 2``. The deltas that move a proposal
``P`` onto a target ``G`` are (R-CNN, Girshick et al. 2014)::

    dx = (Gcx - Pcx) / Pw        dy = (Gcy - Pcy) / Ph
    dw = log(Gw / Pw)            dh = log(Gh / Ph)

then normalised as ``(d - mean) / std`` per component (Fast R-CNN uses
means 0 and stds (0.1, 0.1, 0.2, 0.2) for its second stage).

Decoding inverts this: ``d * std + mean``; ``dw`` and ``dh`` are clamped
from above at ``max_log_ratio`` (default ``log(1000 / 16)``, so a box
grows at most 62.5 times; Detectron's rule, which only guards ``exp``
against overflow; mmdet clamps from below too); the decoded box is
``(cx - w / 2, cy - h / 2, cx + w / 2 - pixel_offset,
cy + h / 2 - pixel_offset)``, so that encode and decode are exact inverses
under both conventions (py-faster-rcnn's original decode lacks the
``- 1`` and grows boxes by one pixel per round trip). With ``max_shape``
``(H, W)`` the box is clipped to the image: ``[0, W]`` x ``[0, H]`` for
continuous coordinates, ``[0, W - 1]`` x ``[0, H - 1]`` for the legacy
``pixel_offset=1`` (inclusive pixel indices).
"""
import math
from typing import Optional, Sequence, Tuple

import torch

#: Largest log size ratio a decoded delta may have (R-CNN practice).
MAX_LOG_RATIO = math.log(1000.0 / 16)


def _check(boxes: torch.Tensor, name: str) -> None:
    if boxes.shape[-1:] != (4, ):
        raise ValueError(f'box_coder: {name} must have 4 values in the last '
                         f'dimension, got shape {tuple(boxes.shape)}')


def _stats(means: Sequence[float], stds: Sequence[float],
           like: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    if len(means) != 4 or len(stds) != 4:
        raise ValueError(f'box_coder: means={tuple(means)} and '
                         f'stds={tuple(stds)} must have 4 values each')
    if any(s <= 0 for s in stds):
        raise ValueError(f'box_coder: stds={tuple(stds)} must be positive')
    return like.new_tensor(means), like.new_tensor(stds)


def _check_offset(pixel_offset: int) -> None:
    if pixel_offset not in (0, 1):
        raise ValueError(f'box_coder: pixel_offset={pixel_offset!r} must be '
                         '0 (continuous) or 1 (legacy +1 pixel convention)')


def _centre_size(boxes: torch.Tensor, pixel_offset: int
                 ) -> Tuple[torch.Tensor, ...]:
    w = boxes[..., 2] - boxes[..., 0] + pixel_offset
    h = boxes[..., 3] - boxes[..., 1] + pixel_offset
    return boxes[..., 0] + 0.5 * w, boxes[..., 1] + 0.5 * h, w, h


def encode_boxes(proposals: torch.Tensor,
                 targets: torch.Tensor,
                 means: Sequence[float] = (0., 0., 0., 0.),
                 stds: Sequence[float] = (1., 1., 1., 1.),
                 pixel_offset: int = 0) -> torch.Tensor:
    """Deltas that move ``proposals`` onto ``targets`` (module docstring).

    Args:
        proposals (Tensor): [..., 4] ``(x1, y1, x2, y2)``, positive sizes.
        targets (Tensor): [..., 4], same shape, positive sizes.
        means (Sequence[float]): Subtracted from the raw deltas.
            Defaults to zeros.
        stds (Sequence[float]): Divide the centred deltas. Defaults to ones.
        pixel_offset (int): 0 for continuous coordinates, 1 for the legacy
            ``+1`` convention. Defaults to 0.

    Returns:
        Tensor: [..., 4] ``(dx, dy, dw, dh)``.
    """
    _check(proposals, 'proposals')
    _check(targets, 'targets')
    _check_offset(pixel_offset)
    if proposals.shape != targets.shape:
        raise ValueError(f'box_coder: proposals {tuple(proposals.shape)} '
                         f'and targets {tuple(targets.shape)} differ in '
                         'shape')
    mean, std = _stats(means, stds, proposals)
    pcx, pcy, pw, ph = _centre_size(proposals, pixel_offset)
    gcx, gcy, gw, gh = _centre_size(targets, pixel_offset)
    deltas = torch.stack([(gcx - pcx) / pw, (gcy - pcy) / ph,
                          torch.log(gw / pw), torch.log(gh / ph)], -1)
    return (deltas - mean) / std


def decode_boxes(proposals: torch.Tensor,
                 deltas: torch.Tensor,
                 means: Sequence[float] = (0., 0., 0., 0.),
                 stds: Sequence[float] = (1., 1., 1., 1.),
                 max_shape: Optional[Sequence[int]] = None,
                 max_log_ratio: float = MAX_LOG_RATIO,
                 pixel_offset: int = 0) -> torch.Tensor:
    """Apply ``deltas`` to ``proposals``: the inverse of
    :func:`encode_boxes`, with clamping and clipping (module docstring).

    Args:
        proposals (Tensor): [..., 4] ``(x1, y1, x2, y2)``.
        deltas (Tensor): [..., 4] ``(dx, dy, dw, dh)``, same shape.
        means (Sequence[float]): As given to :func:`encode_boxes`.
        stds (Sequence[float]): As given to :func:`encode_boxes`.
        max_shape (Sequence[int], optional): ``(H, W)`` of the image to
            clip to; None: no clipping. Defaults to None.
        max_log_ratio (float): Upper clamp of ``dw`` and ``dh`` after
            de-normalisation. Defaults to ``log(1000 / 16)``.
        pixel_offset (int): 0 or 1, as given to :func:`encode_boxes`.
            Defaults to 0.

    Returns:
        Tensor: [..., 4] decoded boxes.
    """
    _check(proposals, 'proposals')
    _check(deltas, 'deltas')
    _check_offset(pixel_offset)
    if proposals.shape != deltas.shape:
        raise ValueError(f'box_coder: proposals {tuple(proposals.shape)} '
                         f'and deltas {tuple(deltas.shape)} differ in shape')
    mean, std = _stats(means, stds, deltas)
    deltas = deltas * std + mean
    pcx, pcy, pw, ph = _centre_size(proposals, pixel_offset)
    cx = pcx + deltas[..., 0] * pw
    cy = pcy + deltas[..., 1] * ph
    w = pw * torch.exp(deltas[..., 2].clamp(max=max_log_ratio))
    h = ph * torch.exp(deltas[..., 3].clamp(max=max_log_ratio))
    boxes = torch.stack([cx - 0.5 * w, cy - 0.5 * h,
                         cx + 0.5 * w - pixel_offset,
                         cy + 0.5 * h - pixel_offset], -1)
    if max_shape is not None:
        boxes = clip_boxes(boxes, max_shape, pixel_offset)
    return boxes


def clip_boxes(boxes: torch.Tensor, max_shape: Sequence[int],
               pixel_offset: int = 0) -> torch.Tensor:
    """Clip ``boxes`` [..., 4] to an image of ``max_shape = (H, W)``.

    Continuous coordinates are clipped to ``[0, W]`` x ``[0, H]``; with
    ``pixel_offset=1`` to the pixel indices ``[0, W - 1]`` x ``[0, H - 1]``.
    """
    _check(boxes, 'boxes')
    _check_offset(pixel_offset)
    if len(max_shape) < 2 or min(max_shape[:2]) <= 0:
        raise ValueError(f'box_coder: max_shape={tuple(max_shape)} must be '
                         'a positive (H, W)')
    height, width = max_shape[:2]
    upper = boxes.new_tensor([width, height, width, height]) - pixel_offset
    return torch.minimum(boxes.clamp(min=0), upper)


class DeltaXYWHBoxCoder:
    """Holds the settings of :func:`encode_boxes` / :func:`decode_boxes`.

    Args:
        means (Sequence[float]): Delta means. Defaults to zeros.
        stds (Sequence[float]): Delta stds. Defaults to ones.
        max_log_ratio (float): Upper clamp of decoded ``dw``, ``dh``.
            Defaults to ``log(1000 / 16)``.
        pixel_offset (int): 0 (continuous) or 1 (legacy). Defaults to 0.
    """

    def __init__(self,
                 means: Sequence[float] = (0., 0., 0., 0.),
                 stds: Sequence[float] = (1., 1., 1., 1.),
                 max_log_ratio: float = MAX_LOG_RATIO,
                 pixel_offset: int = 0) -> None:
        _stats(means, stds, torch.zeros(0))
        _check_offset(pixel_offset)
        self.means = tuple(float(m) for m in means)
        self.stds = tuple(float(s) for s in stds)
        self.max_log_ratio = max_log_ratio
        self.pixel_offset = pixel_offset

    def encode(self, proposals: torch.Tensor,
               targets: torch.Tensor) -> torch.Tensor:
        """Deltas [..., 4] moving ``proposals`` onto ``targets``."""
        return encode_boxes(proposals, targets, self.means, self.stds,
                            self.pixel_offset)

    def decode(self, proposals: torch.Tensor, deltas: torch.Tensor,
               max_shape: Optional[Sequence[int]] = None) -> torch.Tensor:
        """Boxes [..., 4] from ``proposals`` moved by ``deltas``."""
        return decode_boxes(proposals, deltas, self.means, self.stds,
                            max_shape, self.max_log_ratio, self.pixel_offset)
