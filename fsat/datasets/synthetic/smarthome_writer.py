# Copyright (c) fsat contributors. All rights reserved.
"""Write clips in the on-disk format of Toyota Smarthome (trimmed).

Layout under the Smarthome root (``OUT/smarthome``)::

    mp4/<name>.mp4                      RGB clip (MPEG-4 part 2 in MP4)
    skeletonv12/<name>_pose3d.json      LCR-Net poses of every frame

``<name>`` is ``<Activity>_p<SS>_r<RR>_v<VV>_c<CC>`` (subject, routine,
video number, camera), e.g. ``Drink.Fromcup_p03_r01_v07_c02``.

Skeleton JSON grammar (as LCR-Net writes it)::

    {"K": <int>, "njts": 13,
     "frames": [                       one entry per video frame
        [],                            nobody detected
        [{"pose2d": [13 x, 13 y],      26 floats, pixels of the clip
          "pose3d": [13 X, 13 Y, 13 Z],  39 floats, metres, root-centred
          "cumscore": <float>}, ...]]}

Joint order: Rank, Lank, Rkne, Lkne, Rhip, Lhip, Rwri, Lwri, Relb, Lelb,
Rsho, Lsho, head (:data:`LCRNET_JOINTS`). The format exists only in the
dataset's own files; neither mmaction2 nor mmcv writes it, hence this
module.
"""
import json
import os
import re
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from .body import J
from .fileio import write_text

MP4_DIR = 'mp4'
SKELETON_DIR = 'skeletonv12'
SKELETON_SUFFIX = '_pose3d.json'

#: LCR-Net's 13 joints in file order, and the world's joint behind each.
LCRNET_JOINTS = ('Rank', 'Lank', 'Rkne', 'Lkne', 'Rhip', 'Lhip', 'Rwri',
                 'Lwri', 'Relb', 'Lelb', 'Rsho', 'Lsho', 'head')
LCRNET_FROM_BODY = tuple(J[n] for n in (
    'AnkleRight', 'AnkleLeft', 'KneeRight', 'KneeLeft', 'HipRight',
    'HipLeft', 'WristRight', 'WristLeft', 'ElbowRight', 'ElbowLeft',
    'ShoulderRight', 'ShoulderLeft', 'Head'))
#: LCR-Net joint index of each joint's left/right twin (head: itself).
LCRNET_MIRROR = (1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 12)
#: The value written in the ``K`` field (an integer in the real files;
#: its meaning there is not documented in the sources we checked, and no
#: reader we know uses it).
LCRNET_K = 20

#: Toyota Smarthome cross-subject protocol: training subjects (the others
#: are test subjects), and the 18 subject ids of the dataset.
SMARTHOME_CS_TRAIN = frozenset((3, 4, 6, 7, 9, 12, 13, 15, 17, 19, 25))
SMARTHOME_SUBJECTS = (2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                      19, 20, 25)
#: Cross-view protocols: camera ids of the training, validation and test
#: sides.
SMARTHOME_CV = {
    'cv1': dict(train=(1, ), val=(5, ), test=(2, )),
    'cv2': dict(train=(1, 3, 4, 6, 7), val=(5, ), test=(2, )),
}

_NAME = re.compile(r'^([A-Za-z]+(?:\.[A-Za-z]+)?)_p(\d{2})_r(\d{2})'
                   r'_v(\d{2})_c(\d{2})$')


def smarthome_name(activity: str, subject: int, routine: int, video: int,
                   camera: int) -> str:
    """``<Activity>_p<SS>_r<RR>_v<VV>_c<CC>``."""
    return (f'{activity}_p{subject:02d}_r{routine:02d}_v{video:02d}'
            f'_c{camera:02d}')


def parse_smarthome_name(name: str) -> Dict[str, object]:
    """Split a sample name into ``activity`` (str), ``subject``,
    ``routine``, ``video`` and ``camera`` (ints).

    Raises:
        ValueError: naming the string if it is not a sample name.
    """
    m = _NAME.match(name)
    if m is None:
        raise ValueError(f'not a Toyota Smarthome sample name: {name!r}')
    return dict(activity=m.group(1), subject=int(m.group(2)),
                routine=int(m.group(3)), video=int(m.group(4)),
                camera=int(m.group(5)))


def smarthome_split(name: str, protocol: str) -> Optional[str]:
    """The side of a sample under a Smarthome protocol.

    Args:
        name (str): Sample name.
        protocol (str): ``'cs'``, ``'cv1'`` or ``'cv2'``.

    Returns:
        str | None: ``'train'`` or ``'test'`` (``cs``); ``'train'``,
        ``'val'``, ``'test'`` or None (a camera the protocol does not use)
        for ``cv1`` / ``cv2``.
    """
    f = parse_smarthome_name(name)
    if protocol == 'cs':
        return 'train' if f['subject'] in SMARTHOME_CS_TRAIN else 'test'
    if protocol not in SMARTHOME_CV:
        raise ValueError(f"unknown Smarthome protocol {protocol!r}; choose "
                         "'cs', 'cv1' or 'cv2'")
    for side, cams in SMARTHOME_CV[protocol].items():
        if f['camera'] in cams:
            return side
    return None


def _round(values: np.ndarray, digits: int) -> List[float]:
    """Rounded floats (``-0.0`` written as ``0.0``)."""
    return (np.round(values.astype(np.float64), digits) + 0.0).tolist()


def format_pose_json(frames: Sequence[Sequence[dict]]) -> str:
    """Text of a ``_pose3d.json`` file.

    Args:
        frames (list[list[dict]]): Per frame its detections, each a dict
            with ``pose2d`` [13, 2] (pixels), ``pose3d`` [13, 3] (metres)
            arrays and a ``cumscore`` float; an empty list for a frame
            without a detection.

    Returns:
        str: One line of JSON; pose2d with 2 decimals, pose3d with 4,
        scores with 4 (numbers written coordinate-major: all x, then all
        y, then all z).
    """
    out = []
    for detections in frames:
        out.append([
            dict(pose2d=_round(np.asarray(d['pose2d']).T.reshape(-1), 2),
                 pose3d=_round(np.asarray(d['pose3d']).T.reshape(-1), 4),
                 cumscore=round(float(d['cumscore']), 4))
            for d in detections])
    return json.dumps(dict(K=LCRNET_K, njts=len(LCRNET_JOINTS),
                           frames=out), separators=(', ', ': ')) + '\n'


def write_mp4(path: str, frames: np.ndarray, fps: float) -> None:
    """Write RGB frames as an MP4 clip (MPEG-4 part 2, OpenCV's FFmpeg
    back end; deterministic for a given OpenCV build).

    Args:
        path (str): Output path (``.mp4``).
        frames (np.ndarray): [T, H, W, 3] uint8 RGB.
        fps (float): Frame rate.
    """
    T, H, W = frames.shape[:3]
    writer = cv2.VideoWriter(path, cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*'mp4v'), float(fps),
                             (W, H))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write MP4 to {path} (no FFmpeg '
                           'back end?)')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()


def write_smarthome_sample(root: str, name: str, rgb: np.ndarray,
                           pose_text: str, fps: float) -> Dict[str, int]:
    """Write the RGB clip and the skeleton file of one sample.

    Args:
        root (str): Smarthome root folder.
        name (str): Sample name.
        rgb (np.ndarray): [T, H, W, 3] uint8 RGB frames.
        pose_text (str): Output of :func:`format_pose_json`.
        fps (float): Frame rate.

    Returns:
        dict: Bytes written per modality (``rgb``, ``skeleton``).
    """
    mp4 = os.path.join(root, MP4_DIR, f'{name}.mp4')
    write_mp4(mp4, rgb, fps)
    skel = os.path.join(root, SKELETON_DIR, f'{name}{SKELETON_SUFFIX}')
    write_text(skel, pose_text, newline='\n')
    return dict(rgb=os.path.getsize(mp4), skeleton=os.path.getsize(skel))
