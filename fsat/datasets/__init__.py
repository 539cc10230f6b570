# Copyright (c) fsat contributors. All rights reserved.
"""Datasets: annotation builders of the real datasets, the paired multimodal
dataset, transforms and the embedded synthetic world.

Layout: one subpackage per dataset family (:mod:`.ntu`), one package or
module per modality or file format shared by datasets (:mod:`.flow`,
:mod:`.video`), the datasets that turn them into samples
(:mod:`.paired`, :mod:`.pku_detection`, :mod:`.pose_pkl_dataset`), and
per-modality transforms (:mod:`.transforms`).
"""
from . import transforms  # noqa: F401 (registers the transforms)
from .collate import shared_collate
from .paired import PairedModalityDataset
from .pku_detection import PKUMMDDetectionDataset
from .pose_pkl_dataset import PosePklDataset
from .prepare import prepare_synthetic_world
from .subsets import (
    fraction_of_videos,
    holdout_groups,
    k_per_class,
    load_labeled_ids,
    save_labeled_ids,
)

__all__ = [
    'PKUMMDDetectionDataset', 'PairedModalityDataset', 'PosePklDataset',
    'fraction_of_videos', 'holdout_groups', 'k_per_class',
    'load_labeled_ids', 'prepare_synthetic_world', 'save_labeled_ids',
    'shared_collate'
]
# Toyota Smarthome: annotations, LCR-Net reader, graph layouts, transforms
from . import smarthome  # noqa: E402 (registers the graph layouts)
from .smarthome.dataset import SmarthomeDataset  # noqa: E402
from .transforms import person_crop as _person_crop  # noqa: E402,F401
from .transforms import smarthome as _smarthome_transforms  # noqa: E402,F401

__all__ += ['SmarthomeDataset', 'smarthome']
from . import jhmdb  # noqa: E402

__all__ += ['jhmdb']
# hha registers the DepthToHHA transform
from . import hha, nyud2  # noqa: E402

__all__ += ['hha', 'nyud2']
# NYUD2 2-D detection (registers NYUD2DetectionDataset)
from .nyud2_detection import NYUD2DetectionDataset  # noqa: E402

__all__ += ['NYUD2DetectionDataset']
# JHMDB frame-level action detection (registers the dataset)
from .jhmdb_detection import JHMDBFrameDetectionDataset  # noqa: E402

__all__ += ['JHMDBFrameDetectionDataset']
# Unlabelled RGB/flow frame pairs of videos (supervision transfer to flow)
from .video_frame_pairs import VideoFramePairsDataset  # noqa: E402

__all__ += ['VideoFramePairsDataset']
# unlabelled paired image folders (supervision transfer)
from .paired_images import PairedImageFolderDataset  # noqa: E402

__all__ += ['PairedImageFolderDataset']
