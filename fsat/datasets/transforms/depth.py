# Copyright (c) fsat contributors. All rights reserved.
"""Load masked depth maps: 16-bit PNGs in millimetres, 0 = masked out."""
import os
import os.path as osp
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..frame_cache import cached_clip


def read_depth_png(path: str) -> np.ndarray:
    """Read one masked depth PNG as uint16 millimetres.

    Args:
        path (str): A 16-bit single-channel PNG (NTU ``MDepth-%08d.png``).

    Returns:
        np.ndarray: uint16 array (H, W).

    Raises:
        FileNotFoundError: If the file is missing (one line naming it and
            how many frames its folder has).
        ValueError: If it is empty, not a decodable image (corrupt or
            truncated), or not a 16-bit single-channel image (e.g. an
            8-bit PNG, whose values are not millimetres).
    """
    if not osp.isfile(path):
        folder = osp.dirname(path)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'Depth frame {path} is missing: its '
                                    'folder does not exist')
        count = len([f for f in os.listdir(folder)
                     if f.lower().endswith('.png')])
        raise FileNotFoundError(f'Depth frame {path} is missing (its folder '
                                f'has {count} PNG files)')
    size = osp.getsize(path)
    if size == 0:
        raise ValueError(f'Depth map {path} is an empty file (0 bytes)')
    with open(path, 'rb') as f:
        data = np.frombuffer(f.read(), np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        kind = ('a PNG that does not decode (corrupt or truncated)'
                if data[:8].tobytes() == b'\x89PNG\r\n\x1a\n' else
                'not an image (no PNG signature)')
        raise ValueError(f'Depth map {path} ({size} bytes) is {kind}')
    if img.dtype != np.uint16:
        raise ValueError(f'Depth map {path} is {img.dtype.itemsize * 8}-bit '
                         f'({img.dtype}); masked depth must be a 16-bit PNG '
                         'in millimetres')
    if img.ndim != 2:
        raise ValueError(f'Depth map {path} has {img.shape[2]} channels; '
                         'masked depth must be single-channel')
    return img


def depth_stats(frames: List[np.ndarray]) -> dict:
    """Valid-pixel statistics of depth frames (valid = non-zero).

    Returns:
        dict: ``valid_fraction`` (of all pixels), and ``mean_mm``,
        ``min_mm``, ``max_mm`` of the valid pixels (0.0 when none is valid).
    """
    depth = np.stack(frames)  # [T, H, W]
    valid = depth[depth > 0]
    if valid.size == 0:
        return dict(valid_fraction=0.0, mean_mm=0.0, min_mm=0.0, max_mm=0.0)
    return dict(
        valid_fraction=float(valid.size / depth.size),
        mean_mm=float(valid.mean(dtype=np.float64)),
        min_mm=float(valid.min()),
        max_mm=float(valid.max()))


@TRANSFORMS.register_module()
class LoadMaskedDepth(BaseTransform):
    """Load the sampled frames of a masked depth folder.

    Required keys: ``frame_dir``, ``frame_inds`` (0-based), ``offset``
    (number of the first file, 1 for NTU), ``filename_tmpl`` (optional).

    Added keys: ``imgs`` (list of float32 (H, W) arrays in millimetres, 0
    where masked), ``img_shape``, ``original_shape``, ``depth_stats``
    (:func:`depth_stats` of the loaded frames; a repeated index counts
    once).

    Args:
        filename_tmpl (str, optional): Frame file name template; defaults to
            the results' ``filename_tmpl``, else ``'MDepth-{:08d}.png'``.
        cache_root (str, optional): Decode each depth folder once into
            this disk cache and read clips from it afterwards
            (:mod:`fsat.datasets.frame_cache`); needs ``total_frames``
            (set by :class:`PairedSampleFrames`). Defaults to None (read
            the PNGs every time).
    """

    def __init__(self,
                 filename_tmpl: Optional[str] = None,
                 cache_root: Optional[str] = None) -> None:
        self.filename_tmpl = filename_tmpl
        self.cache_root = cache_root

    def transform(self, results: Dict) -> Dict:
        """Read, check and convert the depth frames."""
        tmpl = (self.filename_tmpl or results.get('filename_tmpl')
                or 'MDepth-{:08d}.png')
        offset = results.get('offset', 0)
        inds = np.asarray(results['frame_inds']).reshape(-1).astype(int)
        if not osp.isdir(results['frame_dir']):
            raise FileNotFoundError(
                f"Depth folder {results['frame_dir']} does not exist")
        if self.cache_root and results.get('total_frames'):
            clip = cached_clip(
                self.cache_root, 'depth', results, tmpl,
                lambda folder, number: read_depth_png(
                    osp.join(folder, tmpl.format(number))))
            _, first = np.unique(inds, return_index=True)  # once each
            results['depth_stats'] = depth_stats(list(clip[first]))
            results['imgs'] = list(clip.astype(np.float32))
            results['img_shape'] = results['original_shape'] = \
                clip.shape[1:3]
            return results
        frames: Dict[int, np.ndarray] = {}
        first = None
        for index in inds:
            index = int(index)
            if index in frames:
                continue
            path = osp.join(results['frame_dir'], tmpl.format(index + offset))
            img = read_depth_png(path)
            if first is None:
                first = path, img.shape
            elif img.shape != first[1]:
                raise ValueError(
                    f'Depth map {path} is {img.shape[1]}x{img.shape[0]} '
                    f'(WxH) but {first[0]} is {first[1][1]}x{first[1][0]}; '
                    'all frames of a sample must have one size')
            frames[index] = img
        results['depth_stats'] = depth_stats(list(frames.values()))
        results['imgs'] = [
            frames[int(i)].astype(np.float32)
            for i in np.asarray(results['frame_inds']).reshape(-1)
        ]
        results['img_shape'] = results['original_shape'] = first[1]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(filename_tmpl='
                f'{self.filename_tmpl!r}, cache_root={self.cache_root!r})')
