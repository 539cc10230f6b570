# Copyright (c) fsat contributors. All rights reserved.
"""2-D object detection on NYU Depth V2, one item per labeled image.

Neither mmaction2 nor MMEngine reads NYUD2, and fsat has no mmdet, so
this dataset turns the labeled file (:mod:`fsat.datasets.nyud2`) into the
items of fsat's 2-D detection interface: Gupta et al.'s 19 classes (or a
subset), boxes from the file's own ``labels`` / ``instances``
(:func:`~fsat.datasets.nyud2.boxes_from_instances`) and the images of one
or several modalities. Data flow of one item::

    nyu_depth_v2_labeled.mat (+ splits.mat: which images)
      -> boxes of the split's images (at construction)
      -> item: img_id, gt_bboxes, gt_labels, gt_difficult, ori_shape,
               'img' (one modality) or 'imgs' {modality: array}
      -> pipeline, e.g. Det2DResize, Det2DRandomFlip, PackDet2DInputs

Modalities (arrays are H x W x C, 480x640 or, with ``crop``, 425x560):

* ``'rgb'``: uint8 RGB (``images``);
* ``'hha'``: uint8 HHA (disparity, height, angle; :func:`fsat.datasets.
  hha.depth_to_hha`), read from ``hha_root/%04d.png`` (0-based image
  index; written by ``tools/data/depth_to_hha.py --nyud2-mat``) or
  computed on the fly from the filled depth (``depths``) with the raw
  depth's zeros (``rawDepths == 0``) as the missing mask, as Gupta et al.
  do, on the NYUD2 colour camera (shifted for the crop);
* ``'depth'``: float32 (H, W, 1) filled depth in metres (``depths``).

The image id is the 0-based index in the labeled file, ``'%04d'``. The
file is opened once per process (DataLoader workers included) when an
image is first read.
"""
import logging
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from fsat.registry import DATASETS

from .hha import NYU_COLOR_CAMERA, crop_camera_matrix, depth_to_hha
from .nyud2 import (
    GUPTA_CROP_LEFT,
    GUPTA_CROP_TOP,
    NYUD2_DET_CLASSES,
    NYUD2_DET_RAW_NAMES,
    NYUD2Labeled,
    boxes_from_instances,
    gupta_crop,
    read_nyud2_splits,
)
from .nyud2._files import read_png
from .subsets import check_holdout_args, holdout_groups
from .transforms import build_pipeline

__all__ = [
    'NYUD2DetectionDataset', 'NYUD2_DET_MODALITIES', 'NYUD2_HHA_TMPL',
    'NYUD2_LABELED_FILE', 'NYUD2_SPLITS_FILE'
]

#: Modalities an item can hold.
NYUD2_DET_MODALITIES = ('rgb', 'hha', 'depth')
#: File name of a precomputed HHA PNG, by 0-based image index.
NYUD2_HHA_TMPL = '{:04d}.png'
#: Default file names under ``data_root``.
NYUD2_LABELED_FILE = 'nyu_depth_v2_labeled.mat'
NYUD2_SPLITS_FILE = 'splits.mat'
_SPLITS = ('train', 'test')


def _check_modalities(modalities) -> Tuple[str, ...]:
    if isinstance(modalities, str):
        modalities = (modalities, )
    modalities = tuple(modalities)
    if not modalities:
        raise ValueError('modalities must name at least one of '
                         f'{NYUD2_DET_MODALITIES}')
    for m in modalities:
        if m not in NYUD2_DET_MODALITIES:
            raise ValueError(f'unknown modality {m!r}: expected some of '
                             f'{NYUD2_DET_MODALITIES}')
    if len(set(modalities)) != len(modalities):
        raise ValueError(f'modalities {modalities} repeat a modality')
    return modalities


def _check_classes(classes) -> Tuple[str, ...]:
    if isinstance(classes, str) or not all(
            isinstance(c, str) for c in classes):
        raise ValueError(f'classes must be a sequence of class names, got '
                         f'{classes!r}')
    classes = tuple(classes)
    for c in classes:
        if c not in NYUD2_DET_RAW_NAMES:
            raise ValueError(f'unknown NYUD2 detection class {c!r}: expected '
                             f'names of {NYUD2_DET_CLASSES}')
    if not classes or len(set(classes)) != len(classes):
        raise ValueError(f'classes must be distinct and non-empty, got '
                         f'{classes!r}')
    return classes


@DATASETS.register_module()
class NYUD2DetectionDataset(BaseDataset):
    """NYUD2 labeled images with the boxes of Gupta et al.'s classes.

    Boxes are the tight ``(x1, y1, x2, y2)`` (``x2``/``y2`` exclusive) of
    each ``(label, instance)`` object whose raw name maps to a class of
    ``classes`` (:data:`~fsat.datasets.nyud2.NYUD2_DET_RAW_NAMES`), in
    pixels of the (cropped) image; labels are indices into ``classes``;
    ``gt_difficult`` is all False (NYUD2 marks none). Objects of fewer than
    ``min_area`` pixels are dropped; the number is logged once and kept in
    :attr:`num_dropped`.

    Item keys: ``img_id`` (str), ``img_index`` (int), ``gt_bboxes``
    (float32 [M, 4]), ``gt_labels`` (int64 [M]), ``gt_difficult`` (bool
    [M]), ``ori_shape`` / ``img_shape`` ((H, W)), ``scale_factor`` ((1.,
    1.)), ``modalities`` and either ``img`` (one modality) or ``imgs``
    (``{modality: array}``), see the module docstring.

    Args:
        data_root (str): Folder holding the labeled file and the splits.
        split (str): ``'train'`` or ``'test'`` (``splits.mat``'s
            ``trainNdxs`` / ``testNdxs``). Defaults to ``'train'``.
        modalities (Sequence[str] | str): Some of ``'rgb'``, ``'hha'``,
            ``'depth'``. Defaults to ``('rgb',)``.
        hha_root (str, optional): Folder of precomputed HHA PNGs named
            :data:`NYUD2_HHA_TMPL` (relative paths are under
            ``data_root``). 480x640 PNGs are cropped when ``crop`` is set;
            425x560 ones are taken as cropped. Defaults to None (compute
            on the fly, about 0.3 s per image). Must be a folder only when
            ``modalities`` include ``'hha'``.
        min_area (int): Drop objects of fewer pixels (after the crop).
            Defaults to 0 (keep all, as Gupta et al.).
        classes (Sequence[str]): Class names of
            :data:`~fsat.datasets.nyud2.NYUD2_DET_CLASSES`, in label order.
            Defaults to all 19.
        crop (bool): Gupta et al.'s 425x560 crop (rows 45..469, columns
            40..599) of every modality before the boxes are taken.
            Defaults to False.
        filter_empty_gt (bool): Leave out images without a box (not in
            ``test_mode``). Defaults to False.
        strict_names (bool): Fail when a raw name of ``classes`` is not in
            the file's ``names`` (a spelling mismatch). Defaults to True.
        labeled_file (str): The labeled file, relative to ``data_root``.
            Defaults to ``'nyu_depth_v2_labeled.mat'``.
        splits_file (str): The splits file, relative to ``data_root``.
            Defaults to ``'splits.mat'``.
        holdout (float): Fraction of the split's *scenes* held out for
            validation, every image of a held-out scene with it
            (:func:`~fsat.datasets.subsets.holdout_groups` over the
            labeled file's ``scenes``), as Gupta et al. keep their
            validation images apart from their training images within
            NYUD2's training split. 0 (default) holds none out.
        holdout_seed (int): Seed of the held-out pick, independent of the
            run's seed, so every run that names it holds out the same
            scenes. Defaults to 0.
        use_holdout (bool): This dataset is the held-out part (the
            validation set) instead of the rest (needs ``holdout > 0``).
            Defaults to False.
        pipeline (Sequence[dict | callable]): Transforms. Defaults to ().
        test_mode (bool): Defaults to False.
        **kwargs: Other arguments of MMEngine's ``BaseDataset``
            (``metainfo``, ``indices``, ``serialize_data``, ``lazy_init``).

    Raises:
        ValueError: For an unknown split, modality or class, a negative
            ``min_area``, a ``holdout`` out of [0, 1) (or one that holds
            out every scene, or a file without ``scenes``), bad files (the
            readers' one-line errors), or ``filter_empty_gt`` leaving no
            image.
        FileNotFoundError: For a missing labeled file, splits file or
            ``hha_root``.
    """

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 modalities: Union[Sequence[str], str] = ('rgb', ),
                 hha_root: Optional[str] = None,
                 min_area: int = 0,
                 classes: Sequence[str] = NYUD2_DET_CLASSES,
                 crop: bool = False,
                 filter_empty_gt: bool = False,
                 strict_names: bool = True,
                 labeled_file: str = NYUD2_LABELED_FILE,
                 splits_file: str = NYUD2_SPLITS_FILE,
                 holdout: float = 0.0,
                 holdout_seed: int = 0,
                 use_holdout: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if kwargs.get('ann_file'):
            raise ValueError('NYUD2DetectionDataset reads labeled_file and '
                             'splits_file under data_root, not ann_file')
        if split not in _SPLITS:
            raise ValueError(f'split must be one of {_SPLITS}, got '
                             f'{split!r}')
        self.modalities = _check_modalities(modalities)
        self.classes = _check_classes(classes)
        if isinstance(min_area, bool) or not isinstance(
                min_area, (int, np.integer)) or min_area < 0:
            raise ValueError(f'min_area must be an int >= 0, got '
                             f'{min_area!r}')
        self.holdout, self.holdout_seed, self.use_holdout = (
            check_holdout_args(holdout, holdout_seed, use_holdout, 'scenes'))
        self.split = split
        #: 0-based indices of the split's held-out images (``holdout``),
        #: in split order, set by ``load_data_list``.
        self.held_out_indices: List[int] = []
        self.min_area = int(min_area)
        self.crop = bool(crop)
        self.filter_empty_gt = filter_empty_gt
        self.strict_names = strict_names
        self.labeled_path = self._under(data_root, labeled_file)
        self.splits_path = self._under(data_root, splits_file)
        self.hha_root = (None if hha_root is None else
                         self._under(data_root, hha_root))
        # only a dataset that reads HHA needs its folder (an RGB detector's
        # config may keep the field of the shared base)
        if (self.hha_root is not None and 'hha' in self.modalities
                and not osp.isdir(self.hha_root)):
            raise FileNotFoundError(f'hha_root {self.hha_root!r} is not a '
                                    'folder')
        #: Objects dropped by ``min_area``, set by ``load_data_list``.
        self.num_dropped = 0
        #: Images left out by ``filter_empty_gt``.
        self.num_empty_skipped = 0
        self._reader: Optional[NYUD2Labeled] = None
        self._reader_pid: Optional[int] = None
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        metainfo['classes'] = self.classes
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            pipeline=list(build_pipeline(pipeline).transforms),
            test_mode=test_mode,
            **kwargs)

    @staticmethod
    def _under(root: str, path: str) -> str:
        return path if osp.isabs(path) or not root else osp.join(root, path)

    # ------------------------------------------------------------ files
    @property
    def camera_matrix(self) -> np.ndarray:
        """The 3x3 colour camera of the (cropped) images."""
        if self.crop:
            return crop_camera_matrix(NYU_COLOR_CAMERA, GUPTA_CROP_TOP,
                                      GUPTA_CROP_LEFT)
        return NYU_COLOR_CAMERA.copy()

    def _open(self) -> NYUD2Labeled:
        """This process's reader (reopened after a fork)."""
        if self._reader is None or self._reader_pid != os.getpid():
            self._reader = NYUD2Labeled(self.labeled_path)
            self._reader_pid = os.getpid()
        return self._reader

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_reader'] = None
        state['_reader_pid'] = None
        return state

    def _maybe_crop(self, array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(gupta_crop(array)) if self.crop else \
            array

    # ------------------------------------------------------ annotations
    def load_data_list(self) -> List[dict]:
        """The split's images with their boxes."""
        classes = {c: NYUD2_DET_RAW_NAMES[c] for c in self.classes}
        data_list = []
        dropped = 0
        empty = 0
        with NYUD2Labeled(self.labeled_path) as reader:
            sets = read_nyud2_splits(self.splits_path,
                                     num_images=len(reader))
            names = reader.names
            if self.crop and reader.image_size != (480, 640):
                raise ValueError(
                    f'{self.labeled_path!r}: crop=True needs 480x640 '
                    f'images, the file has {reader.image_size[0]}x'
                    f'{reader.image_size[1]}')
            indices = self._holdout(reader, sets[self.split].tolist())
            for index in indices:
                labels = self._maybe_crop(reader.labels(index))
                instances = self._maybe_crop(reader.instances(index))
                try:
                    found = boxes_from_instances(
                        labels, instances, names, classes,
                        min_area=self.min_area, strict=self.strict_names)
                except ValueError as e:
                    raise ValueError(f'{self.labeled_path!r} image '
                                     f'{index}: {e}') from None
                dropped += found.num_dropped
                num = len(found.boxes)
                if self.filter_empty_gt and not self.test_mode and not num:
                    empty += 1
                    continue
                shape = tuple(int(s) for s in labels.shape)
                data_list.append(
                    dict(img_index=int(index),
                         img_id=f'{index:04d}',
                         gt_bboxes=found.boxes.astype(np.float32),
                         gt_labels=found.class_ids.astype(np.int64),
                         gt_difficult=np.zeros(num, dtype=bool),
                         ori_shape=shape))
        self.num_dropped = dropped
        self.num_empty_skipped = empty
        if not data_list:
            raise ValueError(
                f'{self.labeled_path!r}: none of the {empty} {self.split} '
                f'images has a box of {len(self.classes)} class(es) with '
                f'min_area={self.min_area}: nothing left with '
                'filter_empty_gt=True')
        if dropped or empty:
            print_log(
                f'{type(self).__name__} ({self.split}): dropped {dropped} '
                f'object(s) below min_area={self.min_area} px'
                + (f' and {empty} image(s) without boxes' if empty else ''),
                logger='current', level=logging.WARNING)
        return data_list

    def _holdout(self, reader: NYUD2Labeled,
                 indices: List[int]) -> List[int]:
        """The split's images this dataset takes: all of them, the rest
        of a ``holdout`` or (``use_holdout``) its held-out part."""
        self.held_out_indices = []
        if not self.holdout:
            return indices
        try:
            scenes = reader.scenes
        except ValueError as e:
            raise ValueError(f'{e} (holdout={self.holdout!r} holds out '
                             'whole scenes)') from None
        if len(scenes) != len(reader):
            raise ValueError(
                f'{self.labeled_path!r}: scenes names {len(scenes)} '
                f'scene(s) for {len(reader)} images (holdout='
                f'{self.holdout!r} holds out whole scenes)')
        try:
            held = holdout_groups(indices, [scenes[i] for i in indices],
                                  self.holdout, self.holdout_seed,
                                  what='scenes')
        except ValueError as e:
            raise ValueError(f'{self.labeled_path!r} ({self.split}): '
                             f'{e}') from None
        self.held_out_indices = [int(i) for i in held]
        if self.use_holdout:
            return self.held_out_indices
        held = set(held)
        return [i for i in indices if i not in held]

    # ----------------------------------------------------------- pixels
    def _hha(self, reader: NYUD2Labeled, index: int,
             shape: Tuple[int, int]) -> np.ndarray:
        if self.hha_root is None:
            depth = self._maybe_crop(reader.depth(index))
            raw = self._maybe_crop(reader.raw_depth(index))
            return depth_to_hha(depth, raw == 0, self.camera_matrix)
        path = osp.join(self.hha_root, NYUD2_HHA_TMPL.format(index))
        hha = read_png(path, 'NYUD2 HHA image', np.uint8, 3)
        if self.crop and hha.shape[:2] == (480, 640):
            hha = np.ascontiguousarray(gupta_crop(hha))
        if hha.shape[:2] != shape:
            raise ValueError(
                f'NYUD2 HHA image {path!r} is {hha.shape[0]}x'
                f'{hha.shape[1]}, expected {shape[0]}x{shape[1]}'
                + (' (or 480x640, cropped here)' if self.crop else ''))
        return hha

    def load_modality(self, index: int, modality: str,
                      shape: Tuple[int, int]) -> np.ndarray:
        """One modality of image ``index`` (0-based in the labeled file),
        H x W x C as in the module docstring."""
        reader = self._open()
        if modality == 'rgb':
            return np.ascontiguousarray(self._maybe_crop(reader.rgb(index)))
        if modality == 'depth':
            depth = self._maybe_crop(reader.depth(index))
            return np.ascontiguousarray(depth, dtype=np.float32)[..., None]
        return self._hha(reader, index, shape)

    def get_data_info(self, idx: int) -> dict:
        """The item's annotations and its images."""
        info = super().get_data_info(idx)
        shape = tuple(info['ori_shape'])
        images: Dict[str, np.ndarray] = {
            m: self.load_modality(info['img_index'], m, shape)
            for m in self.modalities
        }
        if len(images) == 1:
            info['img'] = images[self.modalities[0]]
        else:
            info['imgs'] = images
        info['modalities'] = self.modalities
        info['img_shape'] = shape
        info['scale_factor'] = (1., 1.)
        return info
