# Copyright (c) fsat contributors. All rights reserved.
"""Metrics fsat adds to mmaction2's."""
from .functional import temporal_detection_map
from .metrics import TemporalDetectionMAP

__all__ = ['TemporalDetectionMAP', 'temporal_detection_map']
