# Copyright (c) fsat contributors. All rights reserved.
"""Decoding a video into the resized grayscale frames flow is computed on.

``cv2.VideoCapture`` (FFmpeg) decodes first, decord is the fallback; only
two frames are held in memory at a time by the extraction.
"""
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import cv2
import numpy as np

from ..video import VideoFileError, check_video_file

__all__ = [
    'FlowExtractionError', 'sample_name', 'target_size', 'iter_frames',
    'read_frames'
]


class FlowExtractionError(RuntimeError):
    """A video could not be turned into optical flow (bad or short input)."""



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
    """Raise a clear error for a missing or empty video file.

    The container structure is not checked here: flow extraction decodes
    what a truncated file holds and reports it (see
    :func:`~.extract.extract_video_flow`).
    """
    try:
        check_video_file(video, container=False)
    except VideoFileError as e:
        raise FlowExtractionError(str(e)) from None
