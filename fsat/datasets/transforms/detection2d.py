# Copyright (c) fsat contributors. All rights reserved.
"""Transforms of 2-D detection samples (one image or one video frame).

The 2-D detector of supervision transfer (Fast R-CNN on NYUD2 objects and
JHMDB actors) reads images with boxes; mmaction2 has no box-aware image
transforms and mmdet is not part of fsat's environment, so the few that
the detector needs are here.

A sample's results hold its image as ``'img'`` (H x W x C) or, for a
paired sample, ``'imgs' = {modality: H x W x C}`` (e.g. ``rgb`` and
``hha``, pixel-aligned, resized and flipped together), plus
``gt_bboxes`` float32 [M, 4] ``(x1, y1, x2, y2)`` in continuous pixel
coordinates of the current image, ``gt_labels`` int64 [M] (0-based),
``gt_difficult`` bool [M], optionally ``proposals`` float32 [P, 4], and
``img_id``, ``ori_shape``, ``img_shape`` ``(H, W)`` and ``scale_factor``
``(w_scale, h_scale)`` (current / original).

* :class:`LoadProposalFile`: precomputed proposals (original coordinates)
  of the sample's ``img_id`` from a ``.npz`` or ``.pkl`` file.
* :class:`SlidingWindowProposals`: deterministic multi-scale,
  multi-aspect sliding windows, for data without a proposal file.
* :class:`Det2DResize`, :class:`Det2DRandomFlip`: geometry of every image
  of the sample and of its boxes and proposals.
* :class:`PackDet2DInputs`: the model's ``inputs`` and data sample.
"""
import math
import os
import os.path as osp
import pickle
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.structures import BaseDataElement, InstanceData

from fsat.registry import TRANSFORMS

__all__ = [
    'DET2D_META_KEYS', 'Det2DRandomFlip', 'Det2DResize', 'LoadProposalFile',
    'PackDet2DInputs', 'SlidingWindowProposals', 'sliding_window_boxes'
]

#: Sample-level keys put in the data sample's metainfo by default.
DET2D_META_KEYS = ('img_id', 'ori_shape', 'img_shape', 'scale_factor',
                   'flip', 'flip_direction')

#: Box keys that follow the image geometry.
_BOX_KEYS = ('gt_bboxes', 'proposals')

_INTERPOLATIONS = dict(
    nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR,
    bicubic=cv2.INTER_CUBIC, area=cv2.INTER_AREA)


def _boxes(value, name: str) -> np.ndarray:
    boxes = np.asarray(value, dtype=np.float32)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'{name} must be [N, 4] (x1, y1, x2, y2), got '
                         f'shape {boxes.shape}')
    return boxes


def _image_slots(results: Dict, who: str) -> Iterator[Tuple[Dict, str]]:
    """``(container, key)`` of every image of the sample."""
    if 'imgs' in results and isinstance(results['imgs'], dict):
        if not results['imgs']:
            raise ValueError(f'{who}: results["imgs"] is an empty dict')
        for modality in results['imgs']:
            yield results['imgs'], modality
    elif 'img' in results:
        yield results, 'img'
    else:
        raise KeyError(f'{who}: the results hold no image: expected "img" '
                       '(H x W x C) or "imgs" (dict modality -> H x W x C)')


def _image_shape(results: Dict, who: str) -> Tuple[int, int]:
    """``(H, W)`` shared by the sample's images."""
    shapes = {
        tuple(np.shape(box[key])[:2])
        for box, key in _image_slots(results, who)
    }
    if len(shapes) != 1:
        raise ValueError(f'{who}: the images of sample '
                         f'{results.get("img_id")!r} differ in size '
                         f'{sorted(shapes)}; paired modalities must be '
                         'pixel-aligned')
    shape = shapes.pop()
    if len(shape) != 2 or min(shape) <= 0:
        raise ValueError(f'{who}: image of sample {results.get("img_id")!r}'
                         f' has shape {shape}, expected H x W (x C)')
    return shape


def _clip(boxes: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    height, width = shape[:2]
    out = boxes.copy()
    out[:, 0::2] = out[:, 0::2].clip(0, width)
    out[:, 1::2] = out[:, 1::2].clip(0, height)
    return out


def _window_starts(length: float, size: float, step: float) -> List[float]:
    """Window origins along one axis: every ``step`` from 0, plus one
    window flush with the far border."""
    last = length - size
    count = int(math.floor(last / step + 1e-6)) + 1
    starts = [i * step for i in range(count)]
    if last - starts[-1] > 1e-6:
        starts.append(last)
    return starts


def sliding_window_boxes(img_shape: Sequence[int],
                         scales: Sequence[float] = (32, 64, 128, 256),
                         ratios: Sequence[float] = (0.5, 1.0, 2.0),
                         stride_ratio: float = 0.5,
                         stride: Optional[float] = None) -> np.ndarray:
    """Multi-scale, multi-aspect sliding windows over an image.

    A window of scale ``s`` and aspect ratio ``r`` (height / width) is
    ``s / sqrt(r)`` wide and ``s * sqrt(r)`` high (area ``s ** 2``); a
    side longer than the image is clipped to it. Windows start at 0 and
    move by ``stride`` pixels, or by ``stride_ratio`` times their own
    (clipped) side when ``stride`` is None, plus one window flush with the
    right (bottom) border. Exact duplicates (from clipping) are dropped.
    The order is fixed: scales, ratios, rows, columns.

    Args:
        img_shape (Sequence[int]): ``(H, W)`` of the image.
        scales (Sequence[float]): Window scales in pixels. Defaults to
            (32, 64, 128, 256), for images of about 320 pixels.
        ratios (Sequence[float]): Heights / widths. Defaults to
            (0.5, 1, 2).
        stride_ratio (float): Step as a fraction of the window side.
            Defaults to 0.5.
        stride (float, optional): Step in pixels for every window
            (overrides ``stride_ratio``). Defaults to None.

    Returns:
        np.ndarray: float32 [P, 4] ``(x1, y1, x2, y2)`` inside the image.
    """
    height, width = (float(v) for v in img_shape[:2])
    if height <= 0 or width <= 0:
        raise ValueError(f'sliding windows: img_shape={tuple(img_shape)} '
                         'must be a positive (H, W)')
    if not scales or any(s <= 0 for s in scales):
        raise ValueError(f'sliding windows: scales={tuple(scales)} must be '
                         'positive numbers')
    if not ratios or any(r <= 0 for r in ratios):
        raise ValueError(f'sliding windows: ratios={tuple(ratios)} must be '
                         'positive numbers')
    if stride is None and not 0 < stride_ratio <= 1:
        raise ValueError(f'sliding windows: stride_ratio={stride_ratio!r} '
                         'must be in (0, 1]')
    if stride is not None and stride <= 0:
        raise ValueError(f'sliding windows: stride={stride!r} must be '
                         'positive')
    boxes = []
    for scale in scales:
        for ratio in ratios:
            w = min(scale / math.sqrt(ratio), width)
            h = min(scale * math.sqrt(ratio), height)
            xs = _window_starts(width, w, stride or stride_ratio * w)
            ys = _window_starts(height, h, stride or stride_ratio * h)
            x0, y0 = np.meshgrid(np.asarray(xs), np.asarray(ys))
            x0, y0 = x0.reshape(-1), y0.reshape(-1)
            boxes.append(np.stack([x0, y0, x0 + w, y0 + h], 1))
    boxes = np.concatenate(boxes).astype(np.float32)
    _, first = np.unique(boxes, axis=0, return_index=True)
    return boxes[np.sort(first)]


@TRANSFORMS.register_module()
class SlidingWindowProposals(BaseTransform):
    """Fill ``results['proposals']`` with :func:`sliding_window_boxes` of
    the current image (deterministic).

    Place it after :class:`Det2DResize` to give the scales in network
    input pixels (before it, the windows are resized with the image).
    Existing proposals are replaced.

    Args:
        scales (Sequence[float]): Defaults to (32, 64, 128, 256).
        ratios (Sequence[float]): Heights / widths. Defaults to
            (0.5, 1, 2).
        stride_ratio (float): Defaults to 0.5.
        stride (float, optional): Defaults to None.
    """

    def __init__(self,
                 scales: Sequence[float] = (32, 64, 128, 256),
                 ratios: Sequence[float] = (0.5, 1.0, 2.0),
                 stride_ratio: float = 0.5,
                 stride: Optional[float] = None) -> None:
        self.scales = tuple(scales)
        self.ratios = tuple(ratios)
        self.stride_ratio = stride_ratio
        self.stride = stride
        # fail at build time on bad arguments
        sliding_window_boxes((64, 64), self.scales, self.ratios,
                             stride_ratio, stride)
        self._cache: Dict[Tuple[int, int], np.ndarray] = {}

    def transform(self, results: Dict) -> Dict:
        """Set ``proposals`` for the image's ``(H, W)``."""
        shape = _image_shape(results, 'SlidingWindowProposals')
        if shape not in self._cache:
            self._cache[shape] = sliding_window_boxes(
                shape, self.scales, self.ratios, self.stride_ratio,
                self.stride)
        results['proposals'] = self._cache[shape].copy()
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scales={self.scales}, '
                f'ratios={self.ratios}, stride_ratio={self.stride_ratio}, '
                f'stride={self.stride})')


@TRANSFORMS.register_module()
class LoadProposalFile(BaseTransform):
    """Read the precomputed proposals of a sample from a file.

    The file maps an image id (the results' ``key``, ``img_id`` by
    default, as a string) to an array [P, 4] (or [P, >4]: columns past
    the fourth, e.g. a score, are ignored) of boxes in the *original*
    image's pixels:

    * ``.npz``: one array per id (``np.savez(path, **{img_id: boxes})``),
      read lazily;
    * ``.pkl``: a dict id -> array, or ``dict(boxes=[...], ids=[...])``
      (Detectron's layout; ``img_ids`` is accepted for ``ids``).

    Boxes are clipped to the current image; if the sample was resized
    already, they are scaled by its ``scale_factor`` (else
    :class:`Det2DResize` scales them later). Load proposals before any
    flip.

    Args:
        proposal_file (str): Path of the ``.npz`` or ``.pkl`` file.
        key (str): Results key holding the id. Defaults to ``'img_id'``.
        box_order (str): ``'xyxy'`` (default) or ``'yxyx'`` (the column
            order of R-CNN's MATLAB proposal files).
        max_num (int, optional): Keep the first ``max_num`` proposals
            (files are usually sorted by score). Defaults to None (all).
        min_size (float): Drop boxes narrower or lower than this, in
            original pixels. Defaults to 0 (drop only empty boxes).
    """

    def __init__(self,
                 proposal_file: str,
                 key: str = 'img_id',
                 box_order: str = 'xyxy',
                 max_num: Optional[int] = None,
                 min_size: float = 0.0) -> None:
        ext = osp.splitext(str(proposal_file))[1].lower()
        if ext not in ('.npz', '.pkl'):
            raise ValueError(f'LoadProposalFile: proposal_file='
                             f'{proposal_file!r} must be a .npz or .pkl file')
        if box_order not in ('xyxy', 'yxyx'):
            raise ValueError(f'LoadProposalFile: box_order={box_order!r} '
                             "must be 'xyxy' or 'yxyx'")
        if max_num is not None and (not isinstance(max_num, int)
                                    or max_num < 1):
            raise ValueError(f'LoadProposalFile: max_num={max_num!r} must '
                             'be a positive int or None')
        self.proposal_file = str(proposal_file)
        self.key = key
        self.box_order = box_order
        self.max_num = max_num
        self.min_size = float(min_size)
        self._table = None
        self._pid = None

    def _load(self):
        # an open .npz must not be shared by forked DataLoader workers
        if self._table is not None and self._pid == os.getpid():
            return self._table
        self._pid = os.getpid()
        if not osp.isfile(self.proposal_file):
            raise FileNotFoundError(f'LoadProposalFile: proposal_file not '
                                    f'found: {self.proposal_file}')
        if self.proposal_file.lower().endswith('.npz'):
            self._table = np.load(self.proposal_file, allow_pickle=False)
        else:
            with open(self.proposal_file, 'rb') as f:
                table = pickle.load(f)
            ids = next((k for k in ('img_ids', 'ids')
                        if isinstance(table, dict) and k in table), None)
            if ids is not None and 'boxes' in table:
                table = dict(zip(map(str, table[ids]), table['boxes']))
            if not isinstance(table, dict):
                raise ValueError(f'LoadProposalFile: {self.proposal_file} '
                                 'must hold a dict img_id -> boxes, got '
                                 f'{type(table).__name__}')
            self._table = {str(k): v for k, v in table.items()}
        return self._table

    def transform(self, results: Dict) -> Dict:
        """Set ``results['proposals']`` (float32 [P, 4])."""
        if self.key not in results:
            raise KeyError(f'LoadProposalFile: the results have no '
                           f'{self.key!r} to look proposals up by')
        if results.get('flip'):
            raise ValueError('LoadProposalFile: the sample is flipped '
                             'already; load proposals before '
                             'Det2DRandomFlip')
        table = self._load()
        img_id = str(results[self.key])
        if img_id not in table:
            raise KeyError(f'LoadProposalFile: {self.proposal_file} has no '
                           f'proposals for {self.key} {img_id!r}')
        boxes = np.asarray(table[img_id], dtype=np.float32)
        if boxes.size == 0:
            boxes = boxes.reshape(0, 4)
        if boxes.ndim != 2 or boxes.shape[1] < 4:
            raise ValueError(f'LoadProposalFile: {self.proposal_file}: '
                             f'proposals of {img_id!r} must be [P, 4], got '
                             f'shape {boxes.shape}')
        boxes = boxes[:, :4]
        if self.box_order == 'yxyx':
            boxes = boxes[:, [1, 0, 3, 2]]
        if not np.isfinite(boxes).all():
            raise ValueError(f'LoadProposalFile: {self.proposal_file}: '
                             f'proposals of {img_id!r} are not all finite')
        if self.max_num is not None:
            boxes = boxes[:self.max_num]
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        boxes = boxes[(w > self.min_size) & (h > self.min_size)
                      & (w > 0) & (h > 0)]
        scale = results.get('scale_factor')
        if scale is not None:
            boxes = boxes * np.asarray([scale[0], scale[1]] * 2, np.float32)
        shape = _image_shape(results, 'LoadProposalFile')
        results['proposals'] = _clip(boxes, shape).astype(np.float32)
        return results

    def __getstate__(self) -> Dict:
        state = dict(self.__dict__)
        state['_table'] = None
        return state

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(proposal_file='
                f'{self.proposal_file!r}, key={self.key!r}, box_order='
                f'{self.box_order!r}, max_num={self.max_num})')


@TRANSFORMS.register_module()
class Det2DResize(BaseTransform):
    """Resize every image of the sample, its boxes and proposals.

    Exactly one of ``scale`` and ``short_side``:

    * ``scale=(w, h)``: with ``keep_ratio`` (default) the largest size
      that fits inside ``w x h`` with the image's aspect ratio (factor
      ``min(w / W, h / H)``); without, exactly ``w x h``;
    * ``short_side=s``: the shorter side becomes ``s`` (Fast R-CNN's
      rule), unless the longer one would exceed ``max_size``, which then
      sets the factor.

    Sets ``ori_shape`` (if absent), ``img_shape`` ``(H, W)`` and
    ``scale_factor`` ``(w_scale, h_scale)`` (the actual ratios of the
    rounded sizes, multiplied into an existing one). Boxes are scaled and
    clipped to the new image.

    Args:
        scale (Sequence[int], optional): Target ``(w, h)``.
        short_side (int, optional): Target shorter side.
        max_size (int, optional): Cap of the longer side with
            ``short_side``. Defaults to None (no cap).
        keep_ratio (bool): Defaults to True.
        interpolation (str): ``'bilinear'`` (default), ``'nearest'``,
            ``'bicubic'`` or ``'area'``, for every image.
    """

    def __init__(self,
                 scale: Optional[Sequence[int]] = None,
                 short_side: Optional[int] = None,
                 max_size: Optional[int] = None,
                 keep_ratio: bool = True,
                 interpolation: str = 'bilinear') -> None:
        if (scale is None) == (short_side is None):
            raise ValueError('Det2DResize: give exactly one of scale=(w, h) '
                             f'and short_side (got scale={scale!r}, '
                             f'short_side={short_side!r})')
        if scale is not None:
            scale = tuple(scale)
            if len(scale) != 2 or min(scale) <= 0:
                raise ValueError(f'Det2DResize: scale={scale!r} must be a '
                                 'positive (w, h)')
        if short_side is not None:
            if short_side <= 0:
                raise ValueError(f'Det2DResize: short_side={short_side!r} '
                                 'must be positive')
            if not keep_ratio:
                raise ValueError('Det2DResize: short_side keeps the aspect '
                                 'ratio; keep_ratio=False needs scale=(w, h)')
        if max_size is not None and max_size <= 0:
            raise ValueError(f'Det2DResize: max_size={max_size!r} must be '
                             'positive')
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f'Det2DResize: interpolation={interpolation!r}'
                             f' must be one of {sorted(_INTERPOLATIONS)}')
        self.scale = scale
        self.short_side = short_side
        self.max_size = max_size
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation

    def target_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(new_w, new_h)`` of an image of ``height x width``."""
        if self.short_side is not None:
            factor = self.short_side / min(height, width)
            if self.max_size is not None and max(height,
                                                 width) * factor > (
                                                     self.max_size):
                factor = self.max_size / max(height, width)
        elif self.keep_ratio:
            factor = min(self.scale[0] / width, self.scale[1] / height)
        else:
            return int(self.scale[0]), int(self.scale[1])
        return (max(1, int(round(width * factor))),
                max(1, int(round(height * factor))))

    def transform(self, results: Dict) -> Dict:
        """Resize images, ``gt_bboxes`` and ``proposals``."""
        height, width = _image_shape(results, 'Det2DResize')
        new_w, new_h = self.target_size(height, width)
        results.setdefault('ori_shape', (height, width))
        for box, key in _image_slots(results, 'Det2DResize'):
            img = box[key]
            out = cv2.resize(img, (new_w, new_h),
                             interpolation=_INTERPOLATIONS[
                                 self.interpolation])
            if img.ndim == 3 and out.ndim == 2:
                out = out[..., None]
            box[key] = out
        w_scale, h_scale = new_w / width, new_h / height
        factors = np.asarray([w_scale, h_scale] * 2, dtype=np.float32)
        for key in _BOX_KEYS:
            if key in results:
                boxes = _boxes(results[key], f'Det2DResize: {key}')
                results[key] = _clip(boxes * factors, (new_h, new_w))
        old = results.get('scale_factor', (1.0, 1.0))
        results['scale_factor'] = (float(old[0]) * w_scale,
                                   float(old[1]) * h_scale)
        results['img_shape'] = (new_h, new_w)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, short_side='
                f'{self.short_side}, max_size={self.max_size}, keep_ratio='
                f'{self.keep_ratio}, interpolation={self.interpolation!r})')


def _mirror(img: np.ndarray, negate_x: bool) -> np.ndarray:
    out = np.ascontiguousarray(img[:, ::-1])
    if negate_x:
        if out.ndim != 3 or out.shape[2] < 2:
            raise ValueError('Det2DRandomFlip: a flow image must be '
                             f'H x W x C with C >= 2, got {img.shape}')
        if out.dtype == np.uint8:
            out[..., 0] = 255 - out[..., 0]
        else:
            out[..., 0] = -out[..., 0]
    return out


@TRANSFORMS.register_module()
class Det2DRandomFlip(BaseTransform):
    """Mirror the sample left-right with probability ``prob``: every image,
    ``gt_bboxes`` and ``proposals`` (``x -> W - x``), drawn once per
    sample with ``np.random``.

    Images of the modalities in ``flow_modalities`` (or the single
    ``img``, when ``'img'`` is listed) hold optical flow with x in channel
    0: mirroring reverses horizontal motion, so that channel is negated
    (``255 - v`` for uint8 flow images, ``-v`` for float flow). Sets
    ``flip`` and ``flip_direction`` (the detector undoes the flip of its
    predictions, so test-time flipping is allowed).

    Args:
        prob (float): Flip probability. Defaults to 0.5.
        flow_modalities (Sequence[str]): Modalities holding flow.
            Defaults to ().
    """

    def __init__(self, prob: float = 0.5,
                 flow_modalities: Sequence[str] = ()) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'Det2DRandomFlip: prob={prob!r} must be in '
                             '[0, 1]')
        self.prob = prob
        self.flow_modalities = tuple(flow_modalities)

    def transform(self, results: Dict) -> Dict:
        """Flip or not; record the decision."""
        flip = bool(np.random.rand() < self.prob)
        results['flip'] = flip
        results['flip_direction'] = 'horizontal' if flip else None
        if not flip:
            return results
        _, width = _image_shape(results, 'Det2DRandomFlip')
        for box, key in _image_slots(results, 'Det2DRandomFlip'):
            box[key] = _mirror(box[key], key in self.flow_modalities)
        for key in _BOX_KEYS:
            if key in results:
                boxes = _boxes(results[key], f'Det2DRandomFlip: {key}')
                flipped = boxes.copy()
                flipped[:, 0] = width - boxes[:, 2]
                flipped[:, 2] = width - boxes[:, 0]
                results[key] = flipped
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'flow_modalities={self.flow_modalities})')


def _to_chw(img: np.ndarray, who: str) -> torch.Tensor:
    img = np.asarray(img)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3:
        raise ValueError(f'{who}: an image must be H x W or H x W x C, got '
                         f'shape {img.shape}')
    if img.dtype == np.float64:
        img = img.astype(np.float32)
    return to_tensor(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackDet2DInputs(BaseTransform):
    """Pack a 2-D detection sample.

    Output: ``dict(inputs=Tensor [C, H, W] | dict(modality -> Tensor),
    data_samples=BaseDataElement)``. Images keep their dtype (uint8 or
    float32; float64 becomes float32). The data sample holds

    * ``gt_instances``: ``InstanceData(bboxes=float32 [M, 4], labels=int64
      [M], difficult=bool [M])`` (empty when the results have no boxes;
      ``difficult`` all False when absent);
    * ``proposals``: ``InstanceData(bboxes=float32 [P, 4])`` when the
      results have ``proposals``;
    * the metainfo ``meta_keys`` found in the results; ``ori_shape`` and
      ``img_shape`` default to the image's ``(H, W)`` and
      ``scale_factor`` to ``(1.0, 1.0)``.

    Args:
        meta_keys (Sequence[str]): Defaults to :data:`DET2D_META_KEYS`.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = DET2D_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack the inputs and the data sample."""
        shape = _image_shape(results, 'PackDet2DInputs')
        if isinstance(results.get('imgs'), dict):
            inputs: Union[Dict, object] = {
                m: _to_chw(img, f'PackDet2DInputs: imgs[{m!r}]')
                for m, img in results['imgs'].items()
            }
        else:
            inputs = _to_chw(results['img'], 'PackDet2DInputs: img')
        bboxes = _boxes(results.get('gt_bboxes', ()),
                        'PackDet2DInputs: gt_bboxes')
        labels = np.asarray(results.get('gt_labels', ()),
                            dtype=np.int64).reshape(-1)
        difficult = np.asarray(
            results.get('gt_difficult', np.zeros(len(labels), bool)),
            dtype=bool).reshape(-1)
        if not len(bboxes) == len(labels) == len(difficult):
            raise ValueError(f'PackDet2DInputs: sample '
                             f'{results.get("img_id")!r} has '
                             f'{len(bboxes)} gt_bboxes, {len(labels)} '
                             f'gt_labels and {len(difficult)} gt_difficult')
        sample = BaseDataElement()
        sample.gt_instances = InstanceData(
            bboxes=to_tensor(bboxes), labels=to_tensor(labels),
            difficult=to_tensor(difficult))
        if 'proposals' in results:
            sample.proposals = InstanceData(bboxes=to_tensor(
                _boxes(results['proposals'], 'PackDet2DInputs: proposals')))
        meta = dict(ori_shape=shape, img_shape=shape,
                    scale_factor=(1.0, 1.0))
        meta = {k: v for k, v in meta.items() if k in self.meta_keys}
        meta.update({k: results[k] for k in self.meta_keys if k in results})
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
