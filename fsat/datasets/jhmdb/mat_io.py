# Copyright (c) fsat contributors. All rights reserved.
"""Readers of the JHMDB MATLAB files: joints and puppet masks.

* ``joint_positions/<class>/<video>/joint_positions.mat``
  (:func:`read_joint_positions`): MATLAB v5 file with ``pos_img``
  (2 x 15 x T, pixel x and y), ``pos_world`` (2 x 15 x T), ``scale``
  (1 x T) and ``viewpoint`` (a compass string such as ``'NE'``);
* ``puppet_mask/<class>/<video>/puppet_mask.mat`` (:func:`read_puppet_mask`):
  key ``part_mask``, H x W x T, nonzero on the annotated person.

Both are read with :func:`scipy.io.loadmat` and turned frame-first
(``[T, ...]``), the layout of the rest of fsat.

**Quirks.** Some copies of the dataset carry macOS resource forks,
``.AppleDouble/joint_positions.mat`` (741 bytes), which are not MAT files;
the folder scanner (:func:`~fsat.datasets.jhmdb.scan_jhmdb`) never looks at
them and reading one directly is an error naming it. Some clips have fewer
mask frames than images; :func:`mask_for_frames` repeats the last mask
frame and returns how many frames it filled, for the caller to log.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

from .classes import JHMDB_FRAME_HEIGHT, JHMDB_FRAME_WIDTH

__all__ = [
    'JHMDB_JOINTS', 'JHMDB_NUM_JOINTS', 'JHMDB_VIEWPOINTS', 'FrameAlignment',
    'JhmdbJoints', 'check_mat_file', 'mask_for_frames', 'pos_world_from_img',
    'read_joint_positions', 'read_puppet_mask'
]

#: The 15 puppet joints in the official order (index i is joint i + 1 of
#: ``README_joint_positions.txt``). Right and left are the person's own.
JHMDB_JOINTS: Tuple[str, ...] = (
    'neck', 'belly', 'face', 'right_shoulder', 'left_shoulder', 'right_hip',
    'left_hip', 'right_elbow', 'left_elbow', 'right_knee', 'left_knee',
    'right_wrist', 'left_wrist', 'right_ankle', 'left_ankle')
JHMDB_NUM_JOINTS = len(JHMDB_JOINTS)
#: The values of ``viewpoint`` listed by the official readme.
JHMDB_VIEWPOINTS: Tuple[str, ...] = (
    'E', 'ENE', 'ESE', 'N', 'NE', 'NNE', 'NNW', 'NW', 'S', 'SE', 'SSE', 'SSW',
    'SW', 'W', 'WNW', 'WSW')

# First 4 bytes of an AppleDouble (macOS resource fork) file.
_APPLEDOUBLE_MAGIC = b'\x00\x05\x16\x07'
_MAT_HEADER_BYTES = 128


@dataclass(frozen=True)
class JhmdbJoints:
    """The contents of a ``joint_positions.mat`` file, frame-first.

    Args:
        pos_img (np.ndarray): float64 (T, 15, 2), pixel x and y of the 15
            joints (:data:`JHMDB_JOINTS` order) in each frame. Joints that
            were occluded or outside the frame are not missing: the puppet
            tool leaves them at neutral puppet positions, which can lie
            outside the 320 x 240 frame.
        pos_world (np.ndarray): float64 (T, 15, 2), ``pos_img`` normalised
            by the frame size and the puppet scale
            (:func:`pos_world_from_img`).
        scale (np.ndarray): float64 (T,), the puppet's scale per frame.
        viewpoint (str): One of :data:`JHMDB_VIEWPOINTS` (not checked).
    """

    pos_img: np.ndarray
    pos_world: np.ndarray
    scale: np.ndarray
    viewpoint: str

    @property
    def num_frames(self) -> int:
        """int: T, the number of annotated frames."""
        return len(self.pos_img)


class FrameAlignment(NamedTuple):
    """A per-frame array fitted to a number of image frames.

    Args:
        array (np.ndarray): The array with exactly ``num_frames`` rows.
        num_clamped (int): Image frames that got a copy of the last row
            because the array was shorter.
        num_dropped (int): Rows past ``num_frames`` left out because the
            array was longer.
    """

    array: np.ndarray
    num_clamped: int
    num_dropped: int


def check_mat_file(path: str) -> None:
    """Check that a file is a MATLAB v5 MAT file before loading it.

    The v5 format starts with a 128-byte header whose last 4 bytes are the
    version (0x0100) and the endian indicator ``'IM'`` or ``'MI'``.

    Args:
        path (str): The file.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: For a macOS AppleDouble resource fork (e.g. under
            ``.AppleDouble/``), a MATLAB v7.3 (HDF5) file or anything else
            that is not a v5 MAT file, naming the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'JHMDB MAT file {path!r} does not exist')
    with open(path, 'rb') as f:
        header = f.read(_MAT_HEADER_BYTES)
    is_mat = (len(header) == _MAT_HEADER_BYTES
              and header[126:128] in (b'IM', b'MI'))
    if not is_mat and (header[:4] == _APPLEDOUBLE_MAGIC
                       or '.AppleDouble' in path.split(osp.sep)):
        raise ValueError(
            f'{path!r} is a macOS AppleDouble resource fork '
            f'({osp.getsize(path)} bytes), not a MAT file: read the file of '
            'the same name outside .AppleDouble/')
    if not is_mat:
        raise ValueError(f'{path!r} is not a MATLAB v5 MAT file (no 128-byte '
                         'MAT header)')
    order = 'little' if header[126:128] == b'IM' else 'big'
    version = int.from_bytes(header[124:126], order)
    if version != 0x0100:
        raise ValueError(
            f'{path!r} is a MAT file of version 0x{version:04x} (0x0200 is '
            'MATLAB v7.3/HDF5), not the v5 format JHMDB ships')


def _load_mat(path: str, keys: Tuple[str, ...]) -> Dict[str, np.ndarray]:
    """The named variables of a v5 MAT file; errors name file and key."""
    import scipy.io
    check_mat_file(path)
    try:
        contents = scipy.io.loadmat(path, variable_names=list(keys))
    except Exception as e:  # scipy raises several types on corrupt files
        raise ValueError(f'Cannot read MAT file {path!r}: '
                         f'{type(e).__name__}: {e}') from None
    missing = [key for key in keys if key not in contents]
    if missing:
        raise ValueError(f'MAT file {path!r} has no variable(s) '
                         f'{", ".join(missing)}')
    return {key: contents[key] for key in keys}


def _matlab_string(value: np.ndarray) -> str:
    """A MATLAB char array as loaded by scipy (array of str) as a str."""
    return ''.join(str(v) for v in np.asarray(value).ravel()).strip()


def pos_world_from_img(pos_img: np.ndarray,
                       scale: np.ndarray,
                       width: int = JHMDB_FRAME_WIDTH,
                       height: int = JHMDB_FRAME_HEIGHT) -> np.ndarray:
    """The official normalisation of pixel joints (``pos_world``).

    ``x_w = (x / W - 0.5) * W / H / scale`` and
    ``y_w = (y / H - 0.5) / scale`` (``README_joint_positions.txt``).

    Args:
        pos_img (np.ndarray): (T, J, 2) pixel x and y.
        scale (np.ndarray): (T,) puppet scale per frame.
        width (int): Frame width W. Defaults to 320.
        height (int): Frame height H. Defaults to 240.

    Returns:
        np.ndarray: float64 (T, J, 2).
    """
    pos_img = np.asarray(pos_img, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1, 1)
    world = np.empty_like(pos_img)
    world[..., 0] = (pos_img[..., 0] / width - 0.5) * width / height / scale
    world[..., 1] = (pos_img[..., 1] / height - 0.5) / scale
    return world


def read_joint_positions(path: str) -> JhmdbJoints:
    """Read a JHMDB ``joint_positions.mat`` file.

    Args:
        path (str): The file (MATLAB v5).

    Returns:
        JhmdbJoints: ``pos_img`` and ``pos_world`` as (T, 15, 2) (MATLAB's
        2 x 15 x T transposed), ``scale`` as (T,), ``viewpoint`` as str.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: Naming the file, for a file that is not a v5 MAT file
            (an ``.AppleDouble`` resource fork included), lacks one of the
            four variables or whose shapes disagree.
    """
    mat = _load_mat(path, ('pos_img', 'pos_world', 'scale', 'viewpoint'))
    arrays = {}
    for key in ('pos_img', 'pos_world'):
        value = np.asarray(mat[key], dtype=np.float64)
        if value.ndim == 2:  # MATLAB drops the trailing 1 of 2 x 15 x 1
            value = value[:, :, None]
        if value.ndim != 3 or value.shape[:2] != (2, JHMDB_NUM_JOINTS):
            raise ValueError(
                f'JHMDB joint file {path!r}: {key} has shape {value.shape}, '
                f'expected (2, {JHMDB_NUM_JOINTS}, T)')
        arrays[key] = np.ascontiguousarray(value.transpose(2, 1, 0))
    num_frames = len(arrays['pos_img'])
    if arrays['pos_world'].shape != arrays['pos_img'].shape:
        raise ValueError(
            f'JHMDB joint file {path!r}: pos_world has '
            f'{len(arrays["pos_world"])} frames, pos_img {num_frames}')
    scale = np.asarray(mat['scale'], dtype=np.float64).ravel()
    if len(scale) != num_frames:
        raise ValueError(f'JHMDB joint file {path!r}: scale has {len(scale)} '
                         f'values for {num_frames} frames of pos_img')
    return JhmdbJoints(
        pos_img=arrays['pos_img'],
        pos_world=arrays['pos_world'],
        scale=scale,
        viewpoint=_matlab_string(mat['viewpoint']))


def read_puppet_mask(path: str) -> np.ndarray:
    """Read a JHMDB ``puppet_mask.mat`` file.

    Args:
        path (str): The file (MATLAB v5, variable ``part_mask``, H x W x T;
            a single-frame mask may be stored as H x W, since MATLAB drops
            trailing singleton dimensions).

    Returns:
        np.ndarray: bool (T, H, W), True where ``part_mask`` is nonzero
        (the annotated person).

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: Naming the file, for a file that is not a v5 MAT file,
            lacks ``part_mask`` or whose mask is not 2- or 3-dimensional or
            has no frame.
    """
    value = np.asarray(_load_mat(path, ('part_mask', ))['part_mask'])
    if value.ndim == 2:
        value = value[:, :, None]
    if value.ndim != 3 or 0 in value.shape:
        raise ValueError(f'JHMDB puppet mask {path!r}: part_mask has shape '
                         f'{value.shape}, expected H x W x T with T >= 1')
    return np.ascontiguousarray(value.transpose(2, 0, 1) != 0)


def mask_for_frames(mask: np.ndarray,
                    num_frames: int,
                    path: Optional[str] = None) -> FrameAlignment:
    """Fit a per-frame array (a mask, or joints) to the number of images.

    With fewer rows than images, image frames past the last row take a
    copy of the last row (the clamping of public JHMDB loaders). With more
    rows, the extra rows are dropped. Both are counted, not logged: the
    caller logs them.

    Args:
        mask (np.ndarray): (T, ...) array, e.g. a (T, H, W) puppet mask or
            (T, 15, 2) joints, T >= 1.
        num_frames (int): The number of image frames, >= 1.
        path (str, optional): Named in errors. Defaults to None.

    Returns:
        FrameAlignment: ``array`` with ``num_frames`` rows (a view when no
        row had to be added), ``num_clamped`` and ``num_dropped``.

    Raises:
        ValueError: When the array has no row or ``num_frames < 1``.
    """
    where = f' of {path!r}' if path else ''
    if num_frames < 1:
        raise ValueError(f'Cannot fit the annotation{where} to {num_frames} '
                         'image frames')
    if len(mask) == 0:
        raise ValueError(f'The annotation{where} has no frame')
    have = len(mask)
    if have >= num_frames:
        return FrameAlignment(mask[:num_frames], 0, have - num_frames)
    index = np.minimum(np.arange(num_frames), have - 1)
    return FrameAlignment(mask[index], num_frames - have, 0)
