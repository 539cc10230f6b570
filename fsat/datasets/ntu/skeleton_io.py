# Copyright (c) fsat contributors. All rights reserved.
"""The NTU RGB+D ``.skeleton`` text reader (:func:`read_skeleton`).

**Body selection.** A file lists, per frame, the bodies Kinect tracked
(often 3 or more: a second person, a passer-by, furniture taken for a
body). fsat keeps ``max_bodies`` of them with this rule:

1. *Tracks.* A body is identified by its ``bodyID`` (the k-th repeat of one
   ``bodyID`` within a frame is a track of its own), whatever its position
   in the frame's list.
2. *Ranking.* Each track gets the NTU authors' main-actor score (README
   FAQ): the population variance of x, of y and of z over all frames and
   joints of the track, added up.
3. *Slots.* Tracks go into slots in decreasing score (equal scores keep the
   order of first appearance). A track joins the first slot whose frames it
   does not overlap (a person whose ``bodyID`` changes mid-sequence stays in
   one slot), otherwise opens a new slot while fewer than ``max_bodies``
   are open, otherwise it is dropped. Slot 0 thus holds the highest score.

mmaction2 1.1's converter (``tools/data/skeleton/gen_ntu_rgbd_raw.py``,
``read_xyz``, which made its ``ntu60_3d.pkl``/``ntu120_3d.pkl``) differs in
three ways, so the two can disagree on multi-body files:

* it ignores ``bodyID``: the m-th body *listed* in a frame goes into slot m
  (m < 4; a 5th body is dropped). When the listing order changes
  mid-sequence, one mmaction2 slot holds one person, then the other;
* it scores a slot by the *standard deviation* of x, y and z (over the
  slot's frames with non-zero joints and all joints), added up, not the
  variance: a body whose x has standard deviation 2 m and whose y and z are
  still (score 4 here, 2 there) ranks above a body with standard deviation
  1 m on each axis (3 here, 3 there) in fsat and below it in mmaction2, so
  with a third body scored between them the two keep different people;
* it keeps the two highest-scored slots (of equal scores, the later slot
  first), removes the all-zero ones (M = 1 when one body) and stores
  float16; :func:`read_skeleton` always returns ``max_bodies`` slots
  (zeros when absent) as float32 (:func:`~fsat.datasets.ntu.export_pose_pkl`
  removes empty slots like mmaction2).

On files with one body, or with bodies listed in a fixed order and ranked
alike by both scores, the two give the same joints. No furniture or noise
filtering is done by either (unlike the denoising of some later works).
"""
import warnings
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

__all__ = [
    'NUM_JOINTS', 'SKELETON_BODY_FIELDS', 'SKELETON_JOINT_FIELDS',
    'NtuSkeleton', 'parse_skeleton_file', 'read_skeleton', 'zero_nonfinite'
]

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
        try:
            with open(path, encoding='utf-8') as f:
                # splitlines() also removes the '\r' of CRLF files.
                self.lines = f.read().splitlines()
        except UnicodeDecodeError as e:
            raise ValueError(
                f'Malformed NTU skeleton file {path!r}: not a text file '
                f'(byte {e.start} is not UTF-8)') from None
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

    The grammar is the official one (NTU RGB+D's
    ``Matlab/read_skeleton_file.m``): a frame count, then per frame a body
    count, then per body a line of 10 body fields, a joint count (25) and
    25 lines of 12 joint fields. LF and CRLF
    line endings are both read; blank lines at the end are ignored.

    Quirks of the real data and what the reader does with them:

    * **Fewer bodies than** ``max_bodies`` (the usual case): the output
      always has ``max_bodies`` slots; slots without a body are zeros.
    * **Frames with 0 bodies**: all slots are zeros in that frame.
    * **More bodies than** ``max_bodies``: bodies are tracked by
      ``bodyID`` and ranked by activity, the NTU authors' main-actor
      heuristic (variance of x, y and z over all frames and joints of the
      body, added up; README FAQ). Slots are filled in decreasing
      activity; a body that does not overlap in time with the bodies
      already in a slot joins that slot (a person whose bodyID changes
      mid-sequence stays in one slot); the least active overlapping bodies
      are dropped. Slot 0 therefore holds the most active body. No
      furniture/noise filtering is done. mmaction2's converter fills slots
      by list position and ranks by standard deviation instead; the module
      docstring says when the two keep different bodies.
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

