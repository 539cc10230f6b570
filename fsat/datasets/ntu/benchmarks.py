# Copyright (c) fsat contributors. All rights reserved.
"""The official NTU RGB+D benchmarks and lists of samples without skeletons.

* the benchmarks as split rules (:func:`get_ntu_benchmark`):
  ``ntu60_xsub``, ``ntu60_xview``, ``ntu120_xsub``, ``ntu120_xset`` and
  ``ntu120_minus_60`` (classes 61-120 only, relabelled 0..59, with a
  cross-subject or cross-setup rule);
* the official lists of samples with missing skeletons, shipped as package
  data in ``fsat/datasets/data`` (:func:`load_missing_skeletons`).

Split names are ``'train'`` and ``'val'``; ``'val'`` is the official *test*
set of each benchmark, named as mmaction2 names it (``xsub_val``).
"""
import os.path as osp
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

from .classes import NTU120_CLASSES
from .names import _NAME_RE, NtuName, _as_ntu_name

__all__ = [
    'NTU_BENCHMARKS', 'NtuBenchmark', 'get_ntu_benchmark', 'is_train_sample',
    'read_missing_skeleton_list', 'load_missing_skeletons',
    'MISSING_SKELETON_FILES'
]

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

# The lists are package data of ``fsat/datasets`` (see setup.py).
DATA_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data')
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

