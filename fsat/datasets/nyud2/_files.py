# Copyright (c) fsat contributors. All rights reserved.
"""File checks shared by the NYUD2 readers: MAT-file versions and PNGs.

NYUD2 ships MAT-files of two versions: ``splits.mat`` is MATLAB v5 (read
with :func:`scipy.io.loadmat`) and ``nyu_depth_v2_labeled.mat`` is MATLAB
v7.3, which is HDF5 behind a 512-byte MATLAB header (read with h5py;
scipy reads only v4 to v7.2). Each reader checks the version first, so
that the wrong file gets a one-line error naming it instead of a parser's
traceback.
"""
import os.path as osp
from typing import Optional, Tuple

import cv2
import numpy as np

__all__ = ['mat_version', 'read_png']

_MAT_HEADER_BYTES = 128
_HDF5_SIGNATURE = b'\x89HDF\r\n\x1a\n'
# HDF5 looks for its superblock at 0, 512, 1024, 2048, ... (a userblock
# before it must be a power of two >= 512); MATLAB v7.3 uses 512.
_HDF5_OFFSETS = (0, 512, 1024, 2048, 4096)


def mat_version(path: str, what: str) -> str:
    """Which kind of MAT (or HDF5) file ``path`` is.

    Args:
        path (str): The file.
        what (str): What the caller expects, for the error message (e.g.
            ``'NYUD2 splits file'``).

    Returns:
        str: ``'v5'`` (a v5/v6/v7 MAT-file: 128-byte header with version
        0x0100), ``'v7.3'`` (an HDF5 file behind a MATLAB header, version
        0x0200), ``'hdf5'`` (HDF5 without a MATLAB header) or
        ``'unknown'``.

    Raises:
        FileNotFoundError: When ``path`` is not an existing file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')
    with open(path, 'rb') as f:
        head = f.read(max(_HDF5_OFFSETS) + len(_HDF5_SIGNATURE))
    is_hdf5 = any(head[o:o + len(_HDF5_SIGNATURE)] == _HDF5_SIGNATURE
                  for o in _HDF5_OFFSETS)
    mat_header = (len(head) >= _MAT_HEADER_BYTES
                  and head[126:128] in (b'IM', b'MI'))
    if mat_header:
        order = 'little' if head[126:128] == b'IM' else 'big'
        version = int.from_bytes(head[124:126], order)
        if version == 0x0200 and is_hdf5:
            return 'v7.3'
        if version == 0x0100:
            return 'v5'
    return 'hdf5' if is_hdf5 else 'unknown'


def read_png(path: str, what: str, dtype: type,
             channels: Optional[int]) -> np.ndarray:
    """Read a PNG unchanged and check its dtype and channels.

    Args:
        path (str): The file.
        what (str): What it should hold, for error messages.
        dtype (type): The numpy dtype it must decode to.
        channels (int, optional): 3 for colour (returned in RGB order),
            None for a single-channel image.

    Returns:
        np.ndarray: (H, W) or (H, W, 3) array of ``dtype``.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: When OpenCV cannot decode it, or its dtype or number of
            channels is not the expected one.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'{what} {path!r} could not be decoded as an image')
    if image.dtype != np.dtype(dtype):
        raise ValueError(f'{what} {path!r} is {image.dtype}, expected '
                         f'{np.dtype(dtype)}')
    got: Tuple[int, ...] = image.shape[2:]
    want: Tuple[int, ...] = () if channels is None else (channels, )
    if got != want:
        raise ValueError(f'{what} {path!r} has shape {image.shape}, expected '
                         f'{"(H, W)" if channels is None else "(H, W, 3)"}')
    if channels == 3:
        image = np.ascontiguousarray(image[..., ::-1])  # BGR -> RGB
    return image
