# Copyright (c) fsat contributors. All rights reserved.
"""Gupta et al.'s NYUD2 layout: cropped 425x560 PNGs named ``img_%04d``.

Gupta et al.'s RGB-D detection code (``s-gupta/rcnn-depth`` and its
``nyu-hooks``) does not read the labeled MAT-file: it reads PNGs written
from it, one per image and kind:

* names ``img_%04d`` with number = 1-based index + 5000, i.e. image 0
  (0-based) is ``img_5001`` and image 1448 is ``img_6449``
  (:func:`gupta_image_name`);
* folders ``images/`` (uint8 RGB), ``depth/`` (in-painted) and
  ``rawdepth/`` (0 = missing) under the data root; the ``rcnn-depth``
  demo instead has one image as ``images.png``, ``depth.png`` and
  ``rawdepth.png`` side by side (:func:`read_gupta_rgbd` reads both);
* depth as uint16 PNG in **millimetres**, ``uint16(depth_m * 1000)``
  (MATLAB's conversion rounds to nearest and saturates);
* every image **cropped** to 425x560: 1-based MATLAB rows 46:470 and
  columns 41:600 of the 480x640 frame (``howard-mahe/
  nyudv2_data_label_extractor:extract_data.m``, "as done by Shelhamer to
  obtain 425x560 images"; the same crop, commented out, in a fork's
  ``nyu-hooks/cropIt.m``). 0-based, that is rows 45..469 and columns
  40..599: :data:`GUPTA_CROP_TOP` = 45 and :data:`GUPTA_CROP_LEFT` = 40
  (:func:`gupta_crop`). It cuts the border without depth: in image 0's
  raw depth (the Depth2HHA-python demo) rows 0..40 and columns 0..34 are
  all missing, rows 43/44/45 are 51/28/11 % missing and columns 38/39/40
  68/41/12 % (11-12 % is the interior's level), so the crop starts at
  the first row and column of the valid area.

**Camera of a cropped image.** Cropping moves the principal point by the
offsets: ``cx - 40``, ``cy - 45``; with the NYUD2 colour camera
(cx, cy = 325.58, 253.74) that is (285.58, 208.74), focal lengths
unchanged. Gupta's code passes ``cropCamera(getCameraParam('color'))`` to
HHA; ``cropCamera.m`` itself was not found among public copies, so this
shift follows from the crop, not from his code. For HHA
(:mod:`fsat.datasets.hha`) use
``crop_camera_matrix(NYU_COLOR_CAMERA, GUPTA_CROP_TOP, GUPTA_CROP_LEFT)``
and depth in metres (``depth_mm / 1000``).

The real ``rcnn-depth`` demo files (``realdata/nyud2/rcnn-depth_demo-
data``) are 425x560: RGB uint8, depth and raw depth uint16. Which NYUD2
image they show is not known (they are not a crop of image 0, the
Depth2HHA-python demo image).
"""
import os.path as osp
import re
from typing import Dict, Optional, Tuple, Union

import numpy as np

from ._files import read_png
from .labeled import NYUD2_IMAGE_SIZE, NYUD2_NUM_IMAGES

__all__ = [
    'GUPTA_CROP_LEFT', 'GUPTA_CROP_SIZE', 'GUPTA_CROP_TOP', 'GUPTA_DIRS',
    'GUPTA_NUMBER_OFFSET', 'gupta_crop', 'gupta_image_index',
    'gupta_image_name', 'read_gupta_rgbd'
]

#: Rows removed at the top by Gupta's crop (0-based first kept row).
GUPTA_CROP_TOP = 45
#: Columns removed on the left by Gupta's crop (0-based first kept column).
GUPTA_CROP_LEFT = 40
#: ``(height, width)`` of Gupta's cropped images.
GUPTA_CROP_SIZE = (425, 560)
#: Gupta's image number = 0-based index + this (``img_5001`` is image 0).
GUPTA_NUMBER_OFFSET = 5001
#: Returned key -> folder of Gupta's data root (and demo file stem).
GUPTA_DIRS = {'rgb': 'images', 'depth_mm': 'depth', 'raw_depth_mm': 'rawdepth'}

_NAME = re.compile(r'img_(\d{4})(\.png)?')


def gupta_image_name(index: int,
                     num_images: int = NYUD2_NUM_IMAGES) -> str:
    """``img_%04d`` name of the 0-based labeled image ``index``."""
    if not 0 <= int(index) < num_images or int(index) != index:
        raise ValueError(f'NYUD2 image index {index!r} outside '
                         f'0..{num_images - 1}')
    return f'img_{int(index) + GUPTA_NUMBER_OFFSET:04d}'


def gupta_image_index(name: str, num_images: int = NYUD2_NUM_IMAGES) -> int:
    """0-based labeled image index of a name like ``img_5001[.png]``."""
    match = _NAME.fullmatch(osp.basename(name))
    index = int(match.group(1)) - GUPTA_NUMBER_OFFSET if match else -1
    if not 0 <= index < num_images:
        raise ValueError(
            f'{name!r} is not a Gupta NYUD2 image name img_5001..'
            f'img_{GUPTA_NUMBER_OFFSET + num_images - 1}[.png]')
    return index


def gupta_crop(array: np.ndarray) -> np.ndarray:
    """Gupta's 425x560 crop of a 480x640 image or map (a view).

    Args:
        array (np.ndarray): (480, 640, ...) array.

    Returns:
        np.ndarray: ``array[45:470, 40:600]``.
    """
    array = np.asarray(array)
    if array.shape[:2] != NYUD2_IMAGE_SIZE:
        raise ValueError(f'Gupta\'s crop takes a {NYUD2_IMAGE_SIZE[0]}x'
                         f'{NYUD2_IMAGE_SIZE[1]} image, got shape '
                         f'{array.shape}')
    height, width = GUPTA_CROP_SIZE
    return array[GUPTA_CROP_TOP:GUPTA_CROP_TOP + height,
                 GUPTA_CROP_LEFT:GUPTA_CROP_LEFT + width]


def read_gupta_rgbd(
    root: str,
    name: Union[str, int, None] = None,
    expected_size: Optional[Tuple[int, int]] = GUPTA_CROP_SIZE
) -> Dict[str, object]:
    """Read one image's RGB, depth and raw depth PNGs in Gupta's layout.

    Args:
        root (str): The data root (holding ``images/``, ``depth/``,
            ``rawdepth/``), or with ``name=None`` a demo folder holding
            ``images.png``, ``depth.png`` and ``rawdepth.png``.
        name (str | int, optional): ``'img_5001'`` (``.png`` optional) or
            the 0-based image index. None reads the demo layout.
        expected_size (tuple[int, int], optional): ``(height, width)`` all
            three must have. Defaults to (425, 560); None checks only that
            they agree.

    Returns:
        dict: ``'rgb'`` (H, W, 3) uint8 RGB, ``'depth_mm'`` and
        ``'raw_depth_mm'`` (H, W) uint16 millimetres (0 = missing in the
        raw depth), ``'name'`` (``'img_%04d'``, or None for the demo).

    Raises:
        FileNotFoundError: When a PNG does not exist.
        ValueError: For a PNG of the wrong dtype or channels (e.g. a uint8
            depth), sizes that differ or are not ``expected_size``, or a
            bad name; the message names the file.
    """
    if name is None:
        paths = {k: osp.join(root, f'{d}.png') for k, d in GUPTA_DIRS.items()}
    else:
        if isinstance(name, str):
            gupta_image_index(name)  # validates
            name = osp.splitext(osp.basename(name))[0]
        else:
            name = gupta_image_name(name)
        paths = {
            k: osp.join(root, d, f'{name}.png')
            for k, d in GUPTA_DIRS.items()
        }
    out: Dict[str, object] = {
        'rgb': read_png(paths['rgb'], 'Gupta NYUD2 RGB image', np.uint8, 3),
        'depth_mm': read_png(paths['depth_mm'], 'Gupta NYUD2 depth PNG',
                             np.uint16, None),
        'raw_depth_mm': read_png(paths['raw_depth_mm'],
                                 'Gupta NYUD2 raw depth PNG', np.uint16,
                                 None),
    }
    want = (tuple(expected_size) if expected_size is not None else
            out['rgb'].shape[:2])
    for key, path in paths.items():
        if out[key].shape[:2] != want:
            raise ValueError(
                f'{path!r} is {out[key].shape[0]}x{out[key].shape[1]}, '
                f'expected {want[0]}x{want[1]} (Gupta\'s cropped layout)')
    out['name'] = name
    return out
