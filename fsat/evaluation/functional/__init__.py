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
from .voc_map import (
    AP_MODES,
    MATCHINGS,
    box_iou,
    check_ap_mode,
    check_matching,
    class_agnostic_ap,
    label_chance_map,
    relabel_detections,
    voc_ap,
    voc_average_precision,
    voc_detection_map,
)

__all__ = [
    'AP_MODES', 'MATCHINGS', 'box_iou', 'check_ap_mode', 'check_matching',
    'class_agnostic_ap', 'label_chance_map', 'relabel_detections',
    'voc_ap', 'voc_average_precision', 'voc_detection_map',
    'PROTOCOLS', 'average_precision', 'check_protocol', 'interpolated_ap',
    'merge_detections', 'temporal_detection_map', 'temporal_iou'
]
