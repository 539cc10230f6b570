# Copyright (c) fsat contributors. All rights reserved.
"""Data preprocessors for paired multimodal batches and 2-D detection."""
from .det2d import Det2DDataPreprocessor
from .paired import PairedDataPreprocessor

__all__ = ['Det2DDataPreprocessor', 'PairedDataPreprocessor']
