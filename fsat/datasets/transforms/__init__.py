# Copyright (c) fsat contributors. All rights reserved.
"""Transforms of paired multimodal samples (registered in fsat's TRANSFORMS).

Sampling and packing of a paired sample: :class:`PairedSampleFrames`,
:class:`ModalityPipelines`, :class:`PackPairedInputs`. Packing of a
temporal-detection buffer: :class:`PackDetectionInputs`. 2-D detection
samples (images with boxes): :class:`Det2DResize`, :class:`Det2DRandomFlip`,
:class:`LoadProposalFile`, :class:`SlidingWindowProposals`,
:class:`PackDet2DInputs`. Per-modality loading
and encoding: :class:`LoadMaskedDepth`, :class:`ReplicateDepth`,
:class:`JetDepth`, :class:`SpeckleNoise`, :class:`LoadFlow`,
:class:`FlowAwareFlip`, :class:`LoadSkeleton`, :class:`FillSkeletonGaps`,
:class:`CenterSkeleton`, :class:`SkeletonDecode`; videos decoded once
into a disk cache: :class:`CachedVideoDecode`. Crops, resizing, formatting
and video decoding are mmaction2's.
"""
from .branches import ModalityPipelines, build_pipeline
from .depth import LoadMaskedDepth, depth_stats, read_depth_png
from .depth_encoding import JetDepth, ReplicateDepth
from .depth_noise import SpeckleNoise
from .detection import DETECTION_META_KEYS, PackDetectionInputs
from .detection2d import (
    DET2D_META_KEYS,
    Det2DRandomFlip,
    Det2DResize,
    LoadProposalFile,
    PackDet2DInputs,
    SlidingWindowProposals,
    sliding_window_boxes,
)
from .flip import FlowAwareFlip, PairedFlip, flip_flow
from .flow import LoadFlow
from .formatting import PackPairedInputs
from .rgbd_registration import NTURegistrationCrop
from .sampling import (
    SAMPLING_MODES,
    PairedSampleFrames,
    clip_slot,
    map_indices,
    num_clip_slots,
    sequence_indices,
)
from .skeleton import (
    CenterSkeleton,
    FillSkeletonGaps,
    LoadSkeleton,
    SkeletonDecode,
)
from .sources import SOURCE_DEFAULTS, count_frames
from .video_cache import CachedVideoDecode

__all__ = [
    'CachedVideoDecode', 'CenterSkeleton', 'DETECTION_META_KEYS',
    'FillSkeletonGaps',
    'FlowAwareFlip', 'PairedFlip', 'NTURegistrationCrop', 'JetDepth',
    'LoadFlow', 'LoadMaskedDepth',
    'LoadSkeleton', 'ModalityPipelines', 'PackDetectionInputs',
    'PackPairedInputs', 'PairedSampleFrames', 'ReplicateDepth',
    'SAMPLING_MODES', 'SOURCE_DEFAULTS', 'SkeletonDecode', 'SpeckleNoise',
    'build_pipeline',
    'clip_slot', 'count_frames', 'depth_stats', 'flip_flow', 'map_indices',
    'num_clip_slots', 'read_depth_png', 'sequence_indices',
    'DET2D_META_KEYS', 'Det2DRandomFlip', 'Det2DResize', 'LoadProposalFile',
    'PackDet2DInputs', 'SlidingWindowProposals', 'sliding_window_boxes'
]
