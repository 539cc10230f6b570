# Copyright (c) fsat contributors. All rights reserved.
"""NTU RGB+D 60 and NTU RGB+D 120: names, benchmarks, annotations, skeletons.

Everything here works on the datasets' real on-disk formats (``docs/
datasets.md``). One module per concept; every public name is importable
from ``fsat.datasets.ntu`` as before the split:

* :mod:`.classes`: the action names of A001..A120;
* :mod:`.names`: sample names ``SsssCcccPpppRrrrAaaa``
  (:func:`parse_ntu_name`);
* :mod:`.benchmarks`: the official benchmarks as split rules
  (:func:`get_ntu_benchmark`) and the shipped lists of samples with missing
  skeletons (:func:`load_missing_skeletons`);
* :mod:`.annotations`: the annotation builder over the real folder layout
  (:func:`build_ntu_annotations`);
* :mod:`.skeleton_io`: the ``.skeleton`` text reader and its body selection
  (:func:`read_skeleton`);
* :mod:`.pose_pkl`: mmaction2's skeleton annotation pickle
  (:func:`export_pose_pkl`, :func:`load_pose_pkl`; training from such a
  pickle: :class:`fsat.datasets.PosePklDataset`).

Split names are ``'train'`` and ``'val'``; ``'val'`` is the official *test*
set of each benchmark, named as mmaction2 names it (``xsub_val``).
"""
from .annotations import NTU_LAYOUT, build_ntu_annotations, scan_ntu_root
from .benchmarks import (
    DATA_DIR,
    MISSING_SKELETON_FILES,
    NTU60_ACTIONS,
    NTU60_PERFORMERS,
    NTU60_SETUPS,
    NTU60_XSUB_TRAIN_PERFORMERS,
    NTU60_XVIEW_TRAIN_CAMERAS,
    NTU120_ACTIONS,
    NTU120_MINUS_60_ACTIONS,
    NTU120_PERFORMERS,
    NTU120_SETUPS,
    NTU120_XSET_TRAIN_SETUPS,
    NTU120_XSUB_TRAIN_PERFORMERS,
    NTU_BENCHMARKS,
    NTU_CAMERAS,
    NTU_REPLICATIONS,
    NtuBenchmark,
    get_ntu_benchmark,
    is_train_sample,
    load_missing_skeletons,
    read_missing_skeleton_list,
)
from .classes import NTU60_CLASSES, NTU120_CLASSES, NTU120_MINUS_60_CLASSES
from .names import NtuName, parse_ntu_name
from .pose_pkl import export_pose_pkl, load_pose_pkl
from .skeleton_io import (
    NUM_JOINTS,
    SKELETON_BODY_FIELDS,
    SKELETON_JOINT_FIELDS,
    NtuSkeleton,
    parse_skeleton_file,
    read_skeleton,
    zero_nonfinite,
)

__all__ = [
    'NTU60_CLASSES', 'NTU120_CLASSES', 'NTU120_MINUS_60_CLASSES', 'NtuName',
    'parse_ntu_name', 'NTU_BENCHMARKS', 'NtuBenchmark', 'get_ntu_benchmark',
    'is_train_sample', 'read_missing_skeleton_list', 'load_missing_skeletons',
    'NTU_LAYOUT', 'scan_ntu_root', 'build_ntu_annotations', 'NtuSkeleton',
    'parse_skeleton_file', 'read_skeleton', 'zero_nonfinite',
    'export_pose_pkl', 'load_pose_pkl', 'DATA_DIR', 'MISSING_SKELETON_FILES',
    'NTU_CAMERAS', 'NTU_REPLICATIONS', 'NTU60_SETUPS', 'NTU120_SETUPS',
    'NTU60_PERFORMERS', 'NTU120_PERFORMERS', 'NTU60_ACTIONS',
    'NTU120_ACTIONS', 'NTU120_MINUS_60_ACTIONS', 'NTU60_XSUB_TRAIN_PERFORMERS',
    'NTU60_XVIEW_TRAIN_CAMERAS', 'NTU120_XSUB_TRAIN_PERFORMERS',
    'NTU120_XSET_TRAIN_SETUPS', 'NUM_JOINTS', 'SKELETON_BODY_FIELDS',
    'SKELETON_JOINT_FIELDS'
]
