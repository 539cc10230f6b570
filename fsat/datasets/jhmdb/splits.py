# Copyright (c) fsat contributors. All rights reserved.
"""The official JHMDB splits: ``splits/`` and the full-body ``sub_splits/``.

Each of the 3 splits is one text file per class,
``splits/<class>_test_split<k>.txt`` (``sub_splits/<class>_test_split_<k>
.txt``, with an extra underscore, for the full-body subset), whose lines are
``<video>.avi <1|2>``: 1 puts the video in the training set, 2 in the test
set. HMDB51, whose split files JHMDB's follow, also uses 0 for "not in this
split"; such lines are tolerated (left out, counted and logged), none is
known in JHMDB's files.
"""
import logging
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from mmengine.logging import print_log

from .classes import JHMDB_CLASSES

__all__ = [
    'JHMDB_NUM_SPLITS', 'JHMDB_SUBSETS', 'jhmdb_split_path',
    'load_jhmdb_split', 'read_split_file'
]

JHMDB_NUM_SPLITS = 3
#: Subset names by the number in the split files.
JHMDB_SUBSETS: Dict[str, str] = {'1': 'train', '2': 'test'}
_UNUSED = '0'


def jhmdb_split_path(root: str,
                     class_name: str,
                     split: int = 1,
                     sub_split: bool = False) -> str:
    """The path of one class's split file.

    Args:
        root (str): The dataset root (holding ``splits/``).
        class_name (str): The class folder name.
        split (int): 1, 2 or 3. Defaults to 1.
        sub_split (bool): The full-body subset's file under
            ``sub_splits/`` instead. Defaults to False.

    Returns:
        str: ``<root>/splits/<class>_test_split<k>.txt`` or
        ``<root>/sub_splits/<class>_test_split_<k>.txt``.
    """
    if split not in range(1, JHMDB_NUM_SPLITS + 1):
        raise ValueError(f'JHMDB split must be 1, 2 or 3, got {split!r}')
    if sub_split:
        return osp.join(root, 'sub_splits',
                        f'{class_name}_test_split_{split}.txt')
    return osp.join(root, 'splits', f'{class_name}_test_split{split}.txt')


def read_split_file(path: str) -> Dict[str, str]:
    """Read one class's split file.

    Blank lines, surrounding spaces and CRLF line ends are tolerated, so is
    a name without ``.avi``. Lines marked 0 (HMDB51's "unused") are left
    out and their count is logged.

    Args:
        path (str): A ``<class>_test_split<k>.txt`` file.

    Returns:
        dict[str, str]: Video name (without ``.avi``) -> ``'train'`` or
        ``'test'``, in file order.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: Naming the file and the 1-based line of a line that is
            not ``<video>.avi <1|2>``, or of a video listed twice.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'JHMDB split file {path!r} does not exist')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        lineno = data[:e.start].count(b'\n') + 1
        raise ValueError(f'JHMDB split file {path!r}, line {lineno}: not '
                         'UTF-8 text; is it a binary file?') from None
    subsets: Dict[str, str] = {}
    first_line: Dict[str, int] = {}
    num_unused = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 2 or tokens[1] not in (*JHMDB_SUBSETS, _UNUSED):
            raise ValueError(
                f'Malformed JHMDB split file {path!r}, line {lineno}: '
                f'expected "<video>.avi <1|2>", got {line.strip()!r:.80}')
        name = tokens[0]
        if name.endswith('.avi'):
            name = name[:-len('.avi')]
        if not name:
            raise ValueError(f'Malformed JHMDB split file {path!r}, line '
                             f'{lineno}: empty video name')
        if name in first_line:
            raise ValueError(
                f'Malformed JHMDB split file {path!r}, line {lineno}: video '
                f'{name!r} is already listed on line {first_line[name]}')
        first_line[name] = lineno
        if tokens[1] == _UNUSED:
            num_unused += 1
            continue
        subsets[name] = JHMDB_SUBSETS[tokens[1]]
    if num_unused:
        print_log(
            f'JHMDB split file {path}: left out {num_unused} video(s) '
            'marked 0 (not in this split)',
            logger='current',
            level=logging.WARNING)
    return subsets


def load_jhmdb_split(
        root: str,
        split: int = 1,
        sub_split: bool = False,
        classes: Optional[Sequence[str]] = None) -> Dict[Tuple[str, str], str]:
    """Read the split files of all classes.

    Args:
        root (str): The dataset root (holding ``splits/`` or
            ``sub_splits/``).
        split (int): 1, 2 or 3. Defaults to 1.
        sub_split (bool): Read the full-body subset under ``sub_splits/``.
            The subset covers only clips with the whole body visible, in
            some of the classes (which class files ship is unverified), so
            classes without a file are skipped (their count is logged).
            Defaults to False.
        classes (Sequence[str], optional): Class names. Defaults to
            :data:`JHMDB_CLASSES`.

    Returns:
        dict[tuple[str, str], str]: ``(class, video)`` -> ``'train'`` or
        ``'test'``.

    Raises:
        FileNotFoundError: Naming the missing file: any class's file of
            ``splits/``, or every class's file of ``sub_splits/``.
        ValueError: From :func:`read_split_file`, or for a video listed by
            two classes.
    """
    classes = JHMDB_CLASSES if classes is None else tuple(classes)
    result: Dict[Tuple[str, str], str] = {}
    owner: Dict[str, str] = {}
    missing = []
    for class_name in classes:
        path = jhmdb_split_path(root, class_name, split, sub_split)
        if sub_split and not osp.isfile(path):
            missing.append(class_name)
            continue
        for video, subset in read_split_file(path).items():
            if video in owner:
                raise ValueError(
                    f'JHMDB split file {path!r}: video {video!r} is also '
                    f'listed for class {owner[video]!r}')
            owner[video] = class_name
            result[(class_name, video)] = subset
    if missing and len(missing) == len(classes):
        raise FileNotFoundError(
            'No JHMDB sub-split file found: expected e.g. ' +
            repr(jhmdb_split_path(root, classes[0], split, sub_split)))
    if missing:
        print_log(
            f'JHMDB sub_splits (split {split}) under {root}: no file for '
            f'{len(missing)} class(es) ({", ".join(missing)}); they are '
            'not in the full-body subset',
            logger='current',
            level=logging.INFO)
    return result
