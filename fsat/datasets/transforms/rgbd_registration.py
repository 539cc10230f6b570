# Copyright (c) fsat contributors. All rights reserved.
"""Register an NTU RGB+D video's colour and depth frames (Garcia et al.,
ECCV 2018, supplementary Sec. 2): crop each to the part of the scene both
cameras see, so that their feature maps line up for the hallucination
network's multiplicative connections.

mmaction2 reads NTU's modalities separately and has no registration of
the Kinect's two cameras; the geometry is
:func:`fsat.datasets.ntu.rgbd_alignment.rgbd_alignment`, from the joints
that the ``.skeleton`` file gives in both images.
"""
import functools
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..ntu.rgbd_alignment import rgbd_alignment
from ..ntu.skeleton_io import read_skeleton

#: The Kinect v2 frames the joints' colour / depth pixels refer to.
NTU_COLOR_SIZE = (1920, 1080)
NTU_DEPTH_SIZE = (512, 424)


@functools.lru_cache(maxsize=512)
def ntu_registration(path: str, body: int = 0) -> dict:
    """The colour/depth geometry of one ``.skeleton`` file, cached per
    process: the RGB and the depth pipeline of a sample read the same file,
    and it is parsed once for both."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no skeleton file to register the colour and depth '
            f'frames of {osp.basename(path)[:-len(".skeleton")]} (NTU lists '
            'the videos without one: set ntu=dict(..., '
            'exclude_missing_skeletons=True))')
    joints = read_skeleton(path, max_bodies=body + 1,
                           fields='all')[body]  # [T, 25, 12]
    present = np.abs(joints[..., :3]).sum(-1) > 0
    tracked = (joints[..., 11] == 2) & present
    return rgbd_alignment(
        joints[..., 5:7], joints[..., 3:5], NTU_COLOR_SIZE, NTU_DEPTH_SIZE,
        tracked=tracked, where=path)


@TRANSFORMS.register_module()
class NTURegistrationCrop(BaseTransform):
    """Crop an NTU video's RGB or depth frames to the registered common
    box of the two cameras.

    For each video the skeleton file ``<skeleton_root>/<video_id>.skeleton``
    gives every joint in the colour image (``colorX, colorY``) and in the
    depth image (``depthX, depthY``); the scale between the two cameras is
    the mean of the median x and y ratios of joint pairs, the translation
    the median offset, and the intersection of the two frames is cropped
    in both (:func:`~fsat.datasets.ntu.rgbd_alignment.rgbd_alignment`; on
    the real S001C001P001R001A001 the joints reproject within 0.67 px).
    The RGB pipeline and the depth pipeline each hold one of these
    transforms, with ``modality`` set to their own: both read the same
    file and crop the same part of the scene. Resize both to the
    network's input afterwards.

    RGB videos transcoded to a smaller size are handled: the colour box is
    scaled from the 1920x1080 the joints refer to to the decoded frame.
    The geometry of a video is computed once per worker for both
    modalities (:func:`ntu_registration`, which keeps the last 512
    videos).

    Required keys: ``imgs``, ``video_id``. Modified keys: ``imgs``,
    ``img_shape``. Added keys: ``registration`` (the scale, offset and
    boxes).

    Args:
        modality (str): ``'rgb'`` or ``'depth'``: which frames these are.
        skeleton_root (str): The folder of ``.skeleton`` files
            (``nturgb+d_skeletons``).
        body (int): The body slot whose joints register (0: the most
            active body). Defaults to 0.
    """

    def __init__(self,
                 modality: str,
                 skeleton_root: str,
                 body: int = 0) -> None:
        if modality not in ('rgb', 'depth'):
            raise ValueError(f"NTURegistrationCrop: modality must be 'rgb' "
                             f"or 'depth', got {modality!r}")
        if not isinstance(skeleton_root, str) or not skeleton_root:
            raise ValueError('NTURegistrationCrop: skeleton_root must be the '
                             f'folder of .skeleton files, got '
                             f'{skeleton_root!r}')
        self.modality = modality
        self.skeleton_root = skeleton_root
        self.body = int(body)

    def registration(self, video_id: str) -> dict:
        """The geometry of one video (cached, see :func:`ntu_registration`).
        """
        return ntu_registration(
            osp.join(self.skeleton_root, f'{video_id}.skeleton'), self.body)

    @staticmethod
    def _pixels(box: Tuple[float, ...], scale_xy: Tuple[float, float],
                width: int, height: int) -> Tuple[int, int, int, int]:
        x0, y0, x1, y1 = (box[0] * scale_xy[0], box[1] * scale_xy[1],
                          box[2] * scale_xy[0], box[3] * scale_xy[1])
        x0, y0 = max(0, int(round(x0))), max(0, int(round(y0)))
        x1, y1 = min(width, int(round(x1))), min(height, int(round(y1)))
        return x0, y0, x1, y1

    def transform(self, results: Dict) -> Dict:
        """Crop every frame to the common box."""
        geometry = self.registration(results['video_id'])
        imgs = results['imgs']
        height, width = np.shape(imgs[0])[:2]
        if self.modality == 'rgb':
            box = geometry['color_box']
            ref = NTU_COLOR_SIZE
        else:
            box = geometry['depth_box']
            ref = NTU_DEPTH_SIZE
        x0, y0, x1, y1 = self._pixels(
            box, (width / ref[0], height / ref[1]), width, height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            raise ValueError(
                f'{results["video_id"]}: the registered {self.modality} box '
                f'{(x0, y0, x1, y1)} is empty in a {width}x{height} frame')
        results['imgs'] = [img[y0:y1, x0:x1] for img in imgs]
        results['img_shape'] = (y1 - y0, x1 - x0)
        results['registration'] = dict(geometry, box=(x0, y0, x1, y1))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modality={self.modality!r}, '
                f'skeleton_root={self.skeleton_root!r})')
