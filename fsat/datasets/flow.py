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
"""
import glob
import json
import multiprocessing
import os
import os.path as osp
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

FLOW_METHODS = ('tvl1', 'farneback')
DEFAULT_BOUND = 20.0
DEFAULT_JPEG_QUALITY = 95
# ``filename_tmpl`` of mmaction2's RawFrameDecode for flow is '{}_{:05d}.jpg'
# with the modality prefix 'flow_x' / 'flow_y'.
FLOW_TMPL = 'flow_{}_{:05d}.jpg'
MARKER_NAME = '.flow_done.json'
VIDEO_EXTS = ('avi', 'mp4', 'mkv', 'webm', 'mov', 'm4v', 'mpg', 'mpeg')
LIST_EXTS = ('txt', 'lst', 'list')
_TMP_TAG = '.tmp.'

# OpenCV's own defaults, which mmaction2's flow_extraction.py and denseflow
# use as well. The keys are our names; values go through the setters.
TVL1_DEFAULTS: Dict[str, float] = dict(
    tau=0.25,  # time step of the numerical scheme
    lambda_=0.15,  # data-term weight: smaller gives smoother flow
    theta=0.3,  # coupling between the two sub-problems
    nscales=5,  # pyramid levels; more levels catch larger motion
    warps=5,  # warpings per level
    epsilon=0.01,  # stopping threshold
    inner_iterations=30,
    outer_iterations=10,
    scale_step=0.8,  # pyramid down-scaling factor
    gamma=0.0,  # weight of the illumination-change term
    median_filtering=5,  # median filter size between iterations
)
_TVL1_SETTERS = dict(
    tau='setTau',
    lambda_='setLambda',
    theta='setTheta',
    nscales='setScalesNumber',
    warps='setWarpingsNumber',
    epsilon='setEpsilon',
    inner_iterations='setInnerIterations',
    outer_iterations='setOuterIterations',
    scale_step='setScaleStep',
    gamma='setGamma',
    median_filtering='setMedianFiltering',
)
# The values of OpenCV's Farneback sample (``samples/python/opt_flow.py``).
FARNEBACK_DEFAULTS: Dict[str, float] = dict(
    pyr_scale=0.5,  # pyramid down-scaling factor
    levels=3,  # pyramid levels; more levels catch larger motion
    winsize=15,  # averaging window: larger is smoother and more robust
    iterations=3,  # iterations per level
    poly_n=5,  # neighbourhood of the polynomial expansion (5 or 7)
    poly_sigma=1.2,  # Gaussian sigma for poly_n=5 (1.5 for poly_n=7)
    flags=0,
)

FlowFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class FlowExtractionError(RuntimeError):
    """A video could not be turned into optical flow (bad or short input)."""


@dataclass
class FlowResult:
    """The outcome of the flow extraction of one video.

    Attributes:
        video (str): The input video path.
        name (str): The sample name (output sub-folder).
        out_dir (str): The output folder ``<out_root>/<name>``.
        status (str): ``'done'``, ``'skipped'`` (finished before) or
            ``'failed'``.
        num_frames (int): Frames decoded.
        num_pairs (int): Flow pairs written (``num_frames - 1``).
        seconds (float): Wall time spent on the video.
        message (str): The error of a failed video, or a warning.
    """
    video: str
    name: str
    out_dir: str
    status: str
    num_frames: int = 0
    num_pairs: int = 0
    seconds: float = 0.0
    message: str = ''


# --------------------------------------------------------------------------
# Quantisation
# --------------------------------------------------------------------------
def quantize_flow(flow: np.ndarray,
                  bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Quantise flow values to uint8 exactly as denseflow does.

    ``v > bound -> 255``, ``v < -bound -> 0``, otherwise
    ``round(255 * (v + bound) / (2 * bound))`` with round-half-to-even like
    OpenCV's ``cvRound``. Zero flow maps to 128. NaN is treated as 0.

    Args:
        flow (np.ndarray): Flow values of any shape, in pixels.
        bound (float): Symmetric clipping bound. Defaults to 20.

    Returns:
        np.ndarray: uint8 array of the same shape.
    """
    if bound <= 0:
        raise ValueError(f'bound must be positive, got {bound}')
    v = np.nan_to_num(np.asarray(flow, dtype=np.float64), nan=0.0)
    scaled = np.rint(255.0 * (np.clip(v, -bound, bound) + bound) /
                     (2.0 * bound))
    return scaled.astype(np.uint8)


def dequantize_flow(img: np.ndarray,
                    bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Map quantised flow back to pixels: ``p / 255 * 2 * bound - bound``.

    The result is within half a quantisation step (``bound / 255``) of the
    original value when that was inside ``[-bound, bound]`` (JPEG
    compression adds its own error on top).

    Args:
        img (np.ndarray): uint8 (or integer-valued) quantised flow.
        bound (float): The bound used for quantisation. Defaults to 20.

    Returns:
        np.ndarray: float32 flow of the same shape, in pixels.
    """
    img = np.asarray(img, dtype=np.float32)
    return img / 255.0 * (2.0 * bound) - bound


def flow_filenames(index: int) -> Tuple[str, str]:
    """The x and y file names of flow pair ``index``.

    Args:
        index (int): The pair number (1-based by default).

    Returns:
        tuple[str, str]: ``('flow_x_%05d.jpg', 'flow_y_%05d.jpg')``.
    """
    return FLOW_TMPL.format('x', index), FLOW_TMPL.format('y', index)


def read_flow(folder: str,
              index: int,
              bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Read one flow pair written by :func:`extract_video_flow`.

    Args:
        folder (str): The sample's flow folder ``<out_root>/<name>``.
        index (int): The pair number (1 = flow from frame 1 to frame 2).
        bound (float): The quantisation bound. Defaults to 20.

    Returns:
        np.ndarray: float32 flow of shape (H, W, 2) in pixels, ``[..., 0]``
        horizontal, ``[..., 1]`` vertical.
    """
    comps = []
    for fname in flow_filenames(index):
        path = osp.join(folder, fname)
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(f'cannot read flow image {path}')
        comps.append(dequantize_flow(img, bound))
    return np.stack(comps, axis=-1)


# --------------------------------------------------------------------------
# Frame reading
# --------------------------------------------------------------------------
def sample_name(video: str) -> str:
    """The sample name of a video: its stem without a trailing ``_rgb``.

    Args:
        video (str): A video path, e.g. ``.../S001C001P001R001A001_rgb.avi``.

    Returns:
        str: e.g. ``'S001C001P001R001A001'``.
    """
    stem = osp.splitext(osp.basename(video))[0]
    if stem.endswith('_rgb') and len(stem) > len('_rgb'):
        stem = stem[:-len('_rgb')]
    return stem


def target_size(width: int,
                height: int,
                short_side: Optional[int] = None,
                size: Optional[Tuple[int, int]] = None) -> Tuple[int, int]:
    """The frame size flow is computed at.

    Args:
        width (int): Original frame width.
        height (int): Original frame height.
        short_side (int, optional): Resize so that the shorter side has this
            length, keeping the aspect ratio (the longer side is rounded).
        size (tuple[int, int], optional): Resize to exactly (W, H).

    Returns:
        tuple[int, int]: (W, H). The original size when neither is given.
    """
    if short_side is not None and size is not None:
        raise ValueError('give at most one of short_side and size')
    if size is not None:
        w, h = (int(s) for s in size)
        if w <= 0 or h <= 0:
            raise ValueError(f'size must be positive, got {size}')
        return w, h
    if short_side is None:
        return width, height
    if short_side <= 0:
        raise ValueError(f'short_side must be positive, got {short_side}')
    scale = short_side / min(width, height)
    if width <= height:
        return int(short_side), max(1, int(round(height * scale)))
    return max(1, int(round(width * scale))), int(short_side)


def _to_gray(frame: np.ndarray, rgb: bool, short_side: Optional[int],
             size: Optional[Tuple[int, int]]) -> np.ndarray:
    """Convert one decoded frame to a resized grayscale uint8 image."""
    if frame.ndim == 3:
        code = cv2.COLOR_RGB2GRAY if rgb else cv2.COLOR_BGR2GRAY
        frame = cv2.cvtColor(frame, code)
    h, w = frame.shape[:2]
    new_w, new_h = target_size(w, h, short_side, size)
    if (new_w, new_h) != (w, h):
        shrink = new_w * new_h < w * h
        interp = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        frame = cv2.resize(frame, (new_w, new_h), interpolation=interp)
    return frame


def _iter_cv2(video: str, max_frames: Optional[int],
              info: dict) -> Iterator[np.ndarray]:
    """Yield BGR frames decoded by ``cv2.VideoCapture``."""
    cap = cv2.VideoCapture(video)
    try:
        if not cap.isOpened():
            info['cv2_error'] = 'OpenCV could not open it'
            return
        info['reported_frames'] = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        count = 0
        while max_frames is None or count < max_frames:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            count += 1
            yield frame
        if count == 0:
            info['cv2_error'] = 'OpenCV opened it but decoded no frame'
    finally:
        cap.release()


def _iter_decord(video: str, max_frames: Optional[int],
                 info: dict) -> Iterator[np.ndarray]:
    """Yield RGB frames decoded by decord (the fallback decoder)."""
    try:
        import decord
    except ImportError:
        info['decord_error'] = 'decord is not installed'
        return
    try:
        reader = decord.VideoReader(video)
    except Exception as e:  # decord raises its own DECORDError types
        info['decord_error'] = f'decord could not open it ({e})'
        return
    num = len(reader)
    info['reported_frames'] = num
    if max_frames is not None:
        num = min(num, max_frames)
    for i in range(num):
        try:
            frame = reader[i].asnumpy()
        except Exception as e:
            if i == 0:
                info['decord_error'] = f'decord decoded no frame ({e})'
            return
        yield frame


def iter_frames(video: str,
                short_side: Optional[int] = None,
                size: Optional[Tuple[int, int]] = None,
                max_frames: Optional[int] = None,
                info: Optional[dict] = None) -> Iterator[np.ndarray]:
    """Decode a video into resized grayscale frames, one at a time.

    ``cv2.VideoCapture`` (FFmpeg) decodes first; decord is the fallback when
    OpenCV cannot open the file or decodes no frame at all. Only two frames
    are held in memory by the flow extraction, so full-HD videos are fine.

    Args:
        video (str): The video path.
        short_side (int, optional): See :func:`target_size`.
        size (tuple[int, int], optional): See :func:`target_size`.
        max_frames (int, optional): Decode at most this many frames.
        info (dict, optional): Filled with ``'backend'``,
            ``'reported_frames'`` (the container's frame count, or -1) and
            the decoders' errors, for messages.

    Yields:
        np.ndarray: uint8 grayscale frames of shape (H, W).
    """
    info = {} if info is None else info
    info.setdefault('reported_frames', -1)
    _check_file(video)
    for backend, reader in (('cv2', _iter_cv2), ('decord', _iter_decord)):
        info['backend'] = backend
        got_frame = False
        for frame in reader(video, max_frames, info):
            got_frame = True
            yield _to_gray(frame, backend == 'decord', short_side, size)
        if got_frame:
            return
    reasons = '; '.join(info[k] for k in ('cv2_error', 'decord_error')
                        if k in info)
    raise FlowExtractionError(f'{video}: cannot decode the video: {reasons}')


def read_frames(video: str,
                short_side: Optional[int] = None,
                size: Optional[Tuple[int, int]] = None,
                max_frames: Optional[int] = None) -> List[np.ndarray]:
    """Decode a whole video into resized grayscale frames.

    Args:
        video (str): The video path.
        short_side (int, optional): See :func:`target_size`.
        size (tuple[int, int], optional): See :func:`target_size`.
        max_frames (int, optional): Decode at most this many frames.

    Returns:
        list[np.ndarray]: uint8 grayscale frames of shape (H, W).
    """
    return list(iter_frames(video, short_side, size, max_frames))


def _check_file(video: str) -> None:
    """Raise a clear error for a missing or empty video file."""
    if not osp.exists(video):
        raise FlowExtractionError(f'{video}: file not found')
    if not osp.isfile(video):
        raise FlowExtractionError(f'{video}: not a regular file')
    if osp.getsize(video) == 0:
        raise FlowExtractionError(f'{video}: file is empty (0 bytes)')


# --------------------------------------------------------------------------
# Flow computation
# --------------------------------------------------------------------------
def _merge_params(method: str, params: Optional[dict]) -> dict:
    """Check the method and fill its parameters with the defaults."""
    if method not in FLOW_METHODS:
        raise ValueError(
            f'unknown flow method {method!r}, expected one of {FLOW_METHODS}')
    defaults = TVL1_DEFAULTS if method == 'tvl1' else FARNEBACK_DEFAULTS
    params = dict(params or {})
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f'unknown {method} parameters {unknown}, '
                         f'expected some of {sorted(defaults)}')
    return {**defaults, **params}


def create_flow_fn(method: str = 'tvl1',
                   params: Optional[dict] = None) -> FlowFn:
    """Build a function ``(prev, next) -> flow`` for grayscale frames.

    Args:
        method (str): ``'tvl1'`` (``cv2.optflow.DualTVL1OpticalFlow``,
            needs opencv-contrib) or ``'farneback'``
            (``cv2.calcOpticalFlowFarneback``). Defaults to ``'tvl1'``.
        params (dict, optional): Overrides of :data:`TVL1_DEFAULTS` or
            :data:`FARNEBACK_DEFAULTS`.

    Returns:
        Callable: Maps two uint8 (H, W) frames to float32 flow (H, W, 2)
        such that ``prev[y, x] ~ next[y + fy, x + fx]``, i.e. content that
        moves right has positive x flow.
    """
    params = _merge_params(method, params)
    if method == 'farneback':
        def farneback(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
            return cv2.calcOpticalFlowFarneback(prev, nxt, None, **params)

        return farneback
    if not hasattr(cv2, 'optflow'):
        raise ImportError('TV-L1 flow needs cv2.optflow; install '
                          'opencv-contrib-python(-headless)')
    tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
    for key, value in params.items():
        getattr(tvl1, _TVL1_SETTERS[key])(value)

    def tvl1_flow(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        return tvl1.calc(prev, nxt, None)

    return tvl1_flow


def compute_flow(prev: np.ndarray,
                 nxt: np.ndarray,
                 method: str = 'tvl1',
                 params: Optional[dict] = None) -> np.ndarray:
    """Optical flow between two grayscale frames (one-off convenience).

    Args:
        prev (np.ndarray): uint8 (H, W) frame t.
        nxt (np.ndarray): uint8 (H, W) frame t+1.
        method (str): ``'tvl1'`` or ``'farneback'``. Defaults to ``'tvl1'``.
        params (dict, optional): Method parameter overrides.

    Returns:
        np.ndarray: float32 flow (H, W, 2) in pixels.
    """
    return create_flow_fn(method, params)(prev, nxt)


# --------------------------------------------------------------------------
# One video
# --------------------------------------------------------------------------
def is_complete(out_dir: str) -> bool:
    """Whether ``out_dir`` holds a finished extraction (has the marker).

    Args:
        out_dir (str): A sample's flow folder.

    Returns:
        bool: True when the completion marker exists.
    """
    return osp.isfile(osp.join(out_dir, MARKER_NAME))


def _write_jpeg(path: str, img: np.ndarray, quality: int) -> None:
    """Write a grayscale JPEG (via imencode, so any path encoding works)."""
    ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise FlowExtractionError(f'JPEG encoding failed for {path}')
    buf.tofile(path)


def _remove(path: str) -> None:
    """Remove a file or a folder tree if it exists."""
    if osp.isdir(path) and not osp.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif osp.lexists(path):
        os.remove(path)


def _remove_stale_tmp(out_root: str, name: str) -> None:
    """Remove temporary folders left by a killed run for ``name``."""
    pattern = osp.join(glob.escape(out_root),
                       glob.escape(f'.{name}{_TMP_TAG}') + '*')
    for path in glob.glob(pattern):
        _remove(path)


def _move_into_place(tmp_dir: str, out_dir: str) -> None:
    """Rename the finished temporary folder to ``out_dir``.

    An existing ``out_dir`` (finished or partial) is first renamed aside and
    deleted afterwards, so the target is never half-written.
    """
    if osp.lexists(out_dir):
        parent, name = osp.split(out_dir)
        trash = tempfile.mkdtemp(prefix=f'.{name}{_TMP_TAG}old-', dir=parent)
        os.rmdir(trash)  # only the unique name is needed
        os.rename(out_dir, trash)
        os.rename(tmp_dir, out_dir)
        _remove(trash)
    else:
        os.rename(tmp_dir, out_dir)


def _write_flows(frames: Iterator[np.ndarray], flow_fn: FlowFn,
                 tmp_dir: str, bound: float, start_index: int,
                 jpeg_quality: int) -> int:
    """Compute and write the flow of consecutive frames; return the count."""
    prev = next(frames, None)
    num = 0
    for frame in frames:
        flow = flow_fn(prev, frame)
        names = flow_filenames(start_index + num)
        for comp, fname in enumerate(names):
            img = quantize_flow(flow[..., comp], bound)
            _write_jpeg(osp.join(tmp_dir, fname), img, jpeg_quality)
        prev = frame
        num += 1
    return num


def extract_video_flow(video: str,
                       out_root: str,
                       method: str = 'tvl1',
                       bound: float = DEFAULT_BOUND,
                       short_side: Optional[int] = None,
                       size: Optional[Tuple[int, int]] = None,
                       max_frames: Optional[int] = None,
                       jpeg_quality: int = DEFAULT_JPEG_QUALITY,
                       start_index: int = 1,
                       skip_existing: bool = False,
                       params: Optional[dict] = None,
                       name: Optional[str] = None) -> FlowResult:
    """Extract the optical flow of one video into ``<out_root>/<name>``.

    Frames go to a hidden temporary folder ``<out_root>/.<name>.tmp.*`` that
    is renamed to ``<out_root>/<name>`` only when every pair and the
    completion marker are written; on any error it is deleted, so no partial
    output is left. An existing ``<out_root>/<name>`` without the marker is
    replaced; one with the marker is replaced too unless ``skip_existing``.

    Args:
        video (str): The video path.
        out_root (str): The output root folder (created if needed).
        method (str): ``'tvl1'`` or ``'farneback'``. Defaults to ``'tvl1'``.
        bound (float): Quantisation bound in pixels. Defaults to 20.
        short_side (int, optional): Resize so the short side has this
            length before computing flow.
        size (tuple[int, int], optional): Resize to exactly (W, H) instead.
        max_frames (int, optional): Use only the first frames of the video.
        jpeg_quality (int): JPEG quality 0-100. Defaults to 95.
        start_index (int): Number of the first pair. Defaults to 1
            (denseflow uses 0).
        skip_existing (bool): Skip a video whose folder has the marker.
            Defaults to False.
        params (dict, optional): Flow method parameter overrides.
        name (str, optional): Output sub-folder; defaults to
            :func:`sample_name` of the video.

    Returns:
        FlowResult: ``status`` is ``'done'`` or ``'skipped'``; ``message``
        holds a warning when fewer frames were decoded than the container
        reports (a truncated file).

    Raises:
        FlowExtractionError: The video is missing, empty, undecodable or
            shorter than 2 frames. The message names the file.
    """
    start = time.perf_counter()
    name = sample_name(video) if name is None else name
    out_dir = osp.join(out_root, name)
    result = FlowResult(video=video, name=name, out_dir=out_dir,
                        status='skipped')
    if skip_existing and is_complete(out_dir):
        return result
    if not 0 <= jpeg_quality <= 100:
        raise ValueError(f'jpeg_quality must be in 0..100: {jpeg_quality}')
    if bound <= 0:
        raise ValueError(f'bound must be positive, got {bound}')
    flow_fn = create_flow_fn(method, params)
    os.makedirs(out_root, exist_ok=True)
    _remove_stale_tmp(out_root, name)
    tmp_dir = tempfile.mkdtemp(prefix=f'.{name}{_TMP_TAG}', dir=out_root)
    try:
        info: dict = {}
        frames = iter_frames(video, short_side, size, max_frames, info)
        num_pairs = _write_flows(frames, flow_fn, tmp_dir, bound,
                                 start_index, jpeg_quality)
        if num_pairs == 0:
            raise FlowExtractionError(
                f'{video}: only 1 frame decoded; optical flow needs at '
                'least 2 frames')
        result.num_frames, result.num_pairs = num_pairs + 1, num_pairs
        result.message = _truncation_warning(video, result.num_frames,
                                             info, max_frames)
        _write_marker(tmp_dir, result, info, method, params, bound,
                      short_side, size, jpeg_quality, start_index)
        _move_into_place(tmp_dir, out_dir)
    except BaseException:
        _remove(tmp_dir)
        raise
    result.status = 'done'
    result.seconds = time.perf_counter() - start
    return result


def _truncation_warning(video: str, num_frames: int, info: dict,
                        max_frames: Optional[int]) -> str:
    """A warning when fewer frames decoded than the container reports."""
    expected = info.get('reported_frames', -1)
    if max_frames is not None and expected > 0:
        expected = min(expected, max_frames)
    if expected > num_frames:
        return (f'{video}: decoded {num_frames} frames but the container '
                f'reports {expected}; the file may be truncated')
    return ''


def _write_marker(folder: str, result: FlowResult, info: dict, method: str,
                  params: Optional[dict], bound: float,
                  short_side: Optional[int], size: Optional[Tuple[int, int]],
                  jpeg_quality: int, start_index: int) -> None:
    """Write the completion marker, a JSON record of the settings."""
    record = dict(
        video=osp.abspath(result.video),
        name=result.name,
        num_frames=result.num_frames,
        num_pairs=result.num_pairs,
        reported_frames=info.get('reported_frames', -1),
        decoder=info.get('backend'),
        method=method,
        params=_merge_params(method, params),
        bound=bound,
        short_side=short_side,
        size=list(size) if size is not None else None,
        jpeg_quality=jpeg_quality,
        start_index=start_index,
        filename_tmpl=FLOW_TMPL,
        warning=result.message,
    )
    with open(osp.join(folder, MARKER_NAME), 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=2)


# --------------------------------------------------------------------------
# Many videos
# --------------------------------------------------------------------------
def _has_ext(path: str, exts: Sequence[str]) -> bool:
    """Whether ``path`` ends with one of ``exts`` (case-insensitive)."""
    suffix = osp.splitext(path)[1].lower().lstrip('.')
    return suffix in {e.lower().lstrip('.') for e in exts}


def _read_list(list_file: str) -> List[str]:
    """Read a video list: one path a line, ``#`` comments, blank lines."""
    root = osp.dirname(osp.abspath(list_file))
    videos = []
    with open(list_file, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                videos.append(osp.join(root, line))
    return videos


def collect_videos(source: str,
                   exts: Sequence[str] = VIDEO_EXTS,
                   pattern: Optional[str] = None,
                   recursive: bool = False) -> List[str]:
    """List the videos to process.

    Args:
        source (str): A video file; a folder to scan; or a text list
            (``.txt``, ``.lst``, ``.list``) with one video a line, relative
            paths taken from the list's folder, ``#`` comments allowed.
        exts (Sequence[str]): Extensions of the videos in a folder
            (case-insensitive). Defaults to :data:`VIDEO_EXTS`.
        pattern (str, optional): A glob relative to the folder (``**``
            matches sub-folders), e.g. ``'**/*_rgb.avi'``; replaces ``exts``
            and ``recursive``.
        recursive (bool): Scan sub-folders for ``exts`` too.
            Defaults to False.

    Returns:
        list[str]: Sorted video paths (a list keeps its order). A single
        file is returned as is, even if it does not exist, so that it is
        reported as a failure.
    """
    if osp.isdir(source):
        if pattern is None:
            pattern = osp.join('**', '*') if recursive else '*'
            paths = glob.glob(osp.join(glob.escape(source), pattern),
                              recursive=recursive)
            paths = [p for p in paths if _has_ext(p, exts)]
        else:
            paths = glob.glob(osp.join(glob.escape(source), pattern),
                              recursive=True)
        return sorted(p for p in paths if osp.isfile(p))
    if _has_ext(source, LIST_EXTS):
        return _read_list(source)
    return [source]


def _check_unique_names(videos: Sequence[str]) -> None:
    """Fail early when two videos would write the same output folder."""
    seen: Dict[str, str] = {}
    clashes = []
    for video in videos:
        name = sample_name(video)
        if name in seen and seen[name] != video:
            clashes.append(f'{seen[name]} and {video} -> {name}')
        seen.setdefault(name, video)
    if clashes:
        raise ValueError('videos with the same sample name would overwrite '
                         'each other: ' + '; '.join(clashes))


def _extract_safe(task: Tuple[str, str, dict]) -> FlowResult:
    """Run :func:`extract_video_flow`; turn an exception into a failure."""
    video, out_root, kwargs = task
    start = time.perf_counter()
    try:
        return extract_video_flow(video, out_root, **kwargs)
    except Exception as e:
        name = sample_name(video)
        msg = str(e) if isinstance(e, FlowExtractionError) else (
            f'{video}: {type(e).__name__}: {e}')
        return FlowResult(video=video, name=name,
                          out_dir=osp.join(out_root, name), status='failed',
                          seconds=time.perf_counter() - start, message=msg)


def _init_worker(cv_threads: Optional[int]) -> None:
    """Limit OpenCV's threads in a worker process."""
    if cv_threads is not None:
        cv2.setNumThreads(cv_threads)


def extract_many(videos: Sequence[str],
                 out_root: str,
                 workers: int = 1,
                 progress: bool = True,
                 cv_threads: Optional[int] = None,
                 **kwargs) -> List[FlowResult]:
    """Extract the flow of many videos, in parallel processes if asked.

    A failing video is reported at once (on stderr) and counted; the others
    are still processed.

    Args:
        videos (Sequence[str]): Video paths; their sample names must be
            unique.
        out_root (str): The output root folder.
        workers (int): Worker processes (``spawn`` start method); 1 runs in
            this process. Defaults to 1.
        progress (bool): Show a tqdm progress bar. Defaults to True.
        cv_threads (int, optional): ``cv2.setNumThreads`` for the work;
            defaults to 1 when ``workers > 1`` (no over-subscription) and
            to OpenCV's default otherwise.
        **kwargs: Options of :func:`extract_video_flow` (``method``,
            ``bound``, ``short_side``, ``skip_existing``, ...).

    Returns:
        list[FlowResult]: One result per video, in completion order.
    """
    from tqdm import tqdm

    _check_unique_names(videos)
    tasks = [(video, out_root, kwargs) for video in videos]
    if cv_threads is None and workers > 1:
        cv_threads = 1
    results = []
    with tqdm(total=len(tasks), unit='video', disable=not progress,
              file=sys.stderr) as pbar:
        for result in _run_tasks(tasks, workers, cv_threads):
            if result.message:
                kind = 'failed' if result.status == 'failed' else 'warning'
                tqdm.write(f'[{kind}] {result.message}', file=sys.stderr)
            results.append(result)
            pbar.update()
    return results


def _run_tasks(tasks: List[Tuple[str, str, dict]], workers: int,
               cv_threads: Optional[int]) -> Iterator[FlowResult]:
    """Yield the results of the tasks, in this process or in a pool."""
    if workers <= 1 or len(tasks) <= 1:
        old_threads = cv2.getNumThreads()
        _init_worker(cv_threads)
        try:
            for task in tasks:
                yield _extract_safe(task)
        finally:
            cv2.setNumThreads(old_threads)
        return
    ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(workers, initializer=_init_worker,
                  initargs=(cv_threads, )) as pool:
        yield from pool.imap_unordered(_extract_safe, tasks)


def summarize(results: Sequence[FlowResult],
              wall_seconds: Optional[float] = None) -> str:
    """A short report: counts, pairs, speed, and every failure.

    Args:
        results (Sequence[FlowResult]): The results of :func:`extract_many`.
        wall_seconds (float, optional): Elapsed time of the whole run; the
            speed is computed from it when given, otherwise from the summed
            per-video times.

    Returns:
        str: A multi-line summary.
    """
    counts = {s: sum(r.status == s for r in results)
              for s in ('done', 'skipped', 'failed')}
    warned = sum(bool(r.message) and r.status != 'failed' for r in results)
    pairs = sum(r.num_pairs for r in results)
    seconds = wall_seconds if wall_seconds is not None else sum(
        r.seconds for r in results)
    speed = f' ({pairs / seconds:.1f} pairs/s)' if seconds > 0 else ''
    lines = [f'{len(results)} videos: {counts["done"]} done, '
             f'{counts["skipped"]} skipped, {counts["failed"]} failed, '
             f'{warned} with warnings; {pairs} flow pairs in '
             f'{seconds:.1f} s{speed}']
    lines += [f'  {"failed" if r.status == "failed" else "warning"}: '
              f'{r.message}' for r in results if r.message]
    return '\n'.join(lines)

