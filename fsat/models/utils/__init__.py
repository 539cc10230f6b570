# Copyright (c) fsat contributors. All rights reserved.
"""Helpers shared by fsat's models."""
from .clips import (
    CLIP_COUNTS_KEY,
    get_clip_counts,
    mean_per_sample,
    split_per_sample,
)

__all__ = [
    'CLIP_COUNTS_KEY', 'get_clip_counts', 'mean_per_sample',
    'split_per_sample'
]
