# Copyright (c) fsat contributors. All rights reserved.
from .temporal_map_metric import TemporalDetectionMAP
from .transfer_l2_metric import TransferL2Metric
from .voc_map_metric import VOCBoxMAP

__all__ = ['TemporalDetectionMAP', 'TransferL2Metric', 'VOCBoxMAP']
