# Copyright (c) fsat contributors. All rights reserved.
from .temporal_map_metric import TemporalDetectionMAP
from .voc_map_metric import VOCBoxMAP

__all__ = ['TemporalDetectionMAP', 'VOCBoxMAP']
