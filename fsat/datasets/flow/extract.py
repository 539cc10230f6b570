# Copyright (c) fsat contributors. All rights reserved.
"""The optical flow of one video, written atomically into
``<out_root>/<name>`` (:func:`extract_video_flow`).

A video is written into a hidden temporary folder next to its target and
renamed into place when complete, with a completion marker
(:data:`~.format.MARKER_NAME`) inside; a folder without the marker is never
treated as finished.
"""
import glob
import json
import os
import os.path as osp
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from ..video import container_problem
from .compute import FlowFn, _merge_params, create_flow_fn
from .format import (
    DEFAULT_BOUND,
    DEFAULT_JPEG_QUALITY,
    FLOW_TMPL,
    MARKER_NAME,
    flow_filenames,
    quantize_flow,
)
from .frames import FlowExtractionError, iter_frames, sample_name

__all__ = ['FlowResult', 'is_complete', 'extract_video_flow']

_TMP_TAG = '.tmp.'


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
        holds a warning when the container is truncated (its structure is
        checked before decoding) or fewer frames were decoded than the
        container reports.

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
        # checked before decoding: a truncated file is still extracted, as
        # far as it decodes, and the warning says what is missing
        problem = (container_problem(video) if osp.isfile(video)
                   and osp.getsize(video) > 0 else None)
        num_pairs = _write_flows(frames, flow_fn, tmp_dir, bound,
                                 start_index, jpeg_quality)
        if num_pairs == 0:
            raise FlowExtractionError(
                f'{video}: only 1 frame decoded; optical flow needs at '
                'least 2 frames')
        result.num_frames, result.num_pairs = num_pairs + 1, num_pairs
        result.message = _truncation_warning(video, result.num_frames,
                                             info, max_frames, problem)
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
                        max_frames: Optional[int],
                        problem: Optional[str] = None) -> str:
    """A warning when the container structure is incomplete
    (:func:`~fsat.datasets.video.container_problem`) or fewer frames
    decoded than the container reports."""
    if problem:
        return f'{video}: {problem} (decoded {num_frames} frames from it)'
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
