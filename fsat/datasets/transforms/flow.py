# Copyright (c) fsat contributors. All rights reserved.
"""Load quantised optical flow (x/y grayscale JPEGs) as 2-channel frames.

mmaction2's ``RawFrameDecode`` reads flow as an interleaved list
``[x0, y0, x1, y1, ...]`` that only its 2D ``FormatShape('NCHW_Flow')``
understands. 3D networks need ``[C=2, T, H, W]``, so fsat loads each flow
pair as one (H, W, 2) frame (channel 0 = x, 1 = y); mmaction2's crops,
``Resize`` and ``FormatShape('NCTHW')`` then work unchanged, and
:class:`~fsat.datasets.transforms.FlowAwareFlip` flips it.
"""
import os
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..flow import DEFAULT_BOUND, FLOW_TMPL, dequantize_flow
from ..frame_cache import cached_clip


def read_flow_image(path: str) -> np.ndarray:
    """Read one quantised flow component (an 8-bit grey JPEG).

    Raises:
        FileNotFoundError: For a missing file or folder (one line naming
            it).
        ValueError: For an empty or undecodable file, and for an image
            that is not 8-bit grey (a colour frame in a flow folder would
            otherwise be read as flow).
    """
    if not osp.isfile(path):
        folder = osp.dirname(path)
        where = ('its folder does not exist' if not osp.isdir(folder) else
                 f'its folder has {len(os.listdir(folder))} files')
        raise FileNotFoundError(f'Flow image {path} is missing ({where})')
    with open(path, 'rb') as f:
        data = np.frombuffer(f.read(), np.uint8)
    if data.size == 0:
        raise ValueError(f'Flow image {path} is an empty file (0 bytes)')
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'Flow image {path} ({data.size} bytes) does not '
                         'decode (corrupt or truncated, or not an image)')
    if img.dtype != np.uint8:
        raise ValueError(f'Flow image {path} is {img.dtype}; quantised flow '
                         'is 8-bit grey JPEG')
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    elif img.ndim == 3:
        # grey content saved in colour differs by JPEG rounding only
        spread = img[..., :3].max(axis=2).astype(np.int16) - img[
            ..., :3].min(axis=2)
        if spread.max() > 8:
            raise ValueError(f'Flow image {path} is a colour image; '
                             'quantised flow is 8-bit grey (RGB frames in a '
                             'flow folder?)')
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(img)


@TRANSFORMS.register_module()
class LoadFlow(BaseTransform):
    """Load the sampled flow pairs of a flow folder.

    Pair ``i`` (0-based index, file number ``i + offset``) is the flow from
    frame ``i`` to ``i + 1``; a T-frame video has T-1 pairs.

    Required keys: ``frame_dir``, ``frame_inds``, ``offset`` (1 for fsat's
    and mmaction2's numbering), ``filename_tmpl`` (optional).

    Added keys: ``imgs`` (list of (H, W, 2) arrays), ``img_shape``,
    ``original_shape``, ``flow_bound`` (when dequantised).

    Args:
        dequantize (bool): Convert pixels to float32 flow in pixels with
            :func:`fsat.datasets.flow.dequantize_flow` (``p / 255 * 2 *
            bound - bound``). If False, keep uint8 and normalise later like
            mmaction2 (``mean=[128, 128], std=[128, 128]`` in the data
            preprocessor). Defaults to True.
        bound (float): Quantisation bound of the files. Defaults to 20.
        filename_tmpl (str, optional): Template with the component and the
            number, e.g. ``'flow_{}_{:05d}.jpg'``; defaults to the results'
            ``filename_tmpl``, else :data:`fsat.datasets.flow.FLOW_TMPL`.
        cache_root (str, optional): Decode each flow folder once into
            this disk cache and read clips from it afterwards
            (:mod:`fsat.datasets.frame_cache`); needs ``total_frames``
            (set by :class:`PairedSampleFrames`). Defaults to None (read
            the JPEGs every time).
    """

    def __init__(self,
                 dequantize: bool = True,
                 bound: float = DEFAULT_BOUND,
                 filename_tmpl: Optional[str] = None,
                 cache_root: Optional[str] = None) -> None:
        self.dequantize = dequantize
        self.bound = float(bound)
        self.filename_tmpl = filename_tmpl
        self.cache_root = cache_root

    def _read(self, folder: str, tmpl: str, number: int) -> np.ndarray:
        comps = []
        for comp in ('x', 'y'):
            path = osp.join(folder, tmpl.format(comp, number))
            img = read_flow_image(path)
            if comps and img.shape != comps[0].shape:
                raise ValueError(f'Flow image {path} is {img.shape[::-1]} '
                                 f'(WxH), its x image {comps[0].shape[::-1]}')
            comps.append(img)
        return np.stack(comps, axis=-1)  # [H, W, 2]

    def transform(self, results: Dict) -> Dict:
        """Read the x/y pairs of ``frame_inds``."""
        tmpl = (self.filename_tmpl or results.get('filename_tmpl')
                or FLOW_TMPL)
        offset = results.get('offset', 0)
        inds = np.asarray(results['frame_inds']).reshape(-1).astype(int)
        if self.cache_root and results.get('total_frames'):
            raw = cached_clip(
                self.cache_root, 'flow', results, tmpl,
                lambda folder, number: self._read(folder, tmpl, number))
            imgs = [
                dequantize_flow(f, self.bound) if self.dequantize else f
                for f in raw
            ]
            return self._finish(results, imgs)
        cache: Dict[int, np.ndarray] = {}
        imgs = []
        for index in inds:
            index = int(index)
            if index not in cache:
                flow = self._read(results['frame_dir'], tmpl, index + offset)
                if self.dequantize:
                    flow = dequantize_flow(flow, self.bound)
                cache[index] = flow
            imgs.append(cache[index].copy())
        return self._finish(results, imgs)

    def _finish(self, results: Dict, imgs: list) -> Dict:
        shapes = {img.shape for img in imgs}
        if len(shapes) > 1:
            raise ValueError(f'Flow frames of {results["frame_dir"]} differ '
                             f'in size: {sorted(shapes)}')
        results['imgs'] = imgs
        results['img_shape'] = results['original_shape'] = imgs[0].shape[:2]
        if self.dequantize:
            results['flow_bound'] = self.bound
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(dequantize={self.dequantize}, '
                f'bound={self.bound}, cache_root={self.cache_root!r})')
