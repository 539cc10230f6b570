# Copyright (c) fsat contributors. All rights reserved.
"""The on-disk forms of each modality and how to count their frames cheaply.

A modality is stored as a file (an RGB video, a skeleton text file) or as a
folder of numbered frames (RGB frames, flow x/y JPEGs, masked depth PNGs).
Counting never decodes pixels: folders are listed, videos are asked for
their frame count, NTU ``.skeleton`` files are read up to their first line
(Toyota Smarthome's JSON skeletons are parsed: JSON has no header).
"""
import fnmatch
import os
import os.path as osp
from typing import Dict, Optional

from ..flow import FLOW_TMPL
from ..video import VideoFileError, check_video_file

#: Per source modality: mmaction2's ``modality`` string, the file-name
#: template and first number of its frame folders, and the glob counting
#: them. Frame folders are numbered from 1 (NTU depth, flow, rawframes).
SOURCE_DEFAULTS: Dict[str, dict] = {
    'rgb': dict(
        modality='RGB',
        filename_tmpl='img_{:05d}.jpg',
        start_index=1,
        count_glob='img_*.jpg'),
    'flow': dict(
        modality='Flow',
        filename_tmpl=FLOW_TMPL,
        start_index=1,
        count_glob='flow_x_*.jpg'),
    'depth': dict(
        modality='Depth',
        filename_tmpl='MDepth-{:08d}.png',
        start_index=1,
        count_glob='MDepth-*.png'),
    'skeleton': dict(
        modality='Pose', filename_tmpl=None, start_index=0, count_glob=None),
}


def count_video_frames(path: str) -> int:
    """Frame count of a video as its container reports it.

    The file is checked first (:func:`fsat.datasets.video.
    check_video_file`): a missing, empty or truncated video is a one-line
    :class:`~fsat.datasets.video.VideoFileError` naming the file, raised
    before any decoder opens it (a truncated MJPEG ``.avi`` crashes the
    process inside mmaction2's ``DecordInit``). Every paired and detection
    sample counts its frames before its pipeline decodes, so this check
    guards training, validation and feature caching alike.

    decord (the decoder of mmaction2's ``DecordInit``) is asked first, so
    the count matches what it decodes; OpenCV's header count otherwise.
    """
    check_video_file(path)
    try:
        import decord
    except ImportError:  # pragma: no cover - decord is a requirement
        decord = None
    if decord is not None:
        try:
            return len(decord.VideoReader(path, num_threads=1))
        except Exception as e:  # decord raises its own DECORDError types
            reason = (str(e).strip().splitlines() or [type(e).__name__])[-1]
            raise VideoFileError(
                f'{path}: decord cannot open the video ({reason[:200]})'
            ) from None
    import cv2
    cap = cv2.VideoCapture(path)
    try:
        return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()


def count_skeleton_frames(path: str) -> int:
    """Frames of a skeleton file without parsing its joints.

    ``.skeleton`` (NTU): the first line; ``.txt`` (PKU-MMD): the non-blank
    lines; ``.npy``: axis 1 of an (M, T, V, C) array; ``.json`` (Toyota
    Smarthome LCR-Net poses): the entries of ``frames``, empty frames
    included (the file is parsed). An empty or binary text file is a
    ValueError naming the file.
    """
    if path.endswith('.skeleton'):
        try:
            with open(path, encoding='utf-8') as f:
                first = f.readline().strip()
        except UnicodeDecodeError as e:
            raise ValueError(f'Malformed NTU skeleton file {path!r}: not a '
                             f'text file (byte {e.start} is not UTF-8)'
                             ) from None
        if not first.isdigit():
            got = repr(first) if first else 'an empty file'
            raise ValueError(f'Malformed NTU skeleton file {path!r}, line 1: '
                             f'expected the frame count, got {got}')
        return int(first)
    if path.endswith('.json'):
        from ..smarthome.skeleton_io import count_lcrnet_frames
        return count_lcrnet_frames(path)
    if path.endswith('.npy'):
        import numpy as np
        return int(np.load(path, mmap_mode='r').shape[1])
    try:
        with open(path, encoding='utf-8') as f:
            return sum(1 for line in f if line.strip())
    except UnicodeDecodeError as e:
        raise ValueError(f'Malformed skeleton file {path!r}: not a text '
                         f'file (byte {e.start} is not UTF-8)') from None


def count_frames(source: str,
                 path: str,
                 count_glob: Optional[str] = None) -> int:
    """The number of frames of one modality of one sample.

    Args:
        source (str): Source modality, a key of :data:`SOURCE_DEFAULTS`.
        path (str): Its file or frame folder.
        count_glob (str, optional): Pattern of the counted files of a frame
            folder. Defaults to None (the source's default).

    Returns:
        int: The frame count (flow: the number of x/y pairs).
    """
    if osp.isdir(path):
        pattern = count_glob or SOURCE_DEFAULTS[source]['count_glob']
        if pattern is None:
            raise ValueError(f'{source} data must be a file, got the folder '
                             f'{path}')
        return len(fnmatch.filter(os.listdir(path), pattern))
    if source == 'skeleton':
        return count_skeleton_frames(path)
    return count_video_frames(path)
