# Copyright (c) fsat contributors. All rights reserved.
"""Recognizers fsat adds to mmaction2's."""
from .late_fusion import LateFusionRecognizer
from .multi_stream import MultiStreamRecognizer
from .vpn import AttentionModulation, SpatioTemporalCoupler, VPNRecognizer

__all__ = [
    'AttentionModulation', 'LateFusionRecognizer', 'MultiStreamRecognizer',
    'SpatioTemporalCoupler', 'VPNRecognizer'
]
