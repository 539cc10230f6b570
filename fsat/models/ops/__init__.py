# Copyright (c) fsat contributors. All rights reserved.
"""Small ops written in plain torch (torchvision is not available)."""
from .nms1d import nms_1d, segment_iou_matrix
from .temporal_roi_pool import TemporalRoIPool

__all__ = ['TemporalRoIPool', 'nms_1d', 'segment_iou_matrix']
