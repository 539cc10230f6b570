# Copyright (c) fsat contributors. All rights reserved.
"""Annotation layer of NTU RGB+D 60 and NTU RGB+D 120.

Everything here works on the datasets' real on-disk formats (see
``DATASETS.md`` section 1):

* sample names ``SsssCcccPpppRrrrAaaa`` (:func:`parse_ntu_name`);
* the official benchmarks as split rules (:func:`get_ntu_benchmark`):
  ``ntu60_xsub``, ``ntu60_xview``, ``ntu120_xsub``, ``ntu120_xset`` and
  ``ntu120_minus_60`` (classes 61-120 only, relabelled 0..59, with a
  cross-subject or cross-setup rule);
* the official lists of samples with missing skeletons, shipped as package
  data (:func:`load_missing_skeletons`);
* an annotation builder over the real folder layout
  (:func:`build_ntu_annotations`);
* the ``.skeleton`` text reader (:func:`read_skeleton`);
* export to, and reading back of, mmaction2's skeleton annotation pickle
  (:func:`export_pose_pkl`, :func:`load_pose_pkl`).

Split names are ``'train'`` and ``'val'``; ``'val'`` is the official *test*
set of each benchmark, named as mmaction2 names it (``xsub_val``).
"""
import os
import os.path as osp
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import (
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import mmengine
import numpy as np

from .ntu_classes import NTU60_CLASSES, NTU120_CLASSES, NTU120_MINUS_60_CLASSES

__all__ = [
    'NTU60_CLASSES', 'NTU120_CLASSES', 'NTU120_MINUS_60_CLASSES', 'NtuName',
    'parse_ntu_name', 'NTU_BENCHMARKS', 'NtuBenchmark', 'get_ntu_benchmark',
    'is_train_sample', 'read_missing_skeleton_list', 'load_missing_skeletons',
    'NTU_LAYOUT', 'scan_ntu_root', 'build_ntu_annotations', 'NtuSkeleton',
    'parse_skeleton_file', 'read_skeleton', 'zero_nonfinite',
    'export_pose_pkl', 'load_pose_pkl'
]

# ---------------------------------------------------------------------------
# Sample names
# ---------------------------------------------------------------------------

_NAME_RE = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')


@dataclass(frozen=True)
class NtuName:
    """The fields of an NTU RGB+D sample name ``SsssCcccPpppRrrrAaaa``.

    All fields are the 1-based numbers written in the name.

    Args:
        setup (int): Setup number ``sss``.
        camera (int): Camera id ``ccc``.
        performer (int): Performer (subject) id ``ppp``.
        replication (int): Replication number ``rrr`` (1 or 2).
        action (int): Action class id ``aaa`` (1-based).
    """

    setup: int
    camera: int
    performer: int
    replication: int
    action: int

    @property
    def label(self) -> int:
        """int: The 0-based label of the full dataset, ``action - 1``."""
        return self.action - 1

    @property
    def name(self) -> str:
        """str: The sample name, e.g. ``'S001C002P003R002A013'``."""
        return (f'S{self.setup:03d}C{self.camera:03d}P{self.performer:03d}'
                f'R{self.replication:03d}A{self.action:03d}')

    def __str__(self) -> str:
        return self.name


def parse_ntu_name(name: str) -> NtuName:
    """Parse an NTU RGB+D sample name.

    Args:
        name (str): A bare sample name such as ``'S001C002P003R002A013'``
            (no folder, no suffix such as ``.skeleton``).

    Returns:
        NtuName: The parsed fields.

    Raises:
        ValueError: If ``name`` does not have the form
            ``SsssCcccPpppRrrrAaaa`` with 3-digit numbers, or if a number is
            0 (all ids are 1-based).
    """
    match = _NAME_RE.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(
            f'Malformed NTU RGB+D sample name {name!r}: expected '
            "'SsssCcccPpppRrrrAaaa' with 3-digit numbers, e.g. "
            "'S001C002P003R002A013'")
    numbers = [int(group) for group in match.groups()]
    if 0 in numbers:
        raise ValueError(f'Malformed NTU RGB+D sample name {name!r}: '
                         'setup, camera, performer, replication and action '
                         'numbers are 1-based, 000 is not valid')
    return NtuName(*numbers)


def _as_ntu_name(sample: Union[str, NtuName]) -> NtuName:
    return sample if isinstance(sample, NtuName) else parse_ntu_name(sample)


# ---------------------------------------------------------------------------
# Official ranges and split rules (DATASETS.md section 1, "Protocols")
# ---------------------------------------------------------------------------

NTU_CAMERAS = range(1, 4)
NTU_REPLICATIONS = range(1, 3)
NTU60_SETUPS = range(1, 18)
NTU120_SETUPS = range(1, 33)
NTU60_PERFORMERS = range(1, 41)
NTU120_PERFORMERS = range(1, 107)
NTU60_ACTIONS = range(1, 61)
NTU120_ACTIONS = range(1, 121)
NTU120_MINUS_60_ACTIONS = range(61, 121)

NTU60_XSUB_TRAIN_PERFORMERS: FrozenSet[int] = frozenset({
    1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38
})
NTU60_XVIEW_TRAIN_CAMERAS: FrozenSet[int] = frozenset({2, 3})
NTU120_XSUB_TRAIN_PERFORMERS: FrozenSet[int] = frozenset({
    1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38,
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103
})
NTU120_XSET_TRAIN_SETUPS: FrozenSet[int] = frozenset(range(2, 33, 2))

# Which fields a dataset's samples may take.
_DATASET_RANGES: Dict[str, Dict[str, range]] = {
    'ntu60':
    dict(
        setup=NTU60_SETUPS,
        camera=NTU_CAMERAS,
        performer=NTU60_PERFORMERS,
        replication=NTU_REPLICATIONS),
    'ntu120':
    dict(
        setup=NTU120_SETUPS,
        camera=NTU_CAMERAS,
        performer=NTU120_PERFORMERS,
        replication=NTU_REPLICATIONS),
}
# The split rules that are official for each dataset.
_DATASET_RULES = {'ntu60': ('xsub', 'xview'), 'ntu120': ('xsub', 'xset')}
# name -> (dataset, default rule, default actions)
_BENCHMARKS: Dict[str, Tuple[str, str, range]] = {
    'ntu60_xsub': ('ntu60', 'xsub', NTU60_ACTIONS),
    'ntu60_xview': ('ntu60', 'xview', NTU60_ACTIONS),
    'ntu120_xsub': ('ntu120', 'xsub', NTU120_ACTIONS),
    'ntu120_xset': ('ntu120', 'xset', NTU120_ACTIONS),
    'ntu120_minus_60': ('ntu120', 'xsub', NTU120_MINUS_60_ACTIONS),
}
NTU_BENCHMARKS: Tuple[str, ...] = tuple(_BENCHMARKS)


def is_train_sample(sample: Union[str, NtuName], dataset: str,
                    rule: str) -> bool:
    """Whether a sample is on the training side of an official split rule.

    Args:
        sample (str | NtuName): The sample name or its parsed fields.
        dataset (str): ``'ntu60'`` or ``'ntu120'`` (the cross-subject
            training performers differ).
        rule (str): ``'xsub'`` (cross-subject), ``'xview'`` (cross-view,
            train on cameras 2 and 3) or ``'xset'`` (cross-setup, train on
            even setups).

    Returns:
        bool: True for the training side, False for the test side. Whether
        the sample belongs to the dataset at all is not checked here (see
        :meth:`NtuBenchmark.split_of`).
    """
    sample = _as_ntu_name(sample)
    if rule == 'xsub':
        performers = (
            NTU60_XSUB_TRAIN_PERFORMERS
            if dataset == 'ntu60' else NTU120_XSUB_TRAIN_PERFORMERS)
        return sample.performer in performers
    if rule == 'xview':
        return sample.camera in NTU60_XVIEW_TRAIN_CAMERAS
    if rule == 'xset':
        return sample.setup in NTU120_XSET_TRAIN_SETUPS
    raise ValueError(f"Unknown NTU split rule {rule!r}: expected 'xsub', "
                     "'xview' or 'xset'")


@dataclass(frozen=True)
class NtuBenchmark:
    """An NTU benchmark: a dataset, a split rule and the kept classes.

    Build it with :func:`get_ntu_benchmark`.

    Args:
        name (str): Benchmark name, one of :data:`NTU_BENCHMARKS`.
        dataset (str): ``'ntu60'`` or ``'ntu120'``: the valid setup, camera,
            performer and replication ranges and the missing-skeleton list.
        rule (str): Split rule, see :func:`is_train_sample`.
        actions (tuple[int]): Kept action ids (1-based); a sample of action
            ``actions[i]`` gets label ``i``.
    """

    name: str
    dataset: str
    rule: str
    actions: Tuple[int, ...]

    @property
    def classes(self) -> Tuple[str, ...]:
        """tuple[str]: Class names, indexed by label."""
        return tuple(NTU120_CLASSES[action - 1] for action in self.actions)

    @property
    def split_names(self) -> Tuple[str, str]:
        """tuple[str]: mmaction2's split names, e.g. ``xsub_train``."""
        return f'{self.rule}_train', f'{self.rule}_val'

    def label_of(self, sample: Union[str, NtuName]) -> Optional[int]:
        """The label of a sample, or None if the benchmark excludes it.

        Args:
            sample (str | NtuName): The sample name or its parsed fields.

        Returns:
            int | None: Index of the sample's action in :attr:`actions`;
            None when the action is not kept or when a name field is out of
            the dataset's range (e.g. setup 18 in NTU-60).
        """
        sample = _as_ntu_name(sample)
        ranges = _DATASET_RANGES[self.dataset]
        if any(getattr(sample, field) not in valid
               for field, valid in ranges.items()):
            return None
        if sample.action not in self.actions:
            return None
        return self.actions.index(sample.action)

    def split_of(self, sample: Union[str, NtuName]) -> Optional[str]:
        """The split of a sample: ``'train'``, ``'val'`` or None.

        Args:
            sample (str | NtuName): The sample name or its parsed fields.

        Returns:
            str | None: ``'train'`` or ``'val'`` (the official test side);
            None when the benchmark excludes the sample (see
            :meth:`label_of`).
        """
        sample = _as_ntu_name(sample)
        if self.label_of(sample) is None:
            return None
        return ('train' if is_train_sample(sample, self.dataset, self.rule)
                else 'val')


def get_ntu_benchmark(name: str,
                      split_rule: Optional[str] = None,
                      classes: Optional[Sequence[int]] = None
                      ) -> NtuBenchmark:
    """Build an official NTU benchmark, optionally on a subset of classes.

    Args:
        name (str): One of :data:`NTU_BENCHMARKS`: ``'ntu60_xsub'``,
            ``'ntu60_xview'``, ``'ntu120_xsub'``, ``'ntu120_xset'`` or
            ``'ntu120_minus_60'``. NTU-60 keeps setups S001-S017, performers
            1-40 and actions 1-60; NTU-120 keeps S001-S032, performers
            1-106 and actions 1-120; ``ntu120_minus_60`` keeps every NTU-120
            sample of actions 61-120 (any setup) with labels 0..59.
        split_rule (str, optional): Split rule of ``ntu120_minus_60``:
            ``'xsub'`` or ``'xset'``. Defaults to None, meaning ``'xsub'``.
            For the other benchmarks it must be None or their own rule.
        classes (Sequence[int], optional): Action ids (1-based) to keep,
            relabelled ``0..len(classes)-1`` in the given order, e.g.
            ``[61, 62, 63]``. They must belong to the benchmark's actions.
            Defaults to None (all of them, label = position in the range).

    Returns:
        NtuBenchmark: The benchmark.
    """
    if name not in _BENCHMARKS:
        raise ValueError(f'Unknown NTU benchmark {name!r}: expected one of '
                         f'{list(NTU_BENCHMARKS)}')
    dataset, rule, actions = _BENCHMARKS[name]
    if split_rule is not None:
        if name != 'ntu120_minus_60' and split_rule != rule:
            raise ValueError(f'Benchmark {name!r} has the fixed split rule '
                             f'{rule!r}, got split_rule={split_rule!r}')
        if split_rule not in _DATASET_RULES[dataset]:
            raise ValueError(
                f'Split rule {split_rule!r} is not official for {name!r}: '
                f'expected one of {list(_DATASET_RULES[dataset])}')
        rule = split_rule
    if classes is None:
        kept = tuple(actions)
    else:
        kept = tuple(int(action) for action in classes)
        outside = [action for action in kept if action not in actions]
        if outside or not kept or len(set(kept)) != len(kept):
            raise ValueError(
                f'classes of {name!r} must be distinct action ids in '
                f'{actions.start}..{actions.stop - 1}, got {list(classes)}')
    return NtuBenchmark(name=name, dataset=dataset, rule=rule, actions=kept)


# ---------------------------------------------------------------------------
# Samples with missing skeletons
# ---------------------------------------------------------------------------

DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
MISSING_SKELETON_FILES = {
    'ntu60': osp.join(DATA_DIR, 'ntu60_missing_skeletons.txt'),
    'ntu120': osp.join(DATA_DIR, 'ntu120_missing_skeletons.txt'),
}


def read_missing_skeleton_list(path: str) -> List[str]:
    """Read a list of samples with missing skeletons.

    Reads both the official format (``NTU_RGBD*_samples_with_missing_
    skeletons.txt``: a preamble of a sentence, an instruction and a blank
    line, then one name per line) and the shipped format (names only).
    Leading lines that are not sample names are taken as the preamble.

    Args:
        path (str): The list file.

    Returns:
        list[str]: The names, in file order.

    Raises:
        ValueError: If a line after the first name is not a sample name.
    """
    names: List[str] = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if _NAME_RE.fullmatch(line):
                names.append(line)
            elif line and names:
                raise ValueError(
                    f'{path}, line {lineno}: expected an NTU sample name '
                    f'such as S001C002P005R002A008, got {line!r}')
    return names


@lru_cache(maxsize=None)
def load_missing_skeletons(dataset: str = 'ntu120') -> FrozenSet[str]:
    """The official samples with missing skeletons, as shipped in fsat.

    Args:
        dataset (str): ``'ntu60'`` (302 names) or ``'ntu120'`` (535 names;
            a superset of the NTU-60 list). Defaults to ``'ntu120'``.

    Returns:
        frozenset[str]: The sample names.
    """
    if dataset not in MISSING_SKELETON_FILES:
        raise ValueError(f"Unknown NTU dataset {dataset!r}: expected 'ntu60' "
                         "or 'ntu120'")
    return frozenset(read_missing_skeleton_list(
        MISSING_SKELETON_FILES[dataset]))


# ---------------------------------------------------------------------------
# Annotation builder
# ---------------------------------------------------------------------------

# modality -> (folder under the root, entry suffix after the name, is a dir)
NTU_LAYOUT: Dict[str, Tuple[str, str, bool]] = {
    'rgb': ('nturgb+d_rgb', '_rgb.avi', False),
    'depth': ('nturgb+d_depth_masked', '', True),
    'skeleton': ('nturgb+d_skeletons', '.skeleton', False),
    'flow': ('nturgb+d_flow', '', True),
}


def scan_ntu_root(root: str) -> Dict[str, Dict[str, str]]:
    """Find the samples of every modality under a root in the real layout.

    The layout is ``nturgb+d_rgb/<name>_rgb.avi``,
    ``nturgb+d_depth_masked/<name>/`` (``MDepth-%08d.png`` frames),
    ``nturgb+d_skeletons/<name>.skeleton`` and the optional flow folder
    ``nturgb+d_flow/<name>/`` (see :data:`NTU_LAYOUT`). Missing modality
    folders are allowed; entries that are not named after a sample are
    ignored.

    Args:
        root (str): The dataset root.

    Returns:
        dict[str, dict[str, str]]: Sample name -> modality -> path.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'NTU RGB+D root {root!r} is not a folder')
    found: Dict[str, Dict[str, str]] = {}
    for modality, (folder, suffix, is_dir) in NTU_LAYOUT.items():
        folder = osp.join(root, folder)
        if not osp.isdir(folder):
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.endswith(suffix):
                    continue
                name = entry.name[:len(entry.name) - len(suffix)]
                if (_NAME_RE.fullmatch(name)
                        and entry.is_dir() == is_dir):
                    found.setdefault(name, {})[modality] = entry.path
    return found


def build_ntu_annotations(
        benchmark: str,
        root: Optional[str] = None,
        names: Optional[Iterable[str]] = None,
        split_rule: Optional[str] = None,
        classes: Optional[Sequence[int]] = None,
        required_modalities: Sequence[str] = (),
        exclude_missing_skeletons: Optional[bool] = None
) -> Dict[str, List[dict]]:
    """Build the per-split sample records of an NTU benchmark.

    Args:
        benchmark (str): Benchmark name, see :func:`get_ntu_benchmark`.
        root (str, optional): Dataset root in the layout of
            :func:`scan_ntu_root`. Defaults to None.
        names (Iterable[str], optional): Sample names to consider. Defaults
            to None: every sample found under ``root``. One of ``root`` and
            ``names`` is needed.
        split_rule (str, optional): See :func:`get_ntu_benchmark`.
        classes (Sequence[int], optional): Action ids to keep, relabelled
            in order; see :func:`get_ntu_benchmark`.
        required_modalities (Sequence[str]): Modalities (keys of
            :data:`NTU_LAYOUT`) a sample must have under ``root`` to be
            kept; not checked without a root. Defaults to ().
        exclude_missing_skeletons (bool, optional): Drop the official
            samples with missing skeletons of the benchmark's dataset.
            Defaults to None: drop them when ``'skeleton'`` is required.

    Returns:
        dict[str, list[dict]]: ``{'train': [...], 'val': [...]}``, each a
        list sorted by name of ``dict(name=str, label=int, action=int,
        paths=dict(modality=path))``; ``paths`` holds the modalities found
        under ``root`` (empty without a root).
    """
    if root is None and names is None:
        raise ValueError('build_ntu_annotations needs a root or names')
    unknown = set(required_modalities) - set(NTU_LAYOUT)
    if unknown:
        raise ValueError(f'Unknown NTU modalities {sorted(unknown)}: '
                         f'expected some of {list(NTU_LAYOUT)}')
    bench = get_ntu_benchmark(benchmark, split_rule, classes)
    found = scan_ntu_root(root) if root is not None else {}
    if exclude_missing_skeletons is None:
        exclude_missing_skeletons = 'skeleton' in required_modalities
    excluded = (
        load_missing_skeletons(bench.dataset)
        if exclude_missing_skeletons else frozenset())

    splits: Dict[str, List[dict]] = {'train': [], 'val': []}
    for name in sorted(set(found if names is None else names)):
        sample = parse_ntu_name(name)
        split = bench.split_of(sample)
        if split is None or name in excluded:
            continue
        paths = found.get(name, {})
        if root is not None and any(modality not in paths
                                    for modality in required_modalities):
            continue
        splits[split].append(
            dict(
                name=name,
                label=bench.label_of(sample),
                action=sample.action,
                paths=dict(paths)))
    return splits


# ---------------------------------------------------------------------------
# .skeleton reader
# ---------------------------------------------------------------------------

NUM_JOINTS = 25
SKELETON_BODY_FIELDS: Tuple[str, ...] = (
    'bodyID', 'clipedEdges', 'handLeftConfidence', 'handLeftState',
    'handRightConfidence', 'handRightState', 'isResticted', 'leanX', 'leanY',
    'trackingState')
SKELETON_JOINT_FIELDS: Tuple[str, ...] = (
    'x', 'y', 'z', 'depthX', 'depthY', 'colorX', 'colorY', 'orientationW',
    'orientationX', 'orientationY', 'orientationZ', 'trackingState')
_FIELD_COLUMNS = {'xyz': slice(0, 3), 'all': slice(0, 12)}


@dataclass(frozen=True)
class NtuSkeleton:
    """A parsed ``.skeleton`` file.

    Args:
        joints (np.ndarray): float32 array (M, T, 25, C); see
            :func:`read_skeleton`.
        slot_body_ids (tuple[tuple[str]]): For each of the M body slots,
            the ``bodyID`` values whose frames fill it (empty for a padding
            slot).
        num_empty_frames (int): Frames with 0 bodies.
        num_nonfinite (int): NaN or infinite values replaced by 0 (over
            all 12 joint fields of all bodies in the file).
        num_dropped_bodies (int): Tracked bodies left out because more
            than ``max_bodies`` bodies overlap in time.
    """

    joints: np.ndarray
    slot_body_ids: Tuple[Tuple[str, ...], ...]
    num_empty_frames: int
    num_nonfinite: int
    num_dropped_bodies: int


class _LineReader:
    """Reads a text file line by line with errors naming file and line."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, encoding='utf-8') as f:
            # splitlines() also removes the '\r' of CRLF files.
            self.lines = f.read().splitlines()
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        self.pos = 0

    def error(self, lineno: int, expected: str, got: str) -> ValueError:
        return ValueError(f'Malformed NTU skeleton file {self.path!r}, line '
                          f'{lineno}: expected {expected}, got {got}')

    def _got(self, lineno: int) -> str:
        if lineno > len(self.lines):
            return 'end of file (truncated file?)'
        return repr(self.lines[lineno - 1])

    def tokens(self, count: int, expected: str) -> List[str]:
        """The whitespace-split tokens of the next line, ``count`` of them.
        """
        lineno = self.pos + 1
        if lineno > len(self.lines):
            raise self.error(lineno, expected, self._got(lineno))
        tokens = self.lines[self.pos].split()
        if len(tokens) != count:
            raise self.error(lineno, expected, self._got(lineno))
        self.pos += 1
        return tokens

    def count(self, expected: str) -> int:
        """The next line as a non-negative integer."""
        token = self.tokens(1, expected)[0]
        if not token.isdigit():
            raise self.error(self.pos, expected, repr(token))
        return int(token)

    def floats(self, rows: int, cols: int, expected: str) -> np.ndarray:
        """The next ``rows`` lines as a float64 array (rows, cols)."""
        flat: List[str] = []
        for _ in range(rows):
            flat.extend(self.tokens(cols, expected))
        try:
            return np.array(flat, dtype=np.float64).reshape(rows, cols)
        except ValueError:
            for row in range(rows):
                lineno = self.pos - rows + row + 1
                try:
                    np.array(self.lines[lineno - 1].split(), np.float64)
                except ValueError:
                    raise self.error(lineno, expected,
                                     self._got(lineno)) from None
            raise

    def expect_end(self, expected: str) -> None:
        if self.pos < len(self.lines):
            raise self.error(self.pos + 1, expected, self._got(self.pos + 1))


def _parse_bodies(reader: _LineReader) -> Tuple[int, list, List[np.ndarray]]:
    """Parse the frames of a ``.skeleton`` file.

    Returns:
        tuple: The frame count, a list of ``(frame, body key)`` per body
        record and the list of its (25, 12) joint arrays. The body key is
        ``(bodyID, k)``, k counting repeats of a bodyID within a frame.
    """
    num_frames = reader.count('the frame count (one integer)')
    keys, joints = [], []
    for frame in range(num_frames):
        num_bodies = reader.count(
            f'the body count of frame {frame + 1}/{num_frames} '
            '(one integer)')
        seen: Dict[str, int] = {}
        for body in range(num_bodies):
            where = f'frame {frame + 1}, body {body + 1}'
            body_id = reader.tokens(
                len(SKELETON_BODY_FIELDS),
                f'{len(SKELETON_BODY_FIELDS)} body fields (bodyID ... '
                f'trackingState) of {where}')[0]
            num_joints = reader.count(f'the joint count of {where}')
            if num_joints != NUM_JOINTS:
                raise reader.error(reader.pos,
                                   f'joint count {NUM_JOINTS} of {where}',
                                   str(num_joints))
            joints.append(
                reader.floats(
                    NUM_JOINTS, len(SKELETON_JOINT_FIELDS),
                    f'{len(SKELETON_JOINT_FIELDS)} joint values (x y z '
                    f'depthX ... trackingState) of {where}'))
            keys.append((frame, (body_id, seen.get(body_id, 0))))
            seen[body_id] = seen.get(body_id, 0) + 1
    reader.expect_end(f'the end of the file after {num_frames} frames')
    return num_frames, keys, joints


def _activity(xyz: np.ndarray) -> float:
    """NTU's main-actor heuristic: the variances of x, y and z over all
    frames and joints of a body, added up (README FAQ)."""
    return float(xyz.reshape(-1, 3).var(axis=0).sum())


def _assign_slots(num_frames: int, keys: list, xyz: np.ndarray,
                  max_bodies: int) -> Tuple[List[List[int]], int]:
    """Assign tracked bodies to at most ``max_bodies`` output slots.

    Bodies are tracked by bodyID and taken in decreasing activity. Each
    goes to the first slot whose frames it does not overlap (so a person
    whose bodyID changes mid-sequence stays in one slot), or opens a new
    slot, or is dropped when all slots are taken.

    Returns:
        tuple[list[list[int]], int]: Per slot, the indices of the body
        records in it; and the number of dropped tracked bodies.
    """
    tracks: Dict[tuple, List[int]] = {}
    for index, (_, key) in enumerate(keys):
        tracks.setdefault(key, []).append(index)
    # Stable sort: equal activity keeps first-appearance order.
    order = sorted(tracks.values(), key=lambda idx: -_activity(xyz[idx]))
    slots: List[List[int]] = []
    occupied: List[np.ndarray] = []
    num_dropped = 0
    for track in order:
        frames = [keys[index][0] for index in track]
        for slot, used in zip(slots, occupied):
            if not used[frames].any():
                slot.extend(track)
                used[frames] = True
                break
        else:
            if len(slots) < max_bodies:
                used = np.zeros(num_frames, dtype=bool)
                used[frames] = True
                slots.append(list(track))
                occupied.append(used)
            else:
                num_dropped += 1
    return slots, num_dropped


def zero_nonfinite(array: np.ndarray) -> int:
    """Replace NaN and infinite values by 0 in place.

    Args:
        array (np.ndarray): A float array.

    Returns:
        int: How many values were replaced.
    """
    bad = ~np.isfinite(array)
    count = int(bad.sum())
    if count:
        array[bad] = 0
    return count


def parse_skeleton_file(path: str,
                        max_bodies: int = 2,
                        fields: str = 'xyz') -> NtuSkeleton:
    """Parse an NTU ``.skeleton`` file with its bookkeeping.

    Args:
        path (str): The ``.skeleton`` file.
        max_bodies (int): See :func:`read_skeleton`. Defaults to 2.
        fields (str): See :func:`read_skeleton`. Defaults to ``'xyz'``.

    Returns:
        NtuSkeleton: The joints and what the reader did to get them.
    """
    if fields not in _FIELD_COLUMNS:
        raise ValueError(f"fields must be 'xyz' or 'all', got {fields!r}")
    if max_bodies < 1:
        raise ValueError(f'max_bodies must be >= 1, got {max_bodies}')
    reader = _LineReader(path)
    num_frames, keys, records = _parse_bodies(reader)
    channels = _FIELD_COLUMNS[fields].stop
    out = np.zeros((max_bodies, num_frames, NUM_JOINTS, channels),
                   dtype=np.float32)
    frames_with_body = {frame for frame, _ in keys}
    if not records:
        return NtuSkeleton(out, ((), ) * max_bodies, num_frames, 0, 0)

    bodies = np.stack(records)  # [B, 25, 12]
    num_nonfinite = zero_nonfinite(bodies)
    slots, num_dropped = _assign_slots(num_frames, keys, bodies[..., :3],
                                       max_bodies)
    slot_ids = []
    for slot, indices in enumerate(slots):
        frames = [keys[index][0] for index in indices]
        out[slot, frames] = bodies[indices, :, :channels]
        slot_ids.append(tuple(dict.fromkeys(keys[i][1][0] for i in indices)))
    slot_ids += [()] * (max_bodies - len(slots))
    return NtuSkeleton(
        joints=out,
        slot_body_ids=tuple(slot_ids),
        num_empty_frames=num_frames - len(frames_with_body),
        num_nonfinite=num_nonfinite,
        num_dropped_bodies=num_dropped)


def read_skeleton(path: str,
                  max_bodies: int = 2,
                  fields: str = 'xyz') -> np.ndarray:
    """Read the joints of an NTU RGB+D ``.skeleton`` file.

    The grammar is the official one (``DATASETS.md`` section 1): a frame
    count, then per frame a body count, then per body a line of 10 body
    fields, a joint count (25) and 25 lines of 12 joint fields. LF and CRLF
    line endings are both read; blank lines at the end are ignored.

    Quirks of the real data and what the reader does with them:

    * **Fewer bodies than** ``max_bodies`` (the usual case): the output
      always has ``max_bodies`` slots; slots without a body are zeros.
    * **Frames with 0 bodies**: all slots are zeros in that frame.
    * **More bodies than** ``max_bodies``: bodies are tracked by
      ``bodyID`` and ranked by activity, the NTU authors' main-actor
      heuristic (variance of x, y and z over all frames and joints of the
      body, added up; README FAQ, also mmaction2's choice with std). Slots
      are filled in decreasing activity; a body that does not overlap in
      time with the bodies already in a slot joins that slot (a person
      whose bodyID changes mid-sequence stays in one slot); the least
      active overlapping bodies are dropped. Slot 0 therefore holds the
      most active body. No furniture/noise filtering is done.
    * **NaN or infinite values** are replaced by 0 and a warning gives
      their count (:func:`parse_skeleton_file` returns it).
    * **Truncated or malformed files** raise a ValueError naming the file,
      the 1-based line number and what was expected there.

    Args:
        path (str): The ``.skeleton`` file.
        max_bodies (int): Number of body slots M of the output.
            Defaults to 2.
        fields (str): ``'xyz'`` for the camera-space coordinates in metres
            (C=3) or ``'all'`` for the 12 joint fields of
            :data:`SKELETON_JOINT_FIELDS` (C=12). Defaults to ``'xyz'``.

    Returns:
        np.ndarray: float32 array (M, T, 25, C), M = ``max_bodies``, T =
        the frame count of the file, joints in Kinect v2 order.
    """
    skeleton = parse_skeleton_file(path, max_bodies, fields)
    if skeleton.num_nonfinite:
        warnings.warn(f'{path}: replaced {skeleton.num_nonfinite} NaN or '
                      'infinite skeleton values by 0')
    return skeleton.joints


# ---------------------------------------------------------------------------
# mmaction2 skeleton annotation pickle
# ---------------------------------------------------------------------------


def _drop_empty_bodies(keypoint: np.ndarray) -> np.ndarray:
    """Remove all-zero body slots, keeping at least one."""
    keep = np.abs(keypoint).reshape(len(keypoint), -1).sum(axis=1) > 0
    keep[0] = keep[0] or not keep.any()
    return keypoint[keep]


def export_pose_pkl(splits: Mapping[str, Sequence[Mapping]],
                    out_file: str,
                    max_bodies: int = 2,
                    drop_empty_bodies: bool = True) -> dict:
    """Write records as mmaction2's skeleton annotation pickle.

    The format is that of mmaction2's ``tools/data/skeleton/
    gen_ntu_rgbd_raw.py`` read by ``mmaction.datasets.PoseDataset``::

        dict(split=dict(xsub_train=[frame_dir, ...], ...),
             annotations=[dict(frame_dir=name, label=int,
                               keypoint=float32 (M, T, 25, 3),
                               total_frames=T), ...])

    so that ``PoseDataset(ann_file=out_file, split='xsub_train', ...)``
    loads it. Keypoints are stored as float32 (mmaction2 stores float16).

    Args:
        splits (Mapping[str, Sequence[Mapping]]): Split name (e.g.
            ``'xsub_train'``, see :attr:`NtuBenchmark.split_names`) ->
            records of :func:`build_ntu_annotations`, which must have a
            ``paths['skeleton']``. A sample may be in several splits (e.g.
            the splits of two benchmarks); it is read once.
        out_file (str): The ``.pkl`` file to write.
        max_bodies (int): Body slots read per sample, see
            :func:`read_skeleton`. Defaults to 2.
        drop_empty_bodies (bool): Remove all-zero body slots (keeping at
            least one), as mmaction2's generator does; its
            ``FormatGCNInput`` pads them back. Defaults to True.

    Returns:
        dict: The object written.
    """
    if not out_file.endswith('.pkl'):
        raise ValueError(f'out_file must end with .pkl (mmaction2 '
                         f'PoseDataset asserts it), got {out_file!r}')
    annotations: Dict[str, dict] = {}
    split_names: Dict[str, List[str]] = {}
    for split, records in splits.items():
        split_names[split] = []
        for record in records:
            name = record['name']
            split_names[split].append(name)
            if name in annotations:
                if annotations[name]['label'] != record['label']:
                    raise ValueError(f'Sample {name} has two labels in the '
                                     'splits to export')
                continue
            skeleton_path = record.get('paths', {}).get('skeleton')
            if skeleton_path is None:
                raise ValueError(f'Sample {name} has no skeleton path')
            keypoint = read_skeleton(skeleton_path, max_bodies)
            if drop_empty_bodies:
                keypoint = _drop_empty_bodies(keypoint)
            annotations[name] = dict(
                frame_dir=name,
                label=int(record['label']),
                keypoint=keypoint,
                total_frames=keypoint.shape[1])
    data = dict(split=split_names, annotations=list(annotations.values()))
    mmengine.dump(data, out_file)
    return data


def load_pose_pkl(ann_file: str, split: Optional[str] = None) -> List[dict]:
    """Read an mmaction2 skeleton annotation pickle back.

    Args:
        ann_file (str): The ``.pkl`` file.
        split (str, optional): Keep only the annotations of this split, as
            ``PoseDataset`` does. Defaults to None (all annotations).

    Returns:
        list[dict]: The annotations (``frame_dir``, ``label``, ``keypoint``
        (M, T, V, C), ``total_frames``, ...).
    """
    data = mmengine.load(ann_file)
    if not isinstance(data, dict) or not {'split', 'annotations'} <= set(
            data):
        raise ValueError(f'{ann_file}: expected a dict with keys "split" '
                         'and "annotations"')
    annotations = data['annotations']
    for anno in annotations:
        keypoint = np.asarray(anno.get('keypoint'))
        if keypoint.ndim != 4 or keypoint.shape[1] != anno.get(
                'total_frames'):
            raise ValueError(
                f'{ann_file}: annotation {anno.get("frame_dir")!r} needs a '
                'keypoint (M, T, V, C) with T == total_frames')
    if split is None:
        return annotations
    if split not in data['split']:
        raise KeyError(f'{ann_file}: no split {split!r}; it has '
                       f'{sorted(data["split"])}')
    members = set(data['split'][split])
    return [anno for anno in annotations if anno['frame_dir'] in members]
