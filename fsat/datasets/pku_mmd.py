# Copyright (c) fsat contributors. All rights reserved.
"""Annotation layer of PKU-MMD (phase 1 layout, also phase-2 style ids).

Readers of the dataset's real files (the official release's text formats):

* skeleton text files, one frame per line of 150 floats
  (:func:`read_pku_skeleton`);
* label files, lines ``action_id,start_frame,end_frame,confidence``
  (:func:`read_pku_labels`);
* official split files (:func:`read_pku_split`);
* a folder scanner (:func:`scan_pku_mmd`) giving untrimmed videos with
  their instances (detection) and the flattened trimmed instances
  (classification, :func:`trimmed_instances`).

**Frame indices.** The official documentation does not say whether label
frames are 0- or 1-based nor whether the end frame is included
(``ECHO960/PKU-MMD`` issue #11). Public loaders slice ``frames[start:end]``
and report a minimum start of 0, and the official evaluator measures
overlap on the raw numbers as continuous intervals. fsat therefore reads
them, by default, as 0-based frame indices with an *exclusive* end, i.e.
unchanged: an instance covers ``skeleton[:, start:end]``. The
``frame_base`` and ``inclusive_end`` arguments re-interpret the file; the
returned ``start``/``end`` are always 0-based with an exclusive end.
"""
import os.path as osp
import re
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .ntu import zero_nonfinite

PKU_MMD_CLASSES: Tuple[str, ...] = (
    'bow',
    'brushing hair',
    'brushing teeth',
    'check time (from watch)',
    'cheer up',
    'clapping',
    'cross hands in front (say stop)',
    'drink water',
    'drop',
    'eat meal/snack',
    'falling',
    'giving something to other person',
    'hand waving',
    'handshaking',
    'hopping (one foot jumping)',
    'hugging other person',
    'jump up',
    'kicking other person',
    'kicking something',
    'make a phone call/answer phone',
    'pat on back of other person',
    'pickup',
    'playing with phone/tablet',
    'point finger at the other person',
    'pointing to something with finger',
    'punching/slapping other person',
    'pushing other person',
    'put on a hat/cap',
    'put something inside pocket',
    'reading',
    'rub two hands together',
    'salute',
    'sitting down',
    'standing up',
    'take off a hat/cap',
    'take off glasses',
    'take off jacket',
    'take out something from pocket',
    'taking a selfie',
    'tear up paper',
    'throw',
    'touch back (backache)',
    'touch chest (stomachache/heart pain)',
    'touch head (headache)',
    'touch neck (neckache)',
    'typing on a keyboard',
    'use a fan (with hand or paper)/feeling warm',
    'wear jacket',
    'wear on glasses',
    'wipe face',
    'writing',
)

PKU_NUM_BODIES = 2
PKU_NUM_JOINTS = 25
_VALUES_PER_LINE = PKU_NUM_BODIES * PKU_NUM_JOINTS * 3

# modality -> path of a video's file or folder, relative to the root
PKU_MMD_LAYOUT: Dict[str, str] = {
    'skeleton': 'Data/PKU_Skeleton_Renew/{}.txt',
    'rgb': 'Data/RGB_VIDEO/{}.avi',
    # Folder of depth PNGs: fsat's choice, the official layout is
    # unverified.
    'depth': 'Data/DEPTH/{}',
    'label': 'Label/Train_Label_PKU_final/{}.txt',
}
PKU_MMD_SPLIT_FILES: Dict[str, str] = {
    'cross-subject': 'Split/cross-subject.txt',
    'cross-view': 'Split/cross-view.txt',
}


# ---------------------------------------------------------------------------
# Skeletons
# ---------------------------------------------------------------------------


def read_pku_skeleton(path: str) -> np.ndarray:
    """Read a PKU-MMD skeleton file.

    Each line is one frame of 150 values: body 1's 25 joints (x y z each,
    NTU/Kinect v2 joint order), then body 2's, all zeros when there is one
    person. Values may be separated by any whitespace, with leading or
    trailing spaces; blank lines at the end are ignored. NaN or infinite
    values are replaced by 0 with a warning.

    Args:
        path (str): The skeleton ``.txt`` file.

    Returns:
        np.ndarray: float32 array (2, T, 25, 3), T = number of lines.

    Raises:
        ValueError: Naming the file and the 1-based line of a line without
            150 numbers.
    """
    lines = _read_text(path, 'PKU-MMD skeleton file').splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(f'PKU-MMD skeleton file {path!r} has no frames '
                         '(empty file)')
    flat: List[str] = []
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if len(tokens) != _VALUES_PER_LINE:
            raise ValueError(
                f'Malformed PKU-MMD skeleton file {path!r}, line {lineno}: '
                f'expected {_VALUES_PER_LINE} values (2 bodies x 25 joints '
                f'x xyz), got {len(tokens)}')
        flat.extend(tokens)
    try:
        values = np.array(flat, dtype=np.float32)
    except ValueError:
        lineno = next(i for i, line in enumerate(lines, start=1)
                      if not _all_floats(line))
        tokens = lines[lineno - 1].split()
        column = next(i for i, token in enumerate(tokens, start=1)
                      if not _all_floats(token))
        raise ValueError(f'Malformed PKU-MMD skeleton file {path!r}, line '
                         f'{lineno}: expected numbers, got '
                         f'{tokens[column - 1]!r:.40} as value {column}'
                         ) from None
    count = zero_nonfinite(values)
    if count:
        warnings.warn(f'{path}: replaced {count} NaN or infinite skeleton '
                      'values by 0')
    # [T, M, V, C] -> [M, T, V, C]
    return values.reshape(len(lines), PKU_NUM_BODIES, PKU_NUM_JOINTS,
                          3).transpose(1, 0, 2, 3).copy()


def _read_text(path: str, what: str) -> str:
    """A text file's contents; not UTF-8 is one line naming the file and
    the line of the first bad byte."""
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as e:
        lineno = data[:e.start].count(b'\n') + 1
        raise ValueError(f'{what} {path!r}, line {lineno}: not UTF-8 text '
                         f'(byte 0x{data[e.start]:02x}); is it a binary '
                         'file?') from None


def _all_floats(line: str) -> bool:
    try:
        np.array(line.split(), dtype=np.float32)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PkuInstance:
    """One labelled action instance of an untrimmed PKU-MMD video.

    Args:
        action (int): Action id as in the file, 1-based (1..51).
        start (int): First frame, 0-based.
        end (int): End frame, 0-based, exclusive.
        confidence (int): 1 (slight) or 2 (strong), as in the file.
    """

    action: int
    start: int
    end: int
    confidence: int

    @property
    def label(self) -> int:
        """int: The 0-based label, ``action - 1``."""
        return self.action - 1


def read_pku_labels(path: str,
                    num_classes: int = len(PKU_MMD_CLASSES),
                    frame_base: int = 0,
                    inclusive_end: bool = False) -> List[PkuInstance]:
    """Read a PKU-MMD label file.

    Lines are ``action_id,start_frame,end_frame,confidence`` (spaces around
    the commas and blank lines are tolerated). A line with start > end has
    its two frames swapped; one warning per file gives the count.

    Args:
        path (str): The label ``.txt`` file.
        num_classes (int): Valid action ids are ``1..num_classes``.
            Defaults to 51.
        frame_base (int): Index of the first frame in the file's numbering
            (0 or 1). Defaults to 0 (see the module docstring).
        inclusive_end (bool): Whether the file's end frame belongs to the
            instance. Defaults to False (see the module docstring).

    Returns:
        list[PkuInstance]: The instances in file order, with 0-based
        ``start`` and exclusive ``end``.

    Raises:
        ValueError: Naming the file and line of a line that is not four
            integers, or of an action id outside ``1..num_classes``.
    """
    instances: List[PkuInstance] = []
    swapped = []
    text = _read_text(path, 'PKU-MMD label file')
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f'PKU-MMD label file {path!r}, line {lineno}'
        values = line.strip().rstrip(',').split(',')
        try:
            action, start, end, confidence = (int(v) for v in values)
        except ValueError:
            raise ValueError(
                f'Malformed {where}: expected '
                f'"action_id,start_frame,end_frame,confidence" (four '
                f'integers), got {line.strip()!r:.80}') from None
        if not 1 <= action <= num_classes:
            raise ValueError(
                f'Unknown action class {action} in {where}: expected '
                f'1..{num_classes}')
        if min(start, end) < 0:
            raise ValueError(f'Negative frame in {where}: '
                             f'{line.strip()!r:.80}')
        if confidence not in (1, 2):
            raise ValueError(
                f'Unknown confidence {confidence} in {where}: expected '
                '1 (slight) or 2 (strong)')
        if start > end:
            swapped.append(lineno)
            start, end = end, start
        instances.append(
            PkuInstance(
                action=action,
                start=start - frame_base,
                end=end - frame_base + int(inclusive_end),
                confidence=confidence))
    if swapped:
        warnings.warn(f'{path}: swapped start > end frames in '
                      f'{len(swapped)} instance(s), lines {swapped}')
    return instances


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------

# 'Validataion' (sic) is the official spelling; accept the correct one too.
_SPLIT_HEADER_RE = re.compile(
    r'\s*(training|validation|validataion|test(?:ing)?)\s+videos\s*:(.*)',
    re.IGNORECASE)


def read_pku_split(path: str) -> Dict[str, List[str]]:
    """Read an official PKU-MMD split file.

    The file holds a ``Training videos: `` line, a line of video ids joined
    by ``", "`` (possibly ending with a comma), a ``Validataion videos: ``
    line (sic) and a line of ids. Missing trailing commas, extra
    whitespace, ids on the header line and ids over several lines are
    tolerated.

    Args:
        path (str): The split file, e.g. ``Split/cross-subject.txt``.

    Returns:
        dict[str, list[str]]: ``{'train': ids, 'val': ids}`` in file order.
        The official README calls the second set "validation"; most papers
        use it as the test set.

    Raises:
        ValueError: Naming the file for an empty file, ids before the first
            header, a missing or repeated section, or an empty training
            set.
    """
    splits: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    text = _read_text(path, 'PKU-MMD split file')
    if text:
        for lineno, line in enumerate(text.splitlines(True), start=1):
            match = _SPLIT_HEADER_RE.match(line)
            if match:
                key = 'train' if match.group(1).lower() == 'training' \
                    else 'val'
                if key in splits:
                    raise ValueError(f'PKU-MMD split file {path!r}, line '
                                     f'{lineno}: second {key} header')
                current = splits[key] = []
                line = match.group(2)
            ids = [token.strip() for token in line.split(',')]
            ids = [token for token in ids if token]
            if ids and current is None:
                raise ValueError(
                    f'PKU-MMD split file {path!r}, line {lineno}: expected '
                    f'the "Training videos:" header, got {line.strip()!r}')
            if current is not None:
                current.extend(ids)
    if not splits:
        raise ValueError(f'PKU-MMD split file {path!r} is empty or has no '
                         '"Training videos:" / "Validataion videos:" header')
    missing = {'train', 'val'} - set(splits)
    if missing or not splits['train']:
        raise ValueError(f'PKU-MMD split file {path!r}: expected non-empty '
                         'training and a validation section')
    return {'train': splits['train'], 'val': splits['val']}


# ---------------------------------------------------------------------------
# Videos, trimmed instances and the folder scanner
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PkuVideo:
    """An untrimmed PKU-MMD video with its instances (for detection).

    Args:
        video_id (str): E.g. ``'0002-L'`` (phase 1) or ``'A10N08-L'``.
        paths (dict[str, str]): Modality (key of :data:`PKU_MMD_LAYOUT`)
            -> path, for the modalities found.
        instances (tuple[PkuInstance]): Labelled instances, empty without
            a label file.
    """

    video_id: str
    paths: Dict[str, str] = field(default_factory=dict)
    instances: Tuple[PkuInstance, ...] = ()


class PkuClip(NamedTuple):
    """A trimmed instance for classification: frames ``[start, end)``."""

    video_id: str
    label: int
    start: int
    end: int


def trimmed_instances(videos: Sequence[PkuVideo]) -> List[PkuClip]:
    """Flatten untrimmed videos into trimmed classification instances.

    Args:
        videos (Sequence[PkuVideo]): Videos with instances.

    Returns:
        list[PkuClip]: ``(video_id, label, start, end)`` with a 0-based
        label, a 0-based start and an exclusive end, in video order.
    """
    return [
        PkuClip(video.video_id, instance.label, instance.start, instance.end)
        for video in videos for instance in video.instances
    ]


def _find_paths(root: str, video_id: str) -> Dict[str, str]:
    paths = {}
    for modality, template in PKU_MMD_LAYOUT.items():
        path = osp.join(root, template.format(video_id))
        exists = osp.isdir(path) if modality == 'depth' else osp.isfile(path)
        if exists:
            paths[modality] = path
    return paths


def scan_pku_mmd(root: str,
                 protocol: str = 'cross-subject',
                 required_modalities: Sequence[str] = ('skeleton', 'label'),
                 num_classes: int = len(PKU_MMD_CLASSES),
                 frame_base: int = 0,
                 inclusive_end: bool = False) -> Dict[str, List[PkuVideo]]:
    """Read the videos of an official PKU-MMD split from a dataset root.

    The layout is ``Data/PKU_Skeleton_Renew/<id>.txt``,
    ``Data/RGB_VIDEO/<id>.avi``, ``Data/DEPTH/<id>/`` (depth PNG folders;
    fsat's choice), ``Label/Train_Label_PKU_final/<id>.txt`` and
    ``Split/cross-subject.txt`` / ``Split/cross-view.txt``.

    Args:
        root (str): The dataset root (the folder holding ``Data``).
        protocol (str): ``'cross-subject'`` or ``'cross-view'``.
            Defaults to ``'cross-subject'``.
        required_modalities (Sequence[str]): Modalities a video must have to
            be kept; videos of the split file without them are skipped with
            one warning giving the count. Defaults to
            ``('skeleton', 'label')``.
        num_classes (int): See :func:`read_pku_labels`. Defaults to 51.
        frame_base (int): See :func:`read_pku_labels`. Defaults to 0.
        inclusive_end (bool): See :func:`read_pku_labels`.
            Defaults to False.

    Returns:
        dict[str, list[PkuVideo]]: ``{'train': [...], 'val': [...]}`` in
        split-file order.
    """
    if protocol not in PKU_MMD_SPLIT_FILES:
        raise ValueError(f'Unknown PKU-MMD protocol {protocol!r}: expected '
                         f'one of {list(PKU_MMD_SPLIT_FILES)}')
    unknown = set(required_modalities) - set(PKU_MMD_LAYOUT)
    if unknown:
        raise ValueError(f'Unknown PKU-MMD modalities {sorted(unknown)}: '
                         f'expected some of {list(PKU_MMD_LAYOUT)}')
    split_ids = read_pku_split(osp.join(root, PKU_MMD_SPLIT_FILES[protocol]))
    result: Dict[str, List[PkuVideo]] = {}
    skipped = []
    for split, video_ids in split_ids.items():
        result[split] = []
        for video_id in video_ids:
            paths = _find_paths(root, video_id)
            if any(modality not in paths
                   for modality in required_modalities):
                skipped.append(video_id)
                continue
            instances = ()
            if 'label' in paths:
                instances = tuple(
                    read_pku_labels(paths['label'], num_classes, frame_base,
                                    inclusive_end))
            result[split].append(PkuVideo(video_id, paths, instances))
    if skipped:
        warnings.warn(f'{root}: skipped {len(skipped)} video(s) of the '
                      f'{protocol} split without {list(required_modalities)}'
                      f', e.g. {skipped[:3]}')
    return result


def untrimmed_sequences(videos: Sequence[PkuVideo]) -> List[dict]:
    """Detection records of untrimmed videos.

    Args:
        videos (Sequence[PkuVideo]): Videos with instances.

    Returns:
        list[dict]: ``dict(video_id, paths, segments, labels, confidences)``
        per video; ``segments`` is a list of ``[start, end)`` frame pairs
        and ``labels`` the 0-based labels, in the label file's order.
    """
    return [
        dict(
            video_id=video.video_id,
            paths=dict(video.paths),
            segments=[[inst.start, inst.end] for inst in video.instances],
            labels=[inst.label for inst in video.instances],
            confidences=[inst.confidence for inst in video.instances])
        for video in videos
    ]
