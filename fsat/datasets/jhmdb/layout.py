# Copyright (c) fsat contributors. All rights reserved.
"""The JHMDB folder layout and its scanner (:func:`scan_jhmdb`).

The official release unpacks to one folder per kind, each with
``<class>/<video>/`` below it::

    Rename_Images/<class>/<video>/00001.png ...   (frames, 1-based)
    joint_positions/<class>/<video>/joint_positions.mat
    puppet_mask/<class>/<video>/puppet_mask.mat
    splits/<class>_test_split<k>.txt              (k = 1, 2, 3)
    sub_splits/<class>_test_split_<k>.txt

mmaction2's copy names the frame folder ``Frames/`` (same files); either is
accepted. Entries whose name starts with a dot (``.AppleDouble`` resource
fork folders of macOS copies, ``.DS_Store``) are never read.
"""
import logging
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log

from .classes import JHMDB_CLASSES
from .splits import load_jhmdb_split

__all__ = [
    'JHMDB_FRAME_DIRS', 'JHMDB_LAYOUT', 'JhmdbVideo', 'jhmdb_source_video',
    'scan_jhmdb'
]

#: Accepted names of the frame folder, in order of preference.
JHMDB_FRAME_DIRS: Tuple[str, ...] = ('Rename_Images', 'Frames')
#: Annotation files of a video, relative to the root.
JHMDB_LAYOUT: Dict[str, str] = {
    'joints': 'joint_positions/{class_name}/{video}/joint_positions.mat',
    'mask': 'puppet_mask/{class_name}/{video}/puppet_mask.mat',
}
_FRAME_NAME = re.compile(r'(\d{5})\.png')
# HMDB's clip names: <source video>_<action>_<visible body f|h|u|l>_<camera
# motion cm|nm>_np<people>_<viewpoint fr|ba|le|ri>_<quality bad|med|goo>_
# <clip number>
_HMDB_TAGS = r'_([fhul])_(cm|nm)_np(\d+)_(fr|ba|le|ri)_(bad|med|goo)_(\d+)'


def jhmdb_source_video(name: str, class_name: str) -> Optional[str]:
    """The source video of a JHMDB clip, from HMDB's clip name grammar.

    HMDB51 cut its clips from films and web videos and names each
    ``<source>_<action>_<body>_<cm|nm>_np<n>_<view>_<quality>_<k>``
    (e.g. ``April_09_brush_hair_u_nm_np1_ba_goo_0``: source ``April_09``,
    clip 0 of it). Clips of one source show the same people and scene, so
    a validation set carved out of a training split holds out whole
    sources (``JHMDBFrameDetectionDataset(holdout=...)``).

    Args:
        name (str): The clip's name (its folder name).
        class_name (str): Its class (folder), the name's action part.

    Returns:
        str or None: The source part; None for a name not in the grammar.
    """
    match = re.fullmatch(rf'(.+)_{re.escape(class_name)}{_HMDB_TAGS}', name)
    return match.group(1) if match else None


@dataclass(frozen=True)
class JhmdbVideo:
    """One JHMDB clip found on disk.

    Args:
        name (str): The video name (its folder name, the split files' name
            without ``.avi``).
        class_name (str): Its class folder.
        label (int): 0-based index of the class in
            :data:`~fsat.datasets.jhmdb.JHMDB_CLASSES`.
        frame_dir (str): Folder of its ``%05d.png`` frames.
        num_frames (int): The highest frame number found (frames are
            numbered from 00001), i.e. the clip length.
        num_missing_frames (int): Frame numbers below ``num_frames`` without
            a file (0 in a complete copy).
        joint_path (str, optional): Its ``joint_positions.mat``, None when
            absent.
        mask_path (str, optional): Its ``puppet_mask.mat``, None when
            absent.
        subset (str, optional): ``'train'`` or ``'test'`` in the split
            given to :func:`scan_jhmdb`; None without a split or when the
            split files do not list the video.
    """

    name: str
    class_name: str
    label: int
    frame_dir: str
    num_frames: int
    num_missing_frames: int = 0
    joint_path: Optional[str] = None
    mask_path: Optional[str] = None
    subset: Optional[str] = None

    def frame_path(self, index: int) -> str:
        """The file of a frame.

        Args:
            index (int): 0-based frame index (``0`` is ``00001.png``).

        Returns:
            str: ``<frame_dir>/<index + 1:05d>.png`` (not checked to exist).
        """
        if not 0 <= index < self.num_frames:
            raise IndexError(f'JHMDB video {self.name!r} has '
                             f'{self.num_frames} frames, no index {index}')
        return osp.join(self.frame_dir, f'{index + 1:05d}.png')


def _listdir(path: str) -> List[str]:
    return sorted(os.listdir(path))


def scan_jhmdb(root: str,
               split: Optional[int] = None,
               sub_split: bool = False) -> List[JhmdbVideo]:
    """Find the JHMDB videos under a root in the official layout.

    Videos are the folders ``<frames>/<class>/<video>/`` holding at least
    one ``%05d.png`` frame, ``<frames>`` being ``Rename_Images`` or
    ``Frames``. Hidden entries (``.AppleDouble`` ...), folders that are not
    one of the 21 classes and video folders without frames are skipped;
    these, missing frame numbers and split-file videos without frames are
    counted and logged in one warning.

    Args:
        root (str): The dataset root.
        split (int, optional): 1, 2 or 3: fill ``subset`` from the split
            files (:func:`~fsat.datasets.jhmdb.load_jhmdb_split`). Defaults
            to None (no subset).
        sub_split (bool): Use ``sub_splits/`` (full-body subset) for
            ``split``; videos outside the subset get ``subset=None``.
            Defaults to False.

    Returns:
        list[JhmdbVideo]: Sorted by label, then name.

    Raises:
        FileNotFoundError: When the root has no ``Rename_Images/`` nor
            ``Frames/`` folder, or a split file is missing.
    """
    frames_root = next((osp.join(root, name) for name in JHMDB_FRAME_DIRS
                        if osp.isdir(osp.join(root, name))), None)
    if frames_root is None:
        raise FileNotFoundError(
            f'No JHMDB frame folder under {root!r}: expected '
            f'{" or ".join(JHMDB_FRAME_DIRS)}/<class>/<video>/00001.png')
    subsets = (None if split is None else load_jhmdb_split(
        root, split, sub_split))
    counts = dict(hidden=0, unknown=0, empty=0, missing=0, unlisted=0)
    videos: List[JhmdbVideo] = []
    for class_name in _listdir(frames_root):
        class_dir = osp.join(frames_root, class_name)
        if class_name.startswith('.'):
            counts['hidden'] += 1
            continue
        if not osp.isdir(class_dir):
            continue
        if class_name not in JHMDB_CLASSES:
            counts['unknown'] += 1
            continue
        for name in _listdir(class_dir):
            frame_dir = osp.join(class_dir, name)
            if name.startswith('.'):
                counts['hidden'] += 1
                continue
            if not osp.isdir(frame_dir):
                continue
            numbers = [
                int(m.group(1)) for m in map(_FRAME_NAME.fullmatch,
                                             os.listdir(frame_dir)) if m
            ]
            numbers = [n for n in numbers if n >= 1]
            if not numbers:
                counts['empty'] += 1
                continue
            num_missing = max(numbers) - len(numbers)
            counts['missing'] += num_missing
            paths = {
                kind: osp.join(root, pattern.format(
                    class_name=class_name, video=name))
                for kind, pattern in JHMDB_LAYOUT.items()
            }
            subset = None
            if subsets is not None:
                subset = subsets.get((class_name, name))
                counts['unlisted'] += subset is None and not sub_split
            videos.append(
                JhmdbVideo(
                    name=name,
                    class_name=class_name,
                    label=JHMDB_CLASSES.index(class_name),
                    frame_dir=frame_dir,
                    num_frames=max(numbers),
                    num_missing_frames=num_missing,
                    joint_path=(paths['joints']
                                if osp.isfile(paths['joints']) else None),
                    mask_path=(paths['mask']
                               if osp.isfile(paths['mask']) else None),
                    subset=subset))
    videos.sort(key=lambda v: (v.label, v.name))
    found = {(v.class_name, v.name) for v in videos}
    num_split_only = sum(key not in found for key in (subsets or {}))
    quirks = [
        f'{counts["hidden"]} hidden entries (.AppleDouble ...) ignored',
        f'{counts["unknown"]} folders that are not a JHMDB class',
        f'{counts["empty"]} video folders without %05d.png frames',
        f'{counts["missing"]} missing frame files',
        f'{counts["unlisted"]} videos not in split {split}',
        f'{num_split_only} split-file videos without frames',
    ]
    quirks = [q for q in quirks if not q.startswith('0 ')]
    if quirks:
        print_log(
            f'scan_jhmdb({root}): {len(videos)} videos; ' + '; '.join(quirks),
            logger='current',
            level=logging.WARNING)
    return videos
