# Copyright (c) fsat contributors. All rights reserved.
"""Toyota Smarthome (trimmed): classes, names, protocols, LCR-Net skeletons.

Everything works on the dataset's real on-disk formats (``docs/
datasets.md``, section Toyota Smarthome):

* :mod:`.classes`: the 31-class table and the 19-class cross-view subset
  (:data:`SMARTHOME_CLASSES`, :data:`SMARTHOME_CV_CLASSES`);
* :mod:`.names`: sample names ``<Activity>_p<SS>_r<RR>_v<VV>_c<CC>``
  (:func:`parse_smarthome_name`);
* :mod:`.protocols`: the CS, CV1 and CV2 protocols and the annotation
  builder over ``mp4/`` and ``skeletonv12/``
  (:func:`build_smarthome_annotations`);
* :mod:`.skeleton_io`: the LCR-Net JSON reader (:func:`read_lcrnet_json`);
* :mod:`.joints`: the 13-joint LCR-Net and 15-joint 2s-AGCN layouts and
  their graphs (registered as ``'smarthome13'``, ``'smarthome15'``).

The dataset itself is :class:`fsat.datasets.SmarthomeDataset` (a
:class:`~fsat.datasets.PairedModalityDataset` with the ``smarthome=``
annotation source); its transforms are ``LoadLCRNetSkeleton`` and
``LCRNetTo15Joints`` (:mod:`fsat.datasets.transforms.smarthome`).
"""
from .classes import (
    SMARTHOME_CLASSES,
    SMARTHOME_CV_CLASSES,
    smarthome_classes,
    smarthome_label,
)
from .joints import (
    LCRNET_JOINTS,
    LCRNET_NUM_JOINTS,
    SMARTHOME13_INWARD,
    SMARTHOME15_CENTER,
    SMARTHOME15_FROM_LCRNET,
    SMARTHOME15_INWARD,
    SMARTHOME15_JOINTS,
    SMARTHOME15_MID_HIP,
    SMARTHOME_GRAPH_LAYOUTS,
)
from .names import (
    SMARTHOME_SUFFIXES,
    SmarthomeName,
    parse_smarthome_name,
    smarthome_name_of,
)
from .protocols import (
    SMARTHOME_CS_TRAIN_SUBJECTS,
    SMARTHOME_LAYOUT,
    SMARTHOME_PROTOCOLS,
    SMARTHOME_SPLITS,
    SmarthomeProtocol,
    build_smarthome_annotations,
    get_smarthome_protocol,
    scan_smarthome_root,
    smarthome_path,
)
from .skeleton_io import LCRNetSkeleton, count_lcrnet_frames, read_lcrnet_json

__all__ = [
    'LCRNET_JOINTS', 'LCRNET_NUM_JOINTS', 'LCRNetSkeleton',
    'SMARTHOME13_INWARD', 'SMARTHOME15_CENTER', 'SMARTHOME15_FROM_LCRNET',
    'SMARTHOME15_INWARD', 'SMARTHOME15_JOINTS', 'SMARTHOME15_MID_HIP',
    'SMARTHOME_CLASSES', 'SMARTHOME_CS_TRAIN_SUBJECTS',
    'SMARTHOME_CV_CLASSES', 'SMARTHOME_GRAPH_LAYOUTS', 'SMARTHOME_LAYOUT',
    'SMARTHOME_PROTOCOLS', 'SMARTHOME_SPLITS', 'SMARTHOME_SUFFIXES',
    'SmarthomeName', 'SmarthomeProtocol', 'build_smarthome_annotations',
    'count_lcrnet_frames', 'get_smarthome_protocol', 'parse_smarthome_name',
    'read_lcrnet_json', 'scan_smarthome_root', 'smarthome_classes',
    'smarthome_label', 'smarthome_name_of', 'smarthome_path'
]
