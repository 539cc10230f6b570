# Copyright (c) fsat contributors. All rights reserved.
"""The LCR-Net skeleton JSON reader of Toyota Smarthome
(:func:`read_lcrnet_json`).

Toyota Smarthome ships its skeletons (v1.2) as the output of the LCR-Net
pose detector run on every frame, ``skeletonv12/<name>_pose3d.json``::

    {"K": ..., "njts": 13,
     "frames": [                        # one entry per video frame
        [],                             # nobody detected in this frame
        [{"pose2d": [13 x, then 13 y],  # 26 floats, pixels
          "pose3d": [13 X, 13 Y, 13 Z], # 39 floats, coordinate-major
          "cumscore": 4.2}, ...],       # one dict per detection
        ...]}

Joints are in LCR-Net's order (:data:`~fsat.datasets.smarthome.
LCRNET_JOINTS`). Neither mmaction2 nor the dataset's tools read this
format into arrays with checks, hence this module.

What the reader does with the real data's quirks:

* **Several detections in a frame** (a second person, or a false positive
  on furniture): the one with the highest ``cumscore`` is kept (the earlier
  one on a tie). The dataset shows one person per clip, so one body slot.
* **Frames without a detection** stay all-zero, and their number is
  returned (:attr:`LCRNetSkeleton.num_empty_frames`). Frames keep their
  place, so paired RGB and pose stay on one timeline; bridge the gaps in
  the pipeline with :class:`~fsat.datasets.transforms.FillSkeletonGaps`
  (each empty frame takes the pose of the nearest detected frame, the
  earlier one on a tie).
* **A file where nobody is detected in any frame** (or without frames) is
  a ValueError naming the file: it has no pose to learn from. Leave such a
  sample out of the annotation (or pass ``allow_empty=True`` to get zeros).
* **Malformed files** (invalid or truncated JSON, ``njts`` other than 13,
  lists of the wrong length, non-numeric values) are a ValueError naming
  the file, and the frame and detection where relevant.
* **NaN or infinite values** (Python's JSON writer emits ``NaN``) are set
  to 0 and counted (:attr:`LCRNetSkeleton.num_nonfinite`).

Data pipelines read a sample's file more than once (the person crop of
its RGB clip, then its pose branch) and again every epoch: with
``cached=True`` (what the transforms pass) a parsed file is kept in a
per-process memory cache, bounded in bytes (``FSAT_SKELETON_CACHE_MB``,
default 256), keyed by the file's path, size and modification time (a
rewritten file is read again), and handed out with read-only arrays.
"""
import json
import math
import os
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass
from numbers import Real

import numpy as np

from .joints import LCRNET_NUM_JOINTS

__all__ = ['LCRNetSkeleton', 'count_lcrnet_frames', 'read_lcrnet_json']


@dataclass(frozen=True)
class LCRNetSkeleton:
    """A parsed LCR-Net skeleton file (one person per frame).

    Args:
        pose3d (np.ndarray): float32 [T, 13, 3], X Y Z of each joint of the
            kept detection; zeros in frames without a detection.
        pose2d (np.ndarray): float32 [T, 13, 2], image x y; zeros likewise.
        scores (np.ndarray): float32 [T], ``cumscore`` of the kept
            detection, 0 in frames without one.
        num_detections (np.ndarray): int64 [T], detections in each frame.
        num_empty_frames (int): Frames without a detection.
        num_nonfinite (int): NaN or infinite values set to 0.
    """

    pose3d: np.ndarray
    pose2d: np.ndarray
    scores: np.ndarray
    num_detections: np.ndarray
    num_empty_frames: int
    num_nonfinite: int


def _load_json(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: LCR-Net skeleton file not found')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except UnicodeDecodeError as e:
        raise ValueError(f'{path}: not an LCR-Net skeleton JSON file (byte '
                         f'{e.start} is not UTF-8)') from None
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: invalid JSON ({e.msg} at line {e.lineno} '
                         f'column {e.colno}; truncated file?)') from None
    if not isinstance(data, dict) or 'frames' not in data:
        raise ValueError(f'{path}: expected an LCR-Net skeleton object '
                         '{"K": ..., "njts": 13, "frames": [...]}, got '
                         f'{type(data).__name__}'
                         + (f' with keys {sorted(data)}'
                            if isinstance(data, dict) else ''))
    njts = data.get('njts')
    if njts != LCRNET_NUM_JOINTS:
        raise ValueError(f'{path}: "njts" is {njts!r}, expected '
                         f'{LCRNET_NUM_JOINTS} (the LCR-Net joints of '
                         'Toyota Smarthome skeleton v1.2)')
    if not isinstance(data['frames'], list):
        raise ValueError(f'{path}: "frames" must be a list (one entry per '
                         f'frame), got {type(data["frames"]).__name__}')
    return data


def count_lcrnet_frames(path: str) -> int:
    """The number of frames of an LCR-Net skeleton file.

    Args:
        path (str): The ``_pose3d.json`` file.

    Returns:
        int: ``len(frames)``, empty frames included.
    """
    return len(_load_json(path)['frames'])


# the types json.load gives numbers (bool is not one of them)
_JSON_NUMBERS = frozenset((int, float))


def _floats(values, length: int, key: str, where: str) -> np.ndarray:
    if isinstance(values, list) and len(values) == length and all(
            type(v) in _JSON_NUMBERS for v in values):
        return np.asarray(values, dtype=np.float64)
    # the general check (other Real types), and the error message
    if (not isinstance(values, list) or len(values) != length or not all(
            isinstance(v, Real) and not isinstance(v, bool)
            for v in values)):
        got = (f'{len(values)} values' if isinstance(values, list) else
               type(values).__name__)
        if isinstance(values, list) and len(values) == length:
            got = 'non-numeric values'
        raise ValueError(f'{where}: "{key}" must be {length} numbers, '
                         f'got {got}')
    return np.asarray(values, dtype=np.float64)


class _ByteLRU:
    """A least-recently-used cache bounded by the bytes of its values'
    arrays (one per process: DataLoader workers each have their own)."""

    def __init__(self) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.nbytes = 0

    @staticmethod
    def limit() -> int:
        value = os.environ.get('FSAT_SKELETON_CACHE_MB', '256')
        try:
            return int(float(value) * 2**20)
        except ValueError:
            raise ValueError('FSAT_SKELETON_CACHE_MB must be a number of '
                             f'megabytes, got {value!r}') from None

    def get(self, key):
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key, value, nbytes: int) -> None:
        limit = self.limit()
        if nbytes > limit:
            return
        self.entries[key] = (value, nbytes)
        self.nbytes += nbytes
        while self.nbytes > limit:
            _, (_, size) = self.entries.popitem(last=False)
            self.nbytes -= size

    def clear(self) -> None:
        self.entries.clear()
        self.nbytes = 0


_CACHE = _ByteLRU()


def _file_key(path: str):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return osp.abspath(path), stat.st_size, stat.st_mtime_ns


def read_lcrnet_json(path: str, allow_empty: bool = False,
                     cached: bool = False) -> LCRNetSkeleton:
    """Read a Toyota Smarthome LCR-Net skeleton file.

    See the module docstring for the format and the rules (highest
    ``cumscore`` per frame; empty frames stay zero and are counted).

    Args:
        path (str): The ``skeletonv12/<name>_pose3d.json`` file.
        allow_empty (bool): Return all-zero poses for a file without any
            detection instead of raising. Defaults to False.
        cached (bool): Keep the result in this process's memory cache and
            answer from it while the file is unchanged (module docstring);
            its arrays are then read-only (copy them before changing
            them). Defaults to False (parse the file every time).

    Returns:
        LCRNetSkeleton: Poses, scores and counts.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: Naming the file, for malformed content or (without
            ``allow_empty``) a file with no detection at all.
    """
    key = _file_key(path) if cached else None
    if key is None:
        return _read_lcrnet_json(path, allow_empty)
    hit = _CACHE.get(key)  # (skeleton, nbytes) or None
    if hit is None:
        # parsed without allow_empty's rule, which is checked per call
        skeleton = _read_lcrnet_json(path, allow_empty=True)
        arrays = (skeleton.pose3d, skeleton.pose2d, skeleton.scores,
                  skeleton.num_detections)
        for array in arrays:
            array.flags.writeable = False
        hit = (skeleton, sum(a.nbytes for a in arrays))
        _CACHE.put(key, *hit)
    skeleton = hit[0]
    if not allow_empty:
        _check_not_empty(path, skeleton.num_empty_frames,
                         len(skeleton.scores))
    return skeleton


def _check_not_empty(path: str, num_empty: int, total: int) -> None:
    if num_empty == total:
        raise ValueError(
            f'{path}: nobody is detected in any of its {total} frames'
            if total else f'{path}: the file has no frames')


def _read_lcrnet_json(path: str, allow_empty: bool) -> LCRNetSkeleton:
    frames = _load_json(path)['frames']
    T, V = len(frames), LCRNET_NUM_JOINTS
    pose3d = np.zeros((T, V, 3), dtype=np.float64)
    pose2d = np.zeros((T, V, 2), dtype=np.float64)
    scores = np.zeros(T, dtype=np.float64)
    counts = np.zeros(T, dtype=np.int64)
    for t, detections in enumerate(frames):
        if not isinstance(detections, list):
            raise ValueError(f'{path}, frame {t}: expected a list of '
                             'detections ([] when nobody is detected), got '
                             f'{type(detections).__name__}')
        best, best_score = None, -math.inf
        for d, det in enumerate(detections):
            where = f'{path}, frame {t}, detection {d}'
            if not isinstance(det, dict):
                raise ValueError(f'{where}: expected a dict with pose2d, '
                                 f'pose3d and cumscore, got '
                                 f'{type(det).__name__}')
            missing = [k for k in ('pose2d', 'pose3d', 'cumscore')
                       if k not in det]
            if missing:
                raise ValueError(f'{where}: missing {", ".join(missing)}')
            p2 = _floats(det['pose2d'], 2 * V, 'pose2d', where)
            p3 = _floats(det['pose3d'], 3 * V, 'pose3d', where)
            score = det['cumscore']
            if not isinstance(score, Real) or isinstance(score, bool):
                raise ValueError(f'{where}: "cumscore" must be a number, '
                                 f'got {score!r:.50}')
            score = float(score) if math.isfinite(score) else -math.inf
            if best is None or score > best_score:
                best, best_score = (p2, p3), score
        counts[t] = len(detections)
        if best is not None:
            # coordinate-major: [x0..x12, y0..y12(, z0..z12)] -> [V, C]
            pose2d[t] = best[0].reshape(2, V).T
            pose3d[t] = best[1].reshape(3, V).T
            scores[t] = best_score if math.isfinite(best_score) else 0.0
    num_empty = int((counts == 0).sum())
    if not allow_empty:
        _check_not_empty(path, num_empty, T)
    nonfinite = 0
    for array in (pose3d, pose2d):
        bad = ~np.isfinite(array)
        nonfinite += int(bad.sum())
        array[bad] = 0
    return LCRNetSkeleton(
        pose3d=pose3d.astype(np.float32),
        pose2d=pose2d.astype(np.float32),
        scores=scores.astype(np.float32),
        num_detections=counts,
        num_empty_frames=num_empty,
        num_nonfinite=nonfinite)
