# Copyright (c) fsat contributors. All rights reserved.
"""JHMDB: classes, joint and puppet-mask readers, splits, layout, boxes.

Everything works on the dataset's real on-disk formats (``docs/
datasets.md``, section JHMDB):

* :mod:`.classes`: the 21 classes and the 320 x 240 frame size
  (:data:`JHMDB_CLASSES`);
* :mod:`.mat_io`: ``joint_positions.mat`` (:func:`read_joint_positions`),
  ``puppet_mask.mat`` (:func:`read_puppet_mask`) and the clamping of short
  masks (:func:`mask_for_frames`);
* :mod:`.splits`: the 3 official splits and the full-body sub-splits
  (:func:`read_split_file`, :func:`load_jhmdb_split`);
* :mod:`.layout`: the folder scanner (:func:`scan_jhmdb`);
* :mod:`.boxes`: per-frame person boxes and the frame-level action
  detection ground truth (:func:`video_ground_truth`).
"""
from .boxes import (
    JhmdbGroundTruth,
    boxes_from_joints,
    boxes_from_mask,
    detection_ground_truth,
    video_ground_truth,
)
from .classes import (
    JHMDB_CLASSES,
    JHMDB_FRAME_HEIGHT,
    JHMDB_FRAME_SIZE,
    JHMDB_FRAME_WIDTH,
    jhmdb_label,
)
from .layout import (
    JHMDB_FRAME_DIRS,
    JHMDB_LAYOUT,
    JhmdbVideo,
    jhmdb_source_video,
    scan_jhmdb,
)
from .mat_io import (
    JHMDB_JOINTS,
    JHMDB_NUM_JOINTS,
    JHMDB_VIEWPOINTS,
    FrameAlignment,
    JhmdbJoints,
    check_mat_file,
    mask_for_frames,
    pos_world_from_img,
    read_joint_positions,
    read_puppet_mask,
)
from .splits import (
    JHMDB_NUM_SPLITS,
    JHMDB_SUBSETS,
    jhmdb_split_path,
    load_jhmdb_split,
    read_split_file,
)

__all__ = [
    'FrameAlignment', 'JHMDB_CLASSES', 'JHMDB_FRAME_DIRS',
    'JHMDB_FRAME_HEIGHT', 'JHMDB_FRAME_SIZE', 'JHMDB_FRAME_WIDTH',
    'JHMDB_JOINTS', 'JHMDB_LAYOUT', 'JHMDB_NUM_JOINTS', 'JHMDB_NUM_SPLITS',
    'JHMDB_SUBSETS', 'JHMDB_VIEWPOINTS', 'JhmdbGroundTruth', 'JhmdbJoints',
    'JhmdbVideo', 'boxes_from_joints', 'boxes_from_mask', 'check_mat_file',
    'detection_ground_truth', 'jhmdb_label', 'jhmdb_source_video',
    'jhmdb_split_path', 'load_jhmdb_split', 'mask_for_frames',
    'pos_world_from_img',
    'read_joint_positions', 'read_puppet_mask', 'read_split_file',
    'scan_jhmdb', 'video_ground_truth'
]
