# Copyright (c) fsat contributors. All rights reserved.
"""Toyota Smarthome sample names ``<Activity>_p<SS>_r<RR>_v<VV>_c<CC>``.

Example: ``Cook.Cleandishes_p02_r00_v02_c03`` is activity
``Cook.Cleandishes`` by subject 2, repetition 0, video 2, seen by camera 3.
The RGB clip is ``mp4/<name>.mp4`` and the LCR-Net skeleton
``skeletonv12/<name>_pose3d.json`` (:data:`SMARTHOME_SUFFIXES`).
"""
import os.path as osp
import re
from dataclasses import dataclass
from typing import Optional, Union

from .classes import SMARTHOME_CLASSES

__all__ = [
    'SMARTHOME_SUFFIXES', 'SmarthomeName', 'parse_smarthome_name',
    'smarthome_name_of'
]

_NAME_RE = re.compile(
    r'([A-Za-z]+(?:\.[A-Za-z]+)?)_p(\d{2})_r(\d{2})_v(\d{2})_c(\d{2})')

#: What follows the sample name in the file name of each modality.
SMARTHOME_SUFFIXES = ('.mp4', '_pose3d.json')


@dataclass(frozen=True)
class SmarthomeName:
    """The fields of a Toyota Smarthome sample name.

    Args:
        activity (str): Class name, e.g. ``'Cook.Cleandishes'`` (one of
            :data:`~fsat.datasets.smarthome.SMARTHOME_CLASSES`).
        subject (int): Subject id ``SS`` (the ``p`` field).
        repetition (int): Repetition ``RR`` (the ``r`` field, from 0).
        video (int): Video number ``VV`` (the ``v`` field).
        camera (int): Camera id ``CC`` (the ``c`` field, 1..7).
    """

    activity: str
    subject: int
    repetition: int
    video: int
    camera: int

    @property
    def name(self) -> str:
        """str: The sample name, e.g. ``'Cook.Cut_p03_r01_v05_c01'``."""
        return (f'{self.activity}_p{self.subject:02d}_r{self.repetition:02d}'
                f'_v{self.video:02d}_c{self.camera:02d}')

    def __str__(self) -> str:
        return self.name


def smarthome_name_of(filename: str) -> str:
    """The sample name of a Smarthome file: folder and suffix removed.

    Args:
        filename (str): A path such as ``'.../mp4/Walk_p25_r00_v01_c07.mp4'``
            or ``'Walk_p25_r00_v01_c07_pose3d.json'``, or a bare name.

    Returns:
        str: The bare name, e.g. ``'Walk_p25_r00_v01_c07'``.
    """
    base = osp.basename(filename)
    for suffix in SMARTHOME_SUFFIXES:
        if base.endswith(suffix):
            return base[:-len(suffix)]
    return base


def parse_smarthome_name(name: str,
                         path: Optional[str] = None) -> SmarthomeName:
    """Parse a Toyota Smarthome sample name and check its class.

    Args:
        name (str): A bare sample name, e.g.
            ``'Cook.Cleandishes_p02_r00_v02_c03'``, or a file of the dataset
            (folder and suffix of :data:`SMARTHOME_SUFFIXES` are removed).
        path (str, optional): The file the name comes from, named in the
            error. Defaults to None (``name`` itself).

    Returns:
        SmarthomeName: The parsed fields.

    Raises:
        ValueError: If the name is not ``<Activity>_p<SS>_r<RR>_v<VV>_c<CC>``
            with 2-digit numbers, or if the activity is not one of the 31
            classes.
    """
    where = path or name
    bare = smarthome_name_of(name) if isinstance(name, str) else name
    match = _NAME_RE.fullmatch(bare) if isinstance(bare, str) else None
    if match is None:
        raise ValueError(
            f'{where}: not a Toyota Smarthome sample name: expected '
            "'<Activity>_p<SS>_r<RR>_v<VV>_c<CC>' with 2-digit numbers, e.g. "
            f"'Cook.Cleandishes_p02_r00_v02_c03', got {bare!r}")
    activity = match.group(1)
    if activity not in SMARTHOME_CLASSES:
        raise ValueError(
            f'{where}: unknown Toyota Smarthome activity {activity!r}; '
            f'expected one of the {len(SMARTHOME_CLASSES)} classes '
            "(fsat.datasets.smarthome.SMARTHOME_CLASSES), e.g. 'Cook.Cut'")
    subject, repetition, video, camera = (int(g) for g in match.groups()[1:])
    return SmarthomeName(activity, subject, repetition, video, camera)


def _as_smarthome_name(sample: Union[str, SmarthomeName]) -> SmarthomeName:
    return (sample if isinstance(sample, SmarthomeName) else
            parse_smarthome_name(sample))
