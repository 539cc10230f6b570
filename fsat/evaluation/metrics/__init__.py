# Copyright (c) fsat contributors. All rights reserved.
from .temporal_map_metric import TemporalDetectionMAP

__all__ = ['TemporalDetectionMAP']
