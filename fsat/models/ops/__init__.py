# Copyright (c) fsat contributors. All rights reserved.
"""Small ops written in plain torch (torchvision is not available)."""
from .box_coder import (
    DeltaXYWHBoxCoder,
    clip_boxes,
    decode_boxes,
    encode_boxes,
)
from .nms1d import nms_1d, segment_iou_matrix
from .nms2d import batched_nms_2d, box_area, box_iou_matrix, nms_2d
from .roi_ops2d import RoIAlign, RoIPool, roi_align, roi_pool
from .temporal_roi_pool import TemporalRoIPool

__all__ = [
    'DeltaXYWHBoxCoder', 'RoIAlign', 'RoIPool', 'TemporalRoIPool',
    'batched_nms_2d', 'box_area', 'box_iou_matrix', 'clip_boxes',
    'decode_boxes', 'encode_boxes', 'nms_1d', 'nms_2d', 'roi_align',
    'roi_pool', 'segment_iou_matrix'
]
