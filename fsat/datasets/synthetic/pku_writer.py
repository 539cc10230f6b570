# Copyright (c) fsat contributors. All rights reserved.
"""Write sequences in the on-disk format of PKU-MMD (phase 1 layout).

Layout under the PKU-MMD root (``OUT/pku_mmd``)::

    Data/PKU_Skeleton_Renew/<id>.txt   one line per frame, 150 floats
    Data/RGB_VIDEO/<id>.avi
    Data/DEPTH/<id>/Depth-00000001.png ...   (our choice, see below)
    Label/Train_Label_PKU_final/<id>.txt   label,start,end,confidence
    Split/cross-subject.txt, Split/cross-view.txt

``<id>`` is ``NNNN-V`` (4-digit sequence, view ``L``/``M``/``R``). The
layout of the official depth data is unverified; we write full (unmasked)
16-bit depth PNGs in millimetres, numbered from 1 like NTU's.

Label lines: ``label,start,end,confidence`` with the 1-based class label,
0-based frame indices, ``end`` *inclusive* (the action occupies frames
``start .. end``; loaders that slice ``[start:end]`` lose one frame), and
confidence 2 (strong) or 1 (slight, a low-amplitude instance).
"""
import os
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .fileio import write_avi, write_png_sequence, write_text

SKELETON_DIR = os.path.join('Data', 'PKU_Skeleton_Renew')
RGB_DIR = os.path.join('Data', 'RGB_VIDEO')
DEPTH_DIR = os.path.join('Data', 'DEPTH')
LABEL_DIR = os.path.join('Label', 'Train_Label_PKU_final')
SPLIT_DIR = 'Split'


def format_skeleton(bodies: Sequence[np.ndarray]) -> str:
    """Text of a skeleton file: per frame ``body1 x1 y1 z1 ... z25 body2
    ...`` (150 values, 6 decimals, single spaces, LF).

    Args:
        bodies (list[np.ndarray]): One or two [T, 25, 3] camera-space
            joint arrays (metres); a missing second body is written as
            zeros.
    """
    T = bodies[0].shape[0]
    table = np.zeros((T, 2, 25, 3))
    for i, body in enumerate(bodies[:2]):
        table[:, i] = body
    table = table.reshape(T, 150) + 0.0
    line = ' '.join(['%f'] * 150) + '\n'
    return ''.join(line % tuple(row) for row in table.tolist())


def format_labels(instances: Sequence[Tuple[int, int, int, int]]) -> str:
    """Text of a label file from ``(label, start, end, confidence)``."""
    return ''.join('%d,%d,%d,%d\n' % inst for inst in instances)


def write_pku_view(root: str, vid: str, rgb: np.ndarray,
                   depth_mm: np.ndarray, skeleton_text: str,
                   label_text: str, fps: float) -> Dict[str, int]:
    """Write one view of one sequence.

    Args:
        root (str): PKU-MMD root folder.
        vid (str): Video id, e.g. ``'0002-L'``.
        rgb (np.ndarray): [T, H, W, 3] uint8 RGB frames.
        depth_mm (np.ndarray): [T, h, w] uint16 depth.
        skeleton_text (str): Output of :func:`format_skeleton`.
        label_text (str): Output of :func:`format_labels`.
        fps (float): Frame rate.

    Returns:
        dict: Bytes written per modality.
    """
    avi = os.path.join(root, RGB_DIR, f'{vid}.avi')
    write_avi(avi, rgb, fps)
    depth_dir = os.path.join(root, DEPTH_DIR, vid)
    write_png_sequence(depth_dir, depth_mm, 'Depth')
    skel = os.path.join(root, SKELETON_DIR, f'{vid}.txt')
    write_text(skel, skeleton_text)
    write_text(os.path.join(root, LABEL_DIR, f'{vid}.txt'), label_text)
    return dict(rgb=os.path.getsize(avi),
                depth=sum(e.stat().st_size for e in os.scandir(depth_dir)),
                skeleton=os.path.getsize(skel))


def write_split(path: str, train: List[str], val: List[str]) -> None:
    """Write a split file in the official layout (note the official
    misspelling ``Validataion``)."""
    text = ('Training videos: \n' + ', '.join(train) + '\n'
            'Validataion videos: \n' + ', '.join(val) + '\n')
    write_text(path, text)
