# Copyright (c) fsat contributors. All rights reserved.
"""NYUD2 splits: the official ``splits.mat`` and Gupta et al.'s sets.

**Official split** (``splits.mat``, MATLAB v5; :func:`read_nyud2_splits`):
``trainNdxs`` (795x1) and ``testNdxs`` (654x1), uint16, 1-based indices
into the 1,449 labeled images. They are returned 0-based (minus 1), as
int64, in file order (ascending in the real file), after checking that
every index is in range, none repeats and the two sets are disjoint. In
the real file they are disjoint and together cover all 1,449 images;
train runs from image 2 to 1439 (0-based) and test from 0 to 1448.

**Gupta et al.'s sets** (``benchmarkData/metadata/nyusplits.mat`` of the
ECCV 2014 data; :func:`read_gupta_splits`): one variable per set
(``train``, ``val``, ``test``) holding image *numbers* in Gupta's naming,
``img_%04d`` = 1-based index + 5000 (5001..6449): ``nyu-hooks``'
``getImageSet.m`` formats the stored values with ``img_%04d`` and forms
``trainval`` as ``union(train, val)``, which is what is done here (a
stored ``trainval`` is ignored). Gupta's train + val split the official
795 training images and his test is the official 654 (train/val sizes
commonly given as 381/414; not verified against the file, which is not
among the real samples). The layout (row or column vectors, integer or
double) is read tolerantly; only the values are checked.
"""
from typing import Dict, Iterable

import numpy as np

from ._files import mat_version
from .gupta import GUPTA_NUMBER_OFFSET
from .labeled import NYUD2_NUM_IMAGES

__all__ = ['NYUD2_SPLIT_KEYS', 'read_gupta_splits', 'read_nyud2_splits']

#: Returned set -> variable of ``splits.mat``.
NYUD2_SPLIT_KEYS = {'train': 'trainNdxs', 'test': 'testNdxs'}

_GUPTA_SETS = ('train', 'val', 'test')


def _load_v5(path: str, what: str, names: Iterable[str]) -> Dict:
    import scipy.io
    kind = mat_version(path, what)
    if kind != 'v5':
        found = {
            'v7.3': 'a MATLAB v7.3 (HDF5) file',
            'hdf5': 'an HDF5 file'
        }.get(kind, 'not a MAT-file')
        raise ValueError(f'{path!r} is {found}: the {what} must be a MATLAB '
                         'v5 MAT-file')
    names = list(names)
    mat = scipy.io.loadmat(path, variable_names=names)
    missing = [n for n in names if n not in mat]
    if missing:
        raise ValueError(f'{path!r} has no variable {missing[0]!r} (a {what} '
                         f'holds {", ".join(names)})')
    return mat


def _indices(path: str, var: str, values, low: int, high: int,
             shift: int) -> np.ndarray:
    """Integer values in [low, high], minus ``shift``, checked."""
    arr = np.asarray(values)
    if arr.dtype.kind not in 'iuf' or arr.size == 0:
        raise ValueError(f'{path!r}: {var!r} is not a non-empty numeric '
                         f'array (dtype {arr.dtype}, size {arr.size})')
    arr = arr.ravel()
    if arr.dtype.kind == 'f':
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f'{path!r}: {var!r} holds non-integer values')
    arr = arr.astype(np.int64)
    bad = arr[(arr < low) | (arr > high)]
    if bad.size:
        raise ValueError(f'{path!r}: {var!r} holds {bad.size} value(s) '
                         f'outside {low}..{high}, e.g. {int(bad[0])}')
    uniq, counts = np.unique(arr, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f'{path!r}: {var!r} repeats value '
                         f'{int(uniq[counts > 1][0])}')
    return arr - shift


def _check_disjoint(path: str, sets: Dict[str, np.ndarray], a: str,
                    b: str) -> None:
    common = np.intersect1d(sets[a], sets[b])
    if common.size:
        raise ValueError(f'{path!r}: {a} and {b} share {common.size} '
                         f'image(s), e.g. 0-based {int(common[0])}')


def read_nyud2_splits(
        path: str,
        num_images: int = NYUD2_NUM_IMAGES) -> Dict[str, np.ndarray]:
    """The official NYUD2 train/test split, 0-based.

    Args:
        path (str): ``splits.mat`` (MATLAB v5).
        num_images (int): Images the indices point into. Defaults to 1449.

    Returns:
        dict[str, np.ndarray]: ``'train'`` (795) and ``'test'`` (654)
        int64 0-based indices, in file order.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: For a file that is not a v5 MAT-file, a missing
            variable, an index outside 1..``num_images`` (1-based), a
            repeated index or an image in both sets; the message names the
            file.
    """
    mat = _load_v5(path, 'NYUD2 splits file', NYUD2_SPLIT_KEYS.values())
    sets = {
        name: _indices(path, var, mat[var], 1, num_images, 1)
        for name, var in NYUD2_SPLIT_KEYS.items()
    }
    _check_disjoint(path, sets, 'train', 'test')
    return sets


def read_gupta_splits(
        path: str,
        num_images: int = NYUD2_NUM_IMAGES) -> Dict[str, np.ndarray]:
    """Gupta et al.'s train/val/trainval/test sets, as 0-based indices.

    Args:
        path (str): ``nyusplits.mat``-style file (MATLAB v5) with variables
            ``train``, ``val`` and ``test`` holding image numbers
            5001..5000 + ``num_images``.
        num_images (int): Images of the labeled set. Defaults to 1449.

    Returns:
        dict[str, np.ndarray]: ``'train'``, ``'val'``, ``'test'`` (file
        order) and ``'trainval'`` (sorted union of train and val), int64
        0-based indices (image number - 5001).

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: For a file that is not a v5 MAT-file, a missing set, a
            number outside 5001..5000 + ``num_images``, a repeat or an
            image in two sets; the message names the file.
    """
    mat = _load_v5(path, 'Gupta NYUD2 splits file', _GUPTA_SETS)
    low = GUPTA_NUMBER_OFFSET
    sets = {
        name: _indices(path, name, mat[name], low, low + num_images - 1, low)
        for name in _GUPTA_SETS
    }
    _check_disjoint(path, sets, 'train', 'val')
    _check_disjoint(path, sets, 'train', 'test')
    _check_disjoint(path, sets, 'val', 'test')
    sets['trainval'] = np.union1d(sets['train'], sets['val'])
    return sets
