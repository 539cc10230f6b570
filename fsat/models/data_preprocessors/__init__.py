# Copyright (c) fsat contributors. All rights reserved.
"""Data preprocessors for paired multimodal batches."""
from .paired import PairedDataPreprocessor

__all__ = ['PairedDataPreprocessor']
