# Copyright (c) fsat contributors. All rights reserved.
"""The Toyota Smarthome protocols and the annotation builder over the real
folder layout (:func:`build_smarthome_annotations`).

Protocols (the dataset paper's; the split rules of the public 2s-AGCN port,
``YangDi666/2s-AGCN-For-Daily-Living:data_gen/smarthome_gendata.py``):

* ``CS`` (cross-subject, 31 classes): train on subjects
  :data:`SMARTHOME_CS_TRAIN_SUBJECTS`, test on every other subject (the
  released data has subjects 2, 10, 11, 14, 16, 18 and 20 there). It has no
  validation split.
* ``CV1`` (cross-view, 19 classes): train on camera 1, validate on camera
  5, test on camera 2.
* ``CV2`` (cross-view, 19 classes): train on cameras 1, 3, 4, 6 and 7,
  validate on camera 5, test on camera 2.

Cross-view samples of the 12 classes outside
:data:`~fsat.datasets.smarthome.SMARTHOME_CV_CLASSES` belong to no split,
and the other 19 are re-indexed 0..18; cameras 3, 4, 6 and 7 belong to no
``CV1`` split.

**Upstream bug not reproduced.** The port's ``xview2`` training rule tests
the *subject* id against the camera list ``[1, 3, 4, 6, 7]``, so its CV2
training set is "subjects 1, 3, 4, 6, 7, any camera", which overlaps the
validation and test cameras. fsat tests the camera, as the protocol says.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from .classes import smarthome_classes, smarthome_label
from .names import SmarthomeName, _as_smarthome_name, parse_smarthome_name

__all__ = [
    'SMARTHOME_CS_TRAIN_SUBJECTS', 'SMARTHOME_LAYOUT', 'SMARTHOME_PROTOCOLS',
    'SMARTHOME_SPLITS', 'SmarthomeProtocol', 'build_smarthome_annotations',
    'get_smarthome_protocol', 'scan_smarthome_root', 'smarthome_path'
]

SMARTHOME_CS_TRAIN_SUBJECTS: FrozenSet[int] = frozenset(
    {3, 4, 6, 7, 9, 12, 13, 15, 17, 19, 25})
SMARTHOME_SPLITS = ('train', 'val', 'test')

#: source modality -> (folder under the root, suffix after the name)
SMARTHOME_LAYOUT: Dict[str, Tuple[str, str]] = {
    'rgb': ('mp4', '.mp4'),
    'skeleton': ('skeletonv12', '_pose3d.json'),
}


@dataclass(frozen=True)
class SmarthomeProtocol:
    """A Toyota Smarthome protocol; build it with
    :func:`get_smarthome_protocol`.

    Args:
        name (str): ``'CS'``, ``'CV1'`` or ``'CV2'``.
        table (str): Label table, ``'all'`` (31) or ``'cv'`` (19).
        cameras (dict, optional): Cross-view: split -> cameras. None for CS.
    """

    name: str
    table: str
    cameras: Optional[Dict[str, FrozenSet[int]]] = None

    @property
    def classes(self) -> Tuple[str, ...]:
        """tuple[str]: Class names indexed by label."""
        return smarthome_classes(self.table)

    @property
    def splits(self) -> Tuple[str, ...]:
        """tuple[str]: The splits of the protocol (CS has no ``'val'``)."""
        return ('train', 'test') if self.cameras is None else SMARTHOME_SPLITS

    def label_of(self, sample) -> Optional[int]:
        """The label of a sample, or None when its class is not used.

        Args:
            sample (str | SmarthomeName): The sample name or its fields.

        Returns:
            int | None: The 0-based label in the protocol's table.
        """
        sample = _as_smarthome_name(sample)
        if sample.activity not in self.classes:
            return None
        return smarthome_label(sample.activity, self.table)

    def split_of(self, sample) -> Optional[str]:
        """The split of a sample: ``'train'``, ``'val'``, ``'test'`` or None
        (not used by the protocol).

        Args:
            sample (str | SmarthomeName): The sample name or its fields.

        Returns:
            str | None: The split.
        """
        sample = _as_smarthome_name(sample)
        if self.label_of(sample) is None:
            return None
        if self.cameras is None:
            return ('train' if sample.subject in SMARTHOME_CS_TRAIN_SUBJECTS
                    else 'test')
        for split, cameras in self.cameras.items():
            if sample.camera in cameras:
                return split
        return None


SMARTHOME_PROTOCOLS: Dict[str, SmarthomeProtocol] = {
    'CS': SmarthomeProtocol('CS', 'all'),
    'CV1': SmarthomeProtocol(
        'CV1', 'cv',
        dict(train=frozenset({1}), val=frozenset({5}), test=frozenset({2}))),
    'CV2': SmarthomeProtocol(
        'CV2', 'cv',
        dict(train=frozenset({1, 3, 4, 6, 7}), val=frozenset({5}),
             test=frozenset({2}))),
}


def get_smarthome_protocol(name: str) -> SmarthomeProtocol:
    """A protocol by name: ``'CS'``, ``'CV1'`` or ``'CV2'`` (any case)."""
    key = name.upper() if isinstance(name, str) else name
    if key not in SMARTHOME_PROTOCOLS:
        raise ValueError(f'Unknown Toyota Smarthome protocol {name!r}: '
                         f'expected one of {list(SMARTHOME_PROTOCOLS)}')
    return SMARTHOME_PROTOCOLS[key]


def smarthome_path(root: str, source: str, name: str) -> str:
    """Where the Smarthome layout keeps modality ``source`` of ``name``."""
    if source not in SMARTHOME_LAYOUT:
        raise ValueError(f'Toyota Smarthome has no {source!r} data: '
                         f'expected one of {list(SMARTHOME_LAYOUT)}')
    folder, suffix = SMARTHOME_LAYOUT[source]
    return osp.join(root, folder, name + suffix)


def scan_smarthome_root(root: str) -> Dict[str, Dict[str, str]]:
    """Find the samples of every modality under a Smarthome root.

    The layout is ``mp4/<name>.mp4`` and ``skeletonv12/<name>_pose3d.json``
    (:data:`SMARTHOME_LAYOUT`); a missing folder is allowed. Every file of a
    folder with the folder's suffix must be named after a sample of a known
    class; hidden files and files with other suffixes are ignored.

    Args:
        root (str): The dataset root.

    Returns:
        dict[str, dict[str, str]]: Sample name -> source -> path.

    Raises:
        FileNotFoundError: If ``root`` is not a folder or has none of the
            layout's folders.
        ValueError: Naming the first file whose name does not parse or
            whose activity is not a class.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'Toyota Smarthome root {root!r} is not a folder')
    found: Dict[str, Dict[str, str]] = {}
    folders = 0
    for source, (folder, suffix) in SMARTHOME_LAYOUT.items():
        folder = osp.join(root, folder)
        if not osp.isdir(folder):
            continue
        folders += 1
        for entry in sorted(os.listdir(folder)):
            if entry.startswith('.') or not entry.endswith(suffix):
                continue
            path = osp.join(folder, entry)
            name = entry[:-len(suffix)]
            parse_smarthome_name(name, path)
            found.setdefault(name, {})[source] = path
    if not folders:
        expected = ', '.join(f'{f}/' for f, _ in SMARTHOME_LAYOUT.values())
        raise FileNotFoundError(f'Toyota Smarthome root {root!r} has none '
                                f'of the folders {expected}')
    return found


def build_smarthome_annotations(
        protocol: str,
        split: str,
        root: Optional[str] = None,
        names: Optional[Iterable[str]] = None,
        sources: Sequence[str] = ('rgb', 'skeleton')) -> List[dict]:
    """The sample records of one split of a protocol.

    Args:
        protocol (str): ``'CS'``, ``'CV1'`` or ``'CV2'``.
        split (str): ``'train'``, ``'val'`` (not for CS) or ``'test'``.
        root (str, optional): Dataset root, scanned with
            :func:`scan_smarthome_root`. Defaults to None.
        names (Iterable[str], optional): Sample names to use instead of (or
            to restrict) the scanned ones. One of ``root`` and ``names`` is
            needed.
        sources (Sequence[str]): Sources whose paths every record gets (in
            the layout under ``root``, whether the file exists or not, so a
            dataset can report or skip missing files). Defaults to
            ``('rgb', 'skeleton')``.

    Returns:
        list[dict]: Sorted by name, ``dict(name, label, activity, subject,
        camera, paths=dict(source=path))``; ``paths`` is empty without a
        root.
    """
    proto = get_smarthome_protocol(protocol)
    if split not in proto.splits:
        raise ValueError(
            f'Toyota Smarthome {proto.name} has the splits '
            f'{list(proto.splits)}, got split={split!r}'
            + (" (CS has no validation split; use 'test')"
               if split == 'val' else ''))
    if root is None and names is None:
        raise ValueError('build_smarthome_annotations needs a root or names')
    for source in sources:
        if source not in SMARTHOME_LAYOUT:
            raise ValueError(f'Toyota Smarthome has no {source!r} data: '
                             f'expected some of {list(SMARTHOME_LAYOUT)}')
    found = scan_smarthome_root(root) if root is not None else {}
    selected = found if names is None else names
    records = []
    for name in sorted(set(selected)):
        sample: SmarthomeName = parse_smarthome_name(name)
        if proto.split_of(sample) != split:
            continue
        paths = ({source: smarthome_path(root, source, name)
                  for source in sources} if root is not None else {})
        records.append(
            dict(
                name=name,
                label=proto.label_of(sample),
                activity=sample.activity,
                subject=sample.subject,
                camera=sample.camera,
                paths=paths))
    return records
