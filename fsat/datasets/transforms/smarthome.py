# Copyright (c) fsat contributors. All rights reserved.
"""Load Toyota Smarthome LCR-Net skeletons and map them to 15 joints.

A paired Smarthome skeleton pipeline is ``LoadLCRNetSkeleton ->
LCRNetTo15Joints -> FillSkeletonGaps -> CenterSkeleton(joint=14) ->
SkeletonDecode -> FormatGCNInput(num_person=1)``: the NTU pipeline with a
different loader and joint map. mmaction2 has no reader of LCR-Net JSON
files nor a joint remapping transform, hence this module.
"""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..smarthome.joints import LCRNET_NUM_JOINTS, SMARTHOME15_FROM_LCRNET
from ..smarthome.skeleton_io import read_lcrnet_json

__all__ = ['LCRNetTo15Joints', 'LoadLCRNetSkeleton', 'lcrnet_to_15_joints']

_COORDS = ('3d', '2d')


@TRANSFORMS.register_module()
class LoadLCRNetSkeleton(BaseTransform):
    """Read the whole LCR-Net skeleton sequence of ``filename``.

    One person per frame (the detection with the highest ``cumscore``);
    frames without a detection stay all-zero (bridge them with
    ``FillSkeletonGaps``); see :func:`fsat.datasets.smarthome.
    read_lcrnet_json`.

    Added keys: ``keypoint`` (float32 [1, T, 13, C], LCR-Net joint order),
    ``total_frames`` (T), ``pose_scores`` (float32 [T], 0 where empty),
    ``empty_frames`` (frames without a detection).

    Args:
        coords (str): ``'3d'`` (X Y Z, C=3) or ``'2d'`` (image x y, C=2).
            Defaults to ``'3d'``.
    """

    def __init__(self, coords: str = '3d') -> None:
        if coords not in _COORDS:
            raise ValueError(f"coords must be '3d' or '2d', got {coords!r}")
        self.coords = coords

    def transform(self, results: Dict) -> Dict:
        """Read the file."""
        # the cache's arrays are read-only: the sample gets copies
        skeleton = read_lcrnet_json(results['filename'], cached=True)
        pose = skeleton.pose3d if self.coords == '3d' else skeleton.pose2d
        results['keypoint'] = pose[None].copy()
        results['total_frames'] = pose.shape[0]
        results['pose_scores'] = skeleton.scores.copy()
        results['empty_frames'] = skeleton.num_empty_frames
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(coords={self.coords!r})'


def lcrnet_to_15_joints(keypoint: np.ndarray) -> np.ndarray:
    """Map LCR-Net's 13 joints to the 15 of the 2s-AGCN port.

    Joint k < 13 is LCR-Net joint 12 - k (the order reversed); joint 13
    (neck) is the mean of the shoulders (LCR-Net 10, 11) and joint 14
    (mid-hip) the mean of the hips (LCR-Net 4, 5). Zero (empty) frames stay
    zero.

    Args:
        keypoint (np.ndarray): [..., 13, C].

    Returns:
        np.ndarray: float32 [..., 15, C].
    """
    if keypoint.shape[-2] != LCRNET_NUM_JOINTS:
        raise ValueError(f'Expected {LCRNET_NUM_JOINTS} LCR-Net joints on '
                         f'axis -2, got shape {tuple(keypoint.shape)}')
    return np.stack(
        [keypoint[..., list(src), :].mean(axis=-2)
         for src in SMARTHOME15_FROM_LCRNET],
        axis=-2).astype(np.float32)


@TRANSFORMS.register_module()
class LCRNetTo15Joints(BaseTransform):
    """Map ``keypoint`` from LCR-Net's 13 joints to the 15-joint layout
    ``'smarthome15'`` (:func:`lcrnet_to_15_joints`).

    Required keys: ``keypoint`` ([M, T, 13, C]).
    Modified keys: ``keypoint`` ([M, T, 15, C]).
    """

    def transform(self, results: Dict) -> Dict:
        """Map the joints."""
        results['keypoint'] = lcrnet_to_15_joints(results['keypoint'])
        return results
