# Copyright (c) fsat contributors. All rights reserved.
"""Recognizers fsat adds to mmaction2's."""
from .late_fusion import LateFusionRecognizer
from .vpn import AttentionModulation, SpatioTemporalCoupler, VPNRecognizer

__all__ = [
    'AttentionModulation', 'LateFusionRecognizer', 'SpatioTemporalCoupler',
    'VPNRecognizer'
]
