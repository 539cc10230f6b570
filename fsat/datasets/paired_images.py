# Copyright (c) fsat contributors. All rights reserved.
"""Unlabelled paired images from folders, for supervision transfer.

Supervision transfer (Gupta et al., CVPR 2016) trains a network of one
modality (depth as HHA) to reproduce the features of a frozen network of
another (RGB) on pixel-aligned image pairs; it needs no labels, and the
paper's recipe uses about 10k raw NYUD2 video frames rather than the 1,449
labelled images. No mmaction2 or MMEngine dataset reads unlabelled paired
image folders, and :class:`~fsat.datasets.NYUD2DetectionDataset` reads
only the labelled file, so :class:`PairedImageFolderDataset` accepts any
folder of paired images and gives the items of fsat's 2-D detection
interface (with no boxes), so that the same pipelines (``Det2DResize``,
``Det2DRandomFlip``, ``PackDet2DInputs``) and the transfer model take
them unchanged.

Folder grammar (one subfolder per modality, any depth below it)::

    data_root/
      rgb/scene_a/0001.jpg    hha/scene_a/0001.png
      rgb/scene_a/0002.jpg    hha/scene_a/0002.png
      rgb/0003.png            hha/0003.png
      [ids.txt]               optional ann_file: one id per line

Matching rule: a file's **id** is its path relative to its modality's
subfolder without its suffix, with ``/`` separators (``scene_a/0001``
above); files of the modalities are paired by equal ids. Only files whose
name ends (case-insensitively) with one of ``suffixes`` count; names
starting with ``.`` (e.g. the temporary files of
:func:`~fsat.datasets.hha.write_hha_png`) and hidden folders are ignored.
Two files with one id in one modality (``0001.png`` and ``0001.jpg``) are
an error.

Which samples: with an ``ann_file``, its ids in its order (an id lacking a
file in some modality is an error); without, the ids found in every
modality, sorted. An id lacking a partner is skipped, counted
(:attr:`PairedImageFolderDataset.num_skipped`) and logged once, or an
error with ``strict=True``.

Pixels: 8-bit images only, read unchanged with OpenCV; colour images in
RGB (RGBA) order, so that an HHA PNG written by
:func:`~fsat.datasets.hha.write_hha_png` gives the same array as
NYUD2DetectionDataset's ``hha_root`` reading; single-channel images
become H x W x 1. All modalities of a sample must have the same H x W.
"""
import logging
import os
import os.path as osp
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Union

import cv2
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from fsat.registry import DATASETS

from .transforms import build_pipeline

__all__ = ['PairedImageFolderDataset', 'read_8bit_image', 'scan_image_folder']

#: Default image suffixes.
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg')
#: Ids shown in the log of skipped ids.
_SHOW_IDS = 5
#: A JPEG's end-of-image marker must be within this many final bytes.
_JPEG_TAIL_BYTES = 1024


def _check_suffixes(suffixes) -> tuple:
    if isinstance(suffixes, str):
        suffixes = (suffixes, )
    suffixes = tuple(suffixes)
    if not suffixes or not all(
            isinstance(s, str) and s.startswith('.') and len(s) > 1
            for s in suffixes):
        raise ValueError(f'suffixes must be file suffixes such as ".png", '
                         f'got {suffixes!r}')
    # longest first, so that '.tar.gz'-like suffixes win over '.gz'
    return tuple(sorted({s.lower() for s in suffixes}, key=len,
                        reverse=True))


def _check_modalities(modalities) -> Dict[str, str]:
    if isinstance(modalities, str):
        modalities = (modalities, )
    if not isinstance(modalities, Mapping):
        names = tuple(modalities)
        if len(set(names)) != len(names):
            raise ValueError(f'modalities {names!r} repeat a modality')
        modalities = {m: m for m in names} if all(
            isinstance(m, str) for m in names) else names
    if not isinstance(modalities, Mapping) or not modalities or not all(
            isinstance(k, str) and k and isinstance(v, str) and v
            for k, v in modalities.items()):
        raise ValueError('modalities must be a non-empty dict of modality '
                         f'name -> subfolder of data_root, got '
                         f'{modalities!r}')
    return dict(modalities)


def scan_image_folder(folder: str,
                      suffixes: Sequence[str] = IMAGE_SUFFIXES
                      ) -> Dict[str, str]:
    """The images below ``folder`` by id (see the module docstring).

    Args:
        folder (str): The folder, walked recursively in sorted order.
        suffixes (Sequence[str]): Suffixes of the files to take
            (case-insensitive). Defaults to ``('.png', '.jpg', '.jpeg')``.

    Returns:
        Dict[str, str]: id (relative path without suffix, ``/``
        separators) -> file path, in sorted walk order.

    Raises:
        FileNotFoundError: When ``folder`` is not a folder.
        ValueError: When two files share an id.
    """
    suffixes = _check_suffixes(suffixes)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder {folder!r} does not exist')
    found: Dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
        for name in sorted(filenames):
            if name.startswith('.'):
                continue
            lower = name.lower()
            suffix = next((s for s in suffixes if lower.endswith(s)), None)
            if suffix is None or len(name) == len(suffix):
                continue
            path = osp.join(dirpath, name)
            rel = osp.relpath(path, folder)[:-len(suffix)]
            img_id = rel.replace(os.sep, '/')
            if img_id in found:
                raise ValueError(
                    f'{found[img_id]!r} and {path!r} have the same id '
                    f'{img_id!r}: keep one file per id in {folder!r}')
            found[img_id] = path
    return found


def _jpeg_truncated(path: str) -> bool:
    """Whether ``path`` is a JPEG without its end-of-image marker (OpenCV
    decodes a truncated JPEG silently, padding it with grey)."""
    with open(path, 'rb') as f:
        if f.read(2) != b'\xff\xd8':
            return False
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - _JPEG_TAIL_BYTES))
        # 0xFF 0xD9 cannot occur inside entropy-coded data (0xFF is
        # stuffed with 0x00 there), so it marks the end of the image
        return b'\xff\xd9' not in f.read()


def read_8bit_image(path: str) -> np.ndarray:
    """Read an 8-bit image unchanged, H x W x C, colour in RGB(A) order.

    A 3-channel file is the same array as
    :func:`fsat.datasets.nyud2._files.read_png` gives (OpenCV's BGR
    reversed), e.g. an HHA PNG of :func:`~fsat.datasets.hha.write_hha_png`.

    Args:
        path (str): The image file.

    Returns:
        np.ndarray: uint8 (H, W, C): C = 1 (grey), 3 (RGB) or 4 (RGBA).

    Raises:
        FileNotFoundError: When the file does not exist.
        ValueError: When OpenCV cannot decode it, a JPEG is truncated, or it
            is not 8-bit (e.g. a 16-bit depth PNG).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path!r} does not exist')
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'image {path!r} could not be decoded (truncated, '
                         'corrupt or not an image)')
    if _jpeg_truncated(path):
        raise ValueError(f'image {path!r} is a truncated JPEG (no '
                         'end-of-image marker)')
    if image.dtype != np.uint8:
        raise ValueError(f'image {path!r} is {image.dtype}, expected an '
                         '8-bit image (uint8)')
    if image.ndim == 2:
        return image[..., None]
    if image.shape[2] == 3:
        return np.ascontiguousarray(image[..., ::-1])  # BGR -> RGB
    if image.shape[2] == 4:  # BGRA -> RGBA
        return np.ascontiguousarray(image[..., [2, 1, 0, 3]])
    return image


@DATASETS.register_module()
class PairedImageFolderDataset(BaseDataset):
    """Unlabelled pixel-aligned images of several modalities, by folder.

    See the module docstring for the folder grammar, the matching rule and
    which ids become samples. Items have no boxes and
    ``metainfo['classes'] == ()``.

    Item keys: ``img_id`` (the id, ``/`` separators; the transfer model's
    cache id), ``paths`` (``{modality: file}``, whose size and times join
    a teacher feature cache's key), either ``img`` (one modality) or
    ``imgs`` (``{modality: uint8 H x W x C}`` in ``modalities`` order),
    ``modalities`` (tuple), ``ori_shape`` / ``img_shape`` ((H, W)),
    ``scale_factor`` ((1., 1.)), and empty ``gt_bboxes`` (float32 [0, 4]),
    ``gt_labels`` (int64 [0]) and ``gt_difficult`` (bool [0]).

    Args:
        data_root (str): Folder holding the modality subfolders.
        modalities (dict | Sequence[str]): Modality name -> subfolder of
            ``data_root`` (absolute paths allowed); a sequence of names
            uses each name as its subfolder. Defaults to
            ``dict(rgb='rgb', hha='hha')``.
        suffixes (Sequence[str]): Suffixes of the image files
            (case-insensitive), e.g. add ``'.ppm'`` for raw NYUD2 frames.
            Defaults to ``('.png', '.jpg', '.jpeg')``.
        ann_file (str, optional): Text file of ids, one per line (blank
            lines ignored; relative paths are under ``data_root``): the
            samples, in this order. Defaults to None (every complete id).
        strict (bool): Without ``ann_file``, fail on an id lacking a
            partner instead of skipping it. Defaults to False.
        pipeline (Sequence[dict | callable]): Transforms. Defaults to ().
        test_mode (bool): Defaults to False.
        **kwargs: Other arguments of MMEngine's ``BaseDataset``
            (``metainfo``, ``indices``, ``serialize_data``, ``lazy_init``).

    Raises:
        FileNotFoundError: For a missing subfolder or ``ann_file``, or an
            ``ann_file`` id without a file in some modality.
        ValueError: For bad arguments, two files with one id, a repeated
            ``ann_file`` id, no sample at all, ``strict`` with an unpaired
            id; when an item is read, for an unreadable or non-8-bit image
            or modalities of different sizes.
    """

    def __init__(self,
                 data_root: str = '',
                 modalities: Union[Mapping[str, str], Sequence[str]] = (
                     dict(rgb='rgb', hha='hha')),
                 suffixes: Sequence[str] = IMAGE_SUFFIXES,
                 ann_file: Optional[str] = None,
                 strict: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        folders = _check_modalities(modalities)
        self.suffixes = _check_suffixes(suffixes)
        self.modalities = tuple(folders)
        #: Modality -> its folder.
        self.folders = {
            m: sub if osp.isabs(sub) or not data_root else
            osp.join(data_root, sub)
            for m, sub in folders.items()
        }
        self.strict = bool(strict)
        #: Ids skipped for lacking a partner, set by ``load_data_list``.
        self.num_skipped = 0
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        metainfo['classes'] = ()
        super().__init__(
            ann_file=ann_file or '',
            data_root=data_root,
            metainfo=metainfo,
            pipeline=list(build_pipeline(pipeline).transforms),
            test_mode=test_mode,
            **kwargs)

    def _name(self) -> str:
        return type(self).__name__

    # ------------------------------------------------------------ files
    def _read_ids(self, files: Dict[str, Dict[str, str]]) -> List[str]:
        """The ids of ``ann_file``, each checked against every modality."""
        path = self.ann_file
        if not osp.isfile(path):
            raise FileNotFoundError(f'{self._name()}: ann_file {path!r} '
                                    'does not exist')
        seen: Dict[str, int] = {}
        with open(path, encoding='utf-8') as f:
            for line_no, line in enumerate(f, 1):
                img_id = line.strip()
                if not img_id:
                    continue
                if img_id in seen:
                    raise ValueError(
                        f'{self._name()}: ann_file {path!r} line {line_no}: '
                        f'id {img_id!r} repeats line {seen[img_id]}')
                for m in self.modalities:
                    if img_id not in files[m]:
                        want = osp.join(self.folders[m], img_id)
                        raise FileNotFoundError(
                            f'{self._name()}: ann_file {path!r} line '
                            f'{line_no}: no {m} file {want!r} + one of '
                            f'{self.suffixes}')
                seen[img_id] = line_no
        if not seen:
            raise ValueError(f'{self._name()}: ann_file {path!r} lists no '
                             'id')
        return list(seen)

    def _complete_ids(self, files: Dict[str, Dict[str, str]]) -> List[str]:
        """The ids found in every modality; the others skipped or an
        error (``strict``)."""
        all_ids = sorted(set().union(*files.values()))
        if not all_ids:
            raise ValueError(
                f'{self._name()}: no image ({"/".join(self.suffixes)}) in '
                f'any of the subfolders {list(self.folders.values())} of '
                f'data_root {self.data_root!r}')
        missing = {
            m: [i for i in all_ids if i not in files[m]]
            for m in self.modalities
        }
        unpaired = sorted(set().union(*missing.values()))
        if unpaired and self.strict:
            first = unpaired[0]
            lacking = next(m for m in self.modalities
                           if first in missing[m])
            raise ValueError(
                f'{self._name()}: {self.folders[lacking]!r} has no {lacking} '
                f'image for id {first!r} (strict=True; {len(unpaired)} of '
                f'{len(all_ids)} ids lack a partner)')
        skip = set(unpaired)
        ids = [i for i in all_ids if i not in skip]
        self.num_skipped = len(unpaired)
        if not ids:
            raise ValueError(
                f'{self._name()}: no id has an image in every one of '
                f'{list(self.folders.values())} under data_root '
                f'{self.data_root!r} ({len(all_ids)} ids, none paired)')
        if unpaired:
            counts = ', '.join(f'{m}: {len(missing[m])}'
                               for m in self.modalities if missing[m])
            shown = ', '.join(repr(i) for i in unpaired[:_SHOW_IDS])
            more = ', ...' if len(unpaired) > _SHOW_IDS else ''
            print_log(
                f'{self._name()}: skipped {len(unpaired)} of {len(all_ids)} '
                f'ids lacking a partner (missing in {counts}): {shown}{more}',
                logger='current', level=logging.WARNING)
        return ids

    def load_data_list(self) -> List[dict]:
        """The samples: ``img_id`` and ``paths`` (no pixels)."""
        files = {
            m: scan_image_folder(self.folders[m], self.suffixes)
            for m in self.modalities
        }
        self.num_skipped = 0
        ids = (self._read_ids(files) if self.ann_file else
               self._complete_ids(files))
        return [
            dict(img_id=i, paths={m: files[m][i] for m in self.modalities})
            for i in ids
        ]

    # ----------------------------------------------------------- pixels
    def get_data_info(self, idx: int) -> dict:
        """The sample's images and its (empty) annotations."""
        info = super().get_data_info(idx)
        paths = info['paths']
        images: Dict[str, np.ndarray] = {}
        for m in self.modalities:
            images[m] = read_8bit_image(paths[m])
            first = self.modalities[0]
            if images[m].shape[:2] != images[first].shape[:2]:
                raise ValueError(
                    f'{self._name()}: id {info["img_id"]!r}: {first} image '
                    f'{paths[first]!r} is {images[first].shape[:2]}, {m} '
                    f'image {paths[m]!r} is {images[m].shape[:2]} (H, W)')
        if len(images) == 1:
            info['img'] = images[self.modalities[0]]
        else:
            info['imgs'] = images
        shape = tuple(int(s) for s in images[self.modalities[0]].shape[:2])
        info['modalities'] = self.modalities
        info['ori_shape'] = shape
        info['img_shape'] = shape
        info['scale_factor'] = (1., 1.)
        info['gt_bboxes'] = np.zeros((0, 4), np.float32)
        info['gt_labels'] = np.zeros(0, np.int64)
        info['gt_difficult'] = np.zeros(0, bool)
        return info
