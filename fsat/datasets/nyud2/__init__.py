# Copyright (c) fsat contributors. All rights reserved.
"""NYU Depth V2 (NYUD2): labeled-set reader, splits, detection boxes and
Gupta et al.'s cropped layout.

Everything works on the dataset's real on-disk formats
(docs/datasets.md, "NYUD2 and HHA"):

* :mod:`.labeled`: ``nyu_depth_v2_labeled.mat`` (MATLAB v7.3 = HDF5),
  read lazily one image at a time (:class:`NYUD2Labeled`,
  :func:`read_nyud2_labeled`); needs h5py;
* :mod:`.splits`: the official ``splits.mat`` (795 train / 654 test,
  :func:`read_nyud2_splits`) and Gupta's ``nyusplits.mat``-style sets
  (:func:`read_gupta_splits`), all as 0-based indices;
* :mod:`.detection`: the 19 detection classes of Gupta et al., the
  mapping from the 894 raw names and the boxes of the ``(label,
  instance)`` objects (:func:`boxes_from_instances`);
* :mod:`.gupta`: Gupta's ``img_%04d`` names, his 425x560 crop and a reader
  of one image's cropped RGB / depth / raw depth PNGs
  (:func:`read_gupta_rgbd`).

HHA encodings of these depths come from :mod:`fsat.datasets.hha`.
"""
from .detection import (
    NYUD2_DET_CLASSES,
    NYUD2_DET_RAW_NAMES,
    InstanceBoxes,
    boxes_from_instances,
    det_label_map,
)
from .gupta import (
    GUPTA_CROP_LEFT,
    GUPTA_CROP_SIZE,
    GUPTA_CROP_TOP,
    GUPTA_DIRS,
    GUPTA_NUMBER_OFFSET,
    gupta_crop,
    gupta_image_index,
    gupta_image_name,
    read_gupta_rgbd,
)
from .labeled import (
    NYUD2_IMAGE_SIZE,
    NYUD2_KEYS,
    NYUD2_NUM_IMAGES,
    NYUD2_NUM_NAMES,
    NYUD2Labeled,
    read_nyud2_labeled,
)
from .splits import NYUD2_SPLIT_KEYS, read_gupta_splits, read_nyud2_splits

__all__ = [
    'GUPTA_CROP_LEFT', 'GUPTA_CROP_SIZE', 'GUPTA_CROP_TOP', 'GUPTA_DIRS',
    'GUPTA_NUMBER_OFFSET', 'InstanceBoxes', 'NYUD2Labeled',
    'NYUD2_DET_CLASSES', 'NYUD2_DET_RAW_NAMES', 'NYUD2_IMAGE_SIZE',
    'NYUD2_KEYS', 'NYUD2_NUM_IMAGES', 'NYUD2_NUM_NAMES', 'NYUD2_SPLIT_KEYS',
    'boxes_from_instances', 'det_label_map', 'gupta_crop',
    'gupta_image_index', 'gupta_image_name', 'read_gupta_rgbd',
    'read_gupta_splits', 'read_nyud2_labeled', 'read_nyud2_splits'
]
