# Copyright (c) fsat contributors. All rights reserved.
"""Crop Toyota Smarthome RGB frames to the person found by the pose.

Smarthome's wall cameras film the whole room: the person covers a few
percent of the pixels and the hand a few pixels. Networks of the VPN family
on Smarthome read person crops: the box of the person's 2-D joints in the
clip's frames. mmaction2 has no crop driven by another modality's file,
hence :class:`LCRNetPersonCrop`, which reads the sample's LCR-Net skeleton
file next to its video (the dataset's layout: ``mp4/<name>.mp4`` and
``skeletonv12/<name>_pose3d.json``).
"""
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..smarthome.protocols import smarthome_path
from ..smarthome.skeleton_io import read_lcrnet_json

__all__ = ['LCRNetPersonCrop', 'person_box']


def person_box(pose2d: np.ndarray, detected: np.ndarray,
               image_size: Tuple[int, int],
               margin: float) -> Optional[Tuple[int, int, int, int]]:
    """The square box around every detected joint, enlarged, in the image.

    Args:
        pose2d (np.ndarray): [T, J, 2] image x y of the joints.
        detected (np.ndarray): bool [T], frames with a detection.
        image_size (tuple[int, int]): ``(height, width)`` of the frames.
        margin (float): Added on every side, as a fraction of the box's
            longer side.

    Returns:
        tuple | None: ``(x0, y0, x1, y1)`` (pixels, ``x1``/``y1``
        exclusive): a square of side ``(1 + 2 * margin) * max(box w, box
        h)`` (at least 2 pixels, at most the image's shorter side) centred
        on the box and shifted inside the image; None without any detected
        joint.
    """
    joints = pose2d[detected].reshape(-1, 2)
    if not len(joints):
        return None
    height, width = image_size
    (x_min, y_min), (x_max, y_max) = joints.min(0), joints.max(0)
    side = (1 + 2 * margin) * max(x_max - x_min, y_max - y_min)
    side = int(round(min(max(side, 2.0), height, width)))
    cx, cy = (x_min + x_max) / 2, (y_min + y_max) / 2
    x0 = int(round(cx - side / 2))
    y0 = int(round(cy - side / 2))
    x0 = min(max(x0, 0), width - side)
    y0 = min(max(y0, 0), height - side)
    return x0, y0, x0 + side, y0 + side


@TRANSFORMS.register_module()
class LCRNetPersonCrop(BaseTransform):
    """Crop decoded RGB frames to the person of the LCR-Net skeleton file.

    Place it right after the decoder (``DecordDecode``): the 2-D joints are
    pixels of the original video. The box (:func:`person_box`) covers the
    joints of the clip's frames (``frame_inds``) that have a detection, or
    of every detected frame of the video when the clip has none; a video
    whose skeleton file has no detection at all keeps its whole frames. The
    skeleton file is ``skeletonv12/<video_id>_pose3d.json`` in the folder
    above the video's (Smarthome's layout).

    Added / changed keys: ``imgs`` (cropped), ``img_shape``,
    ``person_box`` (``(x0, y0, x1, y1)`` or None).

    Args:
        margin (float): Added on every side of the joints' box, as a
            fraction of its longer side. Defaults to 0.15.
        on_missing (str): A video without a skeleton file: ``'error'``
            (raise, naming it) or ``'keep'`` (whole frames; the released
            Smarthome poses do not cover every video). Defaults to
            ``'error'``.
    """

    def __init__(self, margin: float = 0.15,
                 on_missing: str = 'error') -> None:
        if not margin >= 0:
            raise ValueError(f'margin must be >= 0, got {margin!r}')
        if on_missing not in ('error', 'keep'):
            raise ValueError("on_missing must be 'error' or 'keep', got "
                             f'{on_missing!r}')
        self.margin = margin
        self.on_missing = on_missing

    def transform(self, results: Dict) -> Dict:
        """Crop ``results['imgs']``."""
        imgs = results['imgs']
        root = osp.dirname(osp.dirname(results['filename']))
        path = smarthome_path(root, 'skeleton', results['video_id'])
        if not osp.isfile(path):
            if self.on_missing == 'keep':
                results['person_box'] = None
                return results
            raise FileNotFoundError(
                f'LCRNetPersonCrop: no skeleton file for '
                f"{results['video_id']}: {path}")
        # cached: the sample's pose branch reads the same file next
        skeleton = read_lcrnet_json(path, allow_empty=True, cached=True)
        detected = skeleton.scores > 0
        total = len(detected)
        inds = np.clip(np.asarray(results['frame_inds']).reshape(-1), 0,
                       max(total - 1, 0)) if total else np.zeros(0, int)
        in_clip = np.zeros(total, bool)
        in_clip[inds] = True
        size = imgs[0].shape[:2]
        box = person_box(skeleton.pose2d, detected & in_clip, size,
                         self.margin)
        if box is None:
            box = person_box(skeleton.pose2d, detected, size, self.margin)
        results['person_box'] = box
        if box is not None:
            x0, y0, x1, y1 = box
            results['imgs'] = [img[y0:y1, x0:x1] for img in imgs]
            results['img_shape'] = (y1 - y0, x1 - x0)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(margin={self.margin}, '
                f'on_missing={self.on_missing!r})')
