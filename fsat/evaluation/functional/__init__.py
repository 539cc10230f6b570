# Copyright (c) fsat contributors. All rights reserved.
from .temporal_map import (
                           PROTOCOLS,
                           average_precision,
                           check_protocol,
                           interpolated_ap,
                           merge_detections,
                           temporal_detection_map,
                           temporal_iou,
)

__all__ = [
    'PROTOCOLS', 'average_precision', 'check_protocol', 'interpolated_ap',
    'merge_detections', 'temporal_detection_map', 'temporal_iou'
]
