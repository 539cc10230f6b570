# Copyright (c) fsat contributors. All rights reserved.
"""Reader of NYU Depth V2's ``nyu_depth_v2_labeled.mat`` (1,449 images).

The labeled set is one MATLAB v7.3 MAT-file (about 2.8 GB). v7.3 is HDF5
behind a 512-byte MATLAB header, which :func:`scipy.io.loadmat` cannot
read, so it is read with h5py, one image at a time: nothing is loaded
until asked for, and :class:`NYUD2Labeled` slices single images out of
the datasets.

MATLAB stores arrays column-major and h5py shows them with the axes
reversed (docs/datasets.md, "NYUD2 and HHA"):

============  ======================  =====================  ============
variable      MATLAB size             h5py shape             returned
============  ======================  =====================  ============
images        480x640x3x1449 uint8    (1449, 3, 640, 480)    (480, 640, 3)
depths        480x640x1449 single     (1449, 640, 480)       (480, 640)
rawDepths     480x640x1449 single     (1449, 640, 480)       (480, 640)
labels        480x640x1449            (1449, 640, 480)       (480, 640)
instances     480x640x1449            (1449, 640, 480)       (480, 640)
names         894x1 cell of char      (1, 894) references    894 str
============  ======================  =====================  ============

so an image is ``images[i].transpose(2, 1, 0)`` and a map is
``depths[i].T``. Depths are float metres; in ``rawDepths`` 0 marks a
missing measurement (``depths`` is the in-painted version, without
holes). ``labels`` are 0 (unlabeled) or 1..894, an index into ``names``
(1-based); ``instances`` number the objects within each label, so an
object is a ``(label, instance)`` pair (see :mod:`.detection`). Their
integer dtypes are taken as stored (commonly uint16 and uint8,
unverified: any integer dtype is accepted).

A cell of strings (``names``, ``scenes``, ``sceneTypes``) is a dataset of
HDF5 object references into the ``#refs#`` group, each to a uint16 array
of UTF-16 code units (a 1xN char is stored with h5py shape (N, 1); an
empty char is a uint64 ``[0, 0]`` with the attribute ``MATLAB_empty``).
``namesToIds`` is a ``containers.Map``, an opaque MATLAB object under
``#subsystem#``: not read.

The depths feed :func:`fsat.datasets.hha.depth_to_hha` (metres, with
``raw_depth == 0`` as the missing-pixel mask) on the uncropped 480x640
camera; Gupta et al.'s cropped copies are read by :mod:`.gupta`.

h5py is an optional dependency: only this module needs it, and it is
imported when a file is opened.
"""
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ._files import mat_version

__all__ = [
    'NYUD2_IMAGE_SIZE', 'NYUD2_KEYS', 'NYUD2_NUM_IMAGES', 'NYUD2_NUM_NAMES',
    'NYUD2Labeled', 'read_nyud2_labeled'
]

#: Images in the labeled set.
NYUD2_NUM_IMAGES = 1449
#: Entries of ``names`` (label ids 1..894).
NYUD2_NUM_NAMES = 894
#: ``(height, width)`` of the labeled images.
NYUD2_IMAGE_SIZE = (480, 640)

#: Returned key -> MATLAB variable of the per-image arrays.
NYUD2_KEYS: Dict[str, str] = {
    'rgb': 'images',
    'depth': 'depths',
    'raw_depth': 'rawDepths',
    'labels': 'labels',
    'instances': 'instances',
}

_WHAT = 'NYUD2 labeled file'


def _import_h5py():
    try:
        import h5py
    except ImportError as err:  # pragma: no cover - depends on the env
        raise ImportError(
            'reading nyu_depth_v2_labeled.mat (MATLAB v7.3 = HDF5) needs '
            'h5py: pip install h5py') from err
    return h5py


class NYUD2Labeled:
    """Lazy per-image reader of ``nyu_depth_v2_labeled.mat``.

    Opening checks only that the file is HDF5; each variable is checked
    (presence, rank, dtype, image size) the first time it is read. Use it
    as a context manager, or call :meth:`close`.

    Args:
        path (str): The v7.3 labeled file.

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: When it is not HDF5, e.g. a MATLAB v5 MAT-file.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        kind = mat_version(path, _WHAT)
        if kind not in ('v7.3', 'hdf5'):
            found = ('a MATLAB v5 MAT-file' if kind == 'v5' else
                     'neither a MAT-file nor HDF5')
            raise ValueError(
                f'{path!r} is {found}: the NYUD2 labeled file must be the '
                'MATLAB v7.3 (HDF5) nyu_depth_v2_labeled.mat')
        h5py = _import_h5py()
        self._h5py = h5py
        self._file = h5py.File(path, 'r')
        self._checked: Dict[str, object] = {}
        self._num: Optional[int] = None
        self._size: Optional[Tuple[int, int]] = None
        self._strings: Dict[str, List[str]] = {}

    # --- file handling -------------------------------------------------
    def close(self) -> None:
        """Close the HDF5 file."""
        self._file.close()

    def __enter__(self) -> 'NYUD2Labeled':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        if self._num is None:
            for var in NYUD2_KEYS.values():
                if var in self._file:
                    self._dataset(var)
                    break
            else:
                raise ValueError(
                    f'{self.path!r} has none of the variables '
                    f'{sorted(NYUD2_KEYS.values())}: not an NYUD2 labeled '
                    'file')
        return int(self._num)

    @property
    def image_size(self) -> Tuple[int, int]:
        """``(height, width)`` of the images (480, 640 in the real file)."""
        len(self)
        return self._size

    # --- checks ---------------------------------------------------------
    def _dataset(self, var: str):
        """The h5py dataset of a per-image variable, checked once."""
        if var in self._checked:
            return self._checked[var]
        if var not in self._file:
            raise ValueError(f'{self.path!r} has no {var!r} variable')
        ds = self._file[var]
        if not isinstance(ds, self._h5py.Dataset):
            raise ValueError(f'{self.path!r}: {var!r} is not an array')
        if var == 'images':
            if ds.ndim != 4 or ds.shape[1] != 3:
                raise ValueError(
                    f'{self.path!r}: {var!r} has h5py shape {ds.shape}, '
                    'expected (N, 3, W, H) (MATLAB H x W x 3 x N)')
            if ds.dtype != np.uint8:
                raise ValueError(f'{self.path!r}: {var!r} is {ds.dtype}, '
                                 'expected uint8')
            num, size = ds.shape[0], (ds.shape[3], ds.shape[2])
        else:
            if ds.ndim != 3:
                raise ValueError(
                    f'{self.path!r}: {var!r} has h5py shape {ds.shape}, '
                    'expected (N, W, H) (MATLAB H x W x N)')
            kind = 'f' if var in ('depths', 'rawDepths') else 'iu'
            if ds.dtype.kind not in kind:
                raise ValueError(
                    f'{self.path!r}: {var!r} is {ds.dtype}, expected '
                    f'{"floating" if kind == "f" else "integer"} values')
            num, size = ds.shape[0], (ds.shape[2], ds.shape[1])
        if self._num is None:
            self._num, self._size = num, size
        elif (num, size) != (self._num, self._size):
            raise ValueError(
                f'{self.path!r}: {var!r} holds {num} images of {size[0]}x'
                f'{size[1]}, other variables {self._num} of '
                f'{self._size[0]}x{self._size[1]}')
        self._checked[var] = ds
        return ds

    def _index(self, index: int) -> int:
        num = len(self)
        i = int(index)
        if i != index or not 0 <= i < num:
            raise IndexError(f'{self.path!r}: image index {index!r} outside '
                             f'0..{num - 1}')
        return i

    # --- per-image arrays ------------------------------------------------
    def rgb(self, index: int) -> np.ndarray:
        """(H, W, 3) uint8 RGB image ``index`` (0-based)."""
        return self._dataset('images')[self._index(index)].transpose(2, 1, 0)

    def depth(self, index: int) -> np.ndarray:
        """(H, W) float32 in-painted depth in metres."""
        return self._dataset('depths')[self._index(index)].T

    def raw_depth(self, index: int) -> np.ndarray:
        """(H, W) float32 raw depth in metres, 0 where missing."""
        return self._dataset('rawDepths')[self._index(index)].T

    def labels(self, index: int) -> np.ndarray:
        """(H, W) label ids: 0 unlabeled, else 1-based into :attr:`names`."""
        return self._dataset('labels')[self._index(index)].T

    def instances(self, index: int) -> np.ndarray:
        """(H, W) instance numbers within each label."""
        return self._dataset('instances')[self._index(index)].T

    def sample(self,
               index: int,
               keys: Iterable[str] = tuple(NYUD2_KEYS)) -> Dict[str, object]:
        """Several arrays of one image.

        Args:
            index (int): 0-based image index.
            keys (Iterable[str]): Keys of :data:`NYUD2_KEYS`. Defaults to
                all five.

        Returns:
            dict: ``{key: array}`` plus ``'index'``.
        """
        out: Dict[str, object] = {'index': self._index(index)}
        for key in keys:
            if key not in NYUD2_KEYS:
                raise KeyError(f'unknown NYUD2 key {key!r}; expected one of '
                               f'{sorted(NYUD2_KEYS)}')
            out[key] = getattr(self, key)(index)
        return out

    def __getitem__(self, index: int) -> Dict[str, object]:
        return self.sample(index)

    # --- strings ---------------------------------------------------------
    def _cell_strings(self, var: str) -> List[str]:
        """A MATLAB cell array of char, in MATLAB's linear order."""
        if var in self._strings:
            return self._strings[var]
        if var not in self._file:
            raise ValueError(f'{self.path!r} has no {var!r} variable')
        ds = self._file[var]
        h5py = self._h5py
        if (not isinstance(ds, h5py.Dataset)
                or h5py.check_ref_dtype(ds.dtype) is None):
            raise ValueError(f'{self.path!r}: {var!r} is not a cell array '
                             '(a dataset of object references)')
        out = []
        for ref in np.asarray(ds[()]).ravel():
            if not ref:
                raise ValueError(f'{self.path!r}: {var!r} holds a null '
                                 'reference')
            item = self._file[ref]
            if item.attrs.get('MATLAB_empty', 0):
                out.append('')
                continue
            codes = np.asarray(item[()])
            if codes.dtype.kind not in 'iu':
                raise ValueError(
                    f'{self.path!r}: an element of {var!r} is '
                    f'{codes.dtype}, expected uint16 characters')
            out.append(''.join(map(chr, codes.T.ravel().tolist())))
        self._strings[var] = out
        return out

    @property
    def names(self) -> List[str]:
        """The 894 class names; label id ``k`` is ``names[k - 1]``."""
        return self._cell_strings('names')

    @property
    def scenes(self) -> List[str]:
        """Per image, its scene (e.g. ``'kitchen_0004'``)."""
        return self._cell_strings('scenes')

    @property
    def scene_types(self) -> List[str]:
        """Per image, its scene type (e.g. ``'kitchen'``)."""
        return self._cell_strings('sceneTypes')


def read_nyud2_labeled(
        path: str,
        indices: Optional[Sequence[int]] = None,
        keys: Iterable[str] = tuple(NYUD2_KEYS)) -> Dict[str, object]:
    """Read images of the labeled file into stacked arrays.

    Reading all 1,449 images of all five arrays needs about 4.5 GB of
    memory; pass ``indices`` (or use :class:`NYUD2Labeled`) for less.

    Args:
        path (str): ``nyu_depth_v2_labeled.mat`` (MATLAB v7.3).
        indices (Sequence[int], optional): 0-based images, in the order
            wanted. Defaults to all.
        keys (Iterable[str]): Keys of :data:`NYUD2_KEYS` to read.

    Returns:
        dict: ``{key: (n, H, W[, 3]) array}``, ``'indices'`` (int64) and
        ``'names'`` (list of 894 str, when the file has ``names``).

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: For a file that is not HDF5, a missing variable (the
            message names the file and the variable) or a bad layout.
        IndexError: For an index outside the file.
    """
    keys = list(keys)
    with NYUD2Labeled(path) as reader:
        idx = (np.arange(len(reader), dtype=np.int64) if indices is None
               else np.asarray([reader._index(i) for i in indices],
                               dtype=np.int64))
        if idx.size == 0:
            raise ValueError(f'{path!r}: no image indices given')
        out: Dict[str, object] = {'indices': idx}
        for key in keys:
            if key not in NYUD2_KEYS:
                raise KeyError(f'unknown NYUD2 key {key!r}; expected one of '
                               f'{sorted(NYUD2_KEYS)}')
            read = getattr(reader, key)
            out[key] = np.stack([read(i) for i in idx])
        if 'names' in reader._file:
            out['names'] = reader.names
    return out
