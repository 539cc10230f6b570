# Copyright (c) fsat contributors. All rights reserved.
"""Argument checks shared by the distillation losses."""
import math
import numbers

import torch

__all__ = ['check_loss_weight', 'check_same_shape', 'flatten_per_sample']


def check_loss_weight(loss_weight: float) -> float:
    """Return ``loss_weight`` as a float if it is a finite real number."""
    if (isinstance(loss_weight, bool)
            or not isinstance(loss_weight, numbers.Real)
            or not math.isfinite(loss_weight)):
        raise ValueError(
            f'loss_weight must be a finite number, got {loss_weight!r}')
    return float(loss_weight)


def check_same_shape(name_a: str, a: torch.Tensor, name_b: str,
                     b: torch.Tensor) -> None:
    """Fail with both shapes unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f'{name_a} and {name_b} must have the same shape, '
                         f'got {tuple(a.shape)} and {tuple(b.shape)}')
    if a.dim() < 2:
        raise ValueError(f'{name_a} and {name_b} must be [N, C, ...] with a '
                         f'batch axis, got shape {tuple(a.shape)}')


def flatten_per_sample(x: torch.Tensor) -> torch.Tensor:
    """``[N, C, ...] -> [N, C * ...]``: one vector per sample."""
    return x.flatten(1)
