# Copyright (c) fsat contributors. All rights reserved.
"""Load, centre and frame-select 3D skeleton sequences.

A paired skeleton pipeline is ``LoadSkeleton -> FillSkeletonGaps ->
CenterSkeleton -> SkeletonDecode -> FormatGCNInput`` (mmaction2's, which
pads or cuts to 2 bodies and gives ``[num_clips, M, T, V, C]``).
mmaction2's ``PreNormalize3D`` drops frames without a body, which would
shift the shared timeline, so it does not belong before ``SkeletonDecode``
here; :class:`FillSkeletonGaps` bridges such frames in place instead.
"""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import PoseDecode
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..ntu import read_skeleton
from ..pku_mmd import read_pku_skeleton

#: SpineMid in the Kinect v2 joint order of NTU RGB+D and PKU-MMD.
SPINE_MID = 1


def load_skeleton_file(path: str, max_bodies: int = 2) -> np.ndarray:
    """Read a skeleton file as float32 (M, T, V, C).

    ``.skeleton``: NTU RGB+D (:func:`fsat.datasets.ntu.read_skeleton`, xyz
    in metres, ``max_bodies`` slots, most active body first); ``.txt``:
    PKU-MMD (:func:`fsat.datasets.pku_mmd.read_pku_skeleton`, 2 bodies);
    ``.npy``: an (M, T, V, C) array.
    """
    if path.endswith('.skeleton'):
        return read_skeleton(path, max_bodies=max_bodies)
    if path.endswith('.npy'):
        return np.load(path).astype(np.float32)
    return read_pku_skeleton(path)


@TRANSFORMS.register_module()
class LoadSkeleton(BaseTransform):
    """Read the whole skeleton sequence of ``filename``.

    Added keys: ``keypoint`` (float32 [M, T, V, C], T = all frames of the
    file), ``total_frames`` (T).

    Args:
        max_bodies (int): Body slots read from NTU files (the 2 most active
            bodies, as the paper keeps). Defaults to 2.
    """

    def __init__(self, max_bodies: int = 2) -> None:
        self.max_bodies = max_bodies

    def transform(self, results: Dict) -> Dict:
        """Read the file."""
        keypoint = load_skeleton_file(results['filename'], self.max_bodies)
        results['keypoint'] = keypoint
        results['total_frames'] = keypoint.shape[1]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_bodies={self.max_bodies})'


@TRANSFORMS.register_module()
class FillSkeletonGaps(BaseTransform):
    """Bridge the frames where the tracker lost a body with the nearest
    frame where it was tracked, keeping the timeline.

    Kinect loses bodies for stretches (frames with fewer bodies, which a
    reader returns as all-zero joints). Left as zeros, such a stretch
    looks to a network like a body jumping to the origin and back. Each
    body slot is filled on its own: a lost frame takes the joints of the
    nearest tracked frame of that slot (the earlier one on a tie), so the
    pose holds through the gap. Frames stay where they are, so paired
    modalities stay aligned; a slot never tracked stays zero.

    Required keys: ``keypoint`` ([M, T, V, C]).
    Modified keys: ``keypoint``. Added keys: ``filled_frames`` (frames
    filled, summed over bodies).
    """

    def transform(self, results: Dict) -> Dict:
        """Fill the gaps."""
        keypoint = results['keypoint']
        T = keypoint.shape[1]
        present = np.abs(keypoint).sum(axis=(2, 3)) > 0  # [M, T]
        filled = 0
        out = keypoint
        for m in range(keypoint.shape[0]):
            tracked = np.flatnonzero(present[m])
            if tracked.size in (0, T):
                continue
            # nearest tracked frame for every frame (earlier on a tie)
            right = np.searchsorted(tracked, np.arange(T)).clip(
                max=tracked.size - 1)
            left = (right - 1).clip(min=0)
            t = np.arange(T)
            use_left = np.abs(t - tracked[left]) <= np.abs(tracked[right] - t)
            source = np.where(use_left, tracked[left], tracked[right])
            if out is keypoint:
                out = keypoint.copy()
            out[m] = keypoint[m, source]
            filled += T - tracked.size
        results['keypoint'] = out
        results['filled_frames'] = filled
        return results


@TRANSFORMS.register_module()
class CenterSkeleton(BaseTransform):
    """Translate a sequence so the first body's SpineMid starts at 0.

    The origin is joint ``joint`` (SpineMid, index 1) of body 0 in the
    first frame where body 0 is present (the first frame of the sequence
    for NTU files, whose body slot 0 is the most active body). It is
    subtracted from every non-zero joint of every body and frame, so zero
    (absent) joints stay zero; there is no rotation or scaling (no
    augmentation, as in FSAT). Use it before :class:`SkeletonDecode` so
    every clip of a video shares one origin.

    Required keys: ``keypoint`` ([M, T, V, C], xyz first).
    Modified keys: ``keypoint``. Added keys: ``body_center`` (the origin).

    Args:
        joint (int): Joint index of the origin. Defaults to 1 (SpineMid).
    """

    def __init__(self, joint: int = SPINE_MID) -> None:
        self.joint = joint

    def transform(self, results: Dict) -> Dict:
        """Subtract the origin."""
        keypoint = results['keypoint']  # [M, T, V, C]
        present = np.flatnonzero(np.abs(keypoint[0]).sum(axis=(1, 2)) > 0)
        if present.size == 0:
            results['body_center'] = np.zeros(3, dtype=np.float32)
            return results
        center = keypoint[0, present[0], self.joint, :3].copy()
        mask = np.abs(keypoint).sum(axis=-1, keepdims=True) > 0
        shifted = keypoint.copy()
        shifted[..., :3] -= center
        results['keypoint'] = np.where(mask, shifted, 0).astype(np.float32)
        results['body_center'] = center
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(joint={self.joint})'


@TRANSFORMS.register_module()
class SkeletonDecode(PoseDecode):
    """mmaction2's ``PoseDecode`` where index -1 gives an all-zero frame.

    :class:`PairedSampleFrames` marks the zero padding of a short sequence
    (``sampling=dict(mode='sequence', pad='zero')``) with index -1.

    Required keys: ``keypoint`` ([M, T, V, C]), ``frame_inds``.
    Modified keys: ``keypoint`` ([M, len(frame_inds), V, C]).
    """

    @staticmethod
    def _load_kp(kp: np.ndarray, frame_inds: np.ndarray) -> np.ndarray:
        out = kp[:, np.maximum(frame_inds, 0)].astype(np.float32)
        out[:, frame_inds < 0] = 0
        return out
