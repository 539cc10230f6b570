# Copyright (c) fsat contributors. All rights reserved.
"""Recognizers fsat adds to mmaction2's."""
from .late_fusion import LateFusionRecognizer

__all__ = ['LateFusionRecognizer']
