# Copyright (c) fsat contributors. All rights reserved.
"""Dense optical flow of videos, written in the denseflow/mmaction2 layout.

Real and synthetic videos go through the same functions (and through the
command-line tool ``tools/data/extract_flow.py``), so both modalities share
one convention. In short (details in ``docs/optical_flow.md``):

* Flow is computed on grayscale frame pairs ``(t, t+1)`` with OpenCV TV-L1
  (``cv2.optflow``, opencv-contrib) or Farneback, after an optional resize;
  it is measured in pixels of the resized frames. A T-frame video gives
  T-1 flow pairs.
* Each component is quantised like denseflow with ``bound`` 20 (the value
  mmaction2 passes to denseflow): ``v > B -> 255``, ``v < -B -> 0``, else
  ``round(255 * (v + B) / (2 * B))``, so zero flow is 128. mmaction2's
  ``tools/misc/flow_extraction.py`` truncates instead, giving 127.
* Files are ``<out>/<name>/flow_x_%05d.jpg`` and ``flow_y_%05d.jpg``,
  grayscale JPEG, numbered from 1 (``flow_x_00001.jpg`` is the flow from
  frame 1 to frame 2), like mmaction2 rawframes (``start_index=1``) and NTU
  depth maps. denseflow itself numbers from 0.
* ``<name>`` is the video file stem without a trailing ``_rgb``, so
  ``S001C001P001R001A001_rgb.avi`` gives ``S001C001P001R001A001``, the name
  of the NTU depth and skeleton samples.
* A video is written into a hidden temporary folder next to its target and
  renamed into place when complete, with a completion marker
  (:data:`MARKER_NAME`) inside; a folder without the marker is never treated
  as finished.

One module per concept; every public name imports from
``fsat.datasets.flow``: :mod:`.format` (quantisation, file names),
:mod:`.frames` (decoding), :mod:`.compute` (TV-L1 / Farneback),
:mod:`.extract` (one video) and :mod:`.batch` (many videos).
"""
from ..video import VIDEO_EXTS
from .batch import LIST_EXTS, collect_videos, extract_many, summarize
from .compute import (
    FARNEBACK_DEFAULTS,
    FLOW_METHODS,
    TVL1_DEFAULTS,
    FlowFn,
    compute_flow,
    create_flow_fn,
)
from .extract import FlowResult, extract_video_flow, is_complete
from .format import (
    DEFAULT_BOUND,
    DEFAULT_JPEG_QUALITY,
    FLOW_TMPL,
    MARKER_NAME,
    dequantize_flow,
    flow_filenames,
    quantize_flow,
    read_flow,
)
from .frames import (
    FlowExtractionError,
    iter_frames,
    read_frames,
    sample_name,
    target_size,
)

__all__ = [
    'DEFAULT_BOUND', 'DEFAULT_JPEG_QUALITY', 'FARNEBACK_DEFAULTS',
    'FLOW_METHODS', 'FLOW_TMPL', 'FlowExtractionError', 'FlowFn',
    'FlowResult', 'LIST_EXTS', 'MARKER_NAME', 'TVL1_DEFAULTS', 'VIDEO_EXTS',
    'collect_videos', 'compute_flow', 'create_flow_fn', 'dequantize_flow',
    'extract_many', 'extract_video_flow', 'flow_filenames', 'is_complete',
    'iter_frames', 'quantize_flow', 'read_flow', 'read_frames',
    'sample_name', 'summarize', 'target_size'
]
