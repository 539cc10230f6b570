# Copyright (c) fsat contributors. All rights reserved.
from .temporal_map import (
                           average_precision,
                           interpolated_ap,
                           merge_detections,
                           temporal_detection_map,
                           temporal_iou,
)

__all__ = [
    'average_precision', 'interpolated_ap', 'merge_detections',
    'temporal_detection_map',
    'temporal_iou'
]
