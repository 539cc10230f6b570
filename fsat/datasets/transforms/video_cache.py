# Copyright (c) fsat contributors. All rights reserved.
"""Decode a video's clip through a disk cache of its decoded frames.

mmaction2's ``DecordInit`` + ``DecordDecode`` open the video and decode
the clip's frames (seeking from the last key frame) for every sample, in
every epoch of every run. On the short, small videos of the synthetic
Toyota Smarthome world that costs more CPU than the rest of a sample's
pipeline, and with several runs sharing two cores it is what a training
step waits for. :class:`CachedVideoDecode` decodes each video once, in
full, with decord (the same decoder and mode), stores its frames as one
``.npy`` through :mod:`fsat.datasets.frame_cache` (keyed by the file's
path, modification time and frame count) and afterwards reads a clip's
frames from a memory map: the same pixels, without opening the video.

The cache holds raw RGB frames, ``T x H x W x 3`` bytes a video (83 KB a
frame at 192x144; the synthetic Smarthome world's 2,106 clips take about
11 GB): worth it for small videos read many times, not for a large
dataset read once.
"""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from ..frame_cache import cached_frames
from .sources import count_video_frames

__all__ = ['CachedVideoDecode']


@TRANSFORMS.register_module()
class CachedVideoDecode(BaseTransform):
    """``DecordInit`` + ``DecordDecode`` (accurate mode) through a cache.

    Required keys: ``filename``, ``frame_inds`` (0-based), and
    ``total_frames`` when known (fsat's paired and Smarthome datasets set
    it from decord's count; without it the video is opened to count).
    Added keys, as mmaction2's pair adds them: ``imgs`` (a list of
    ``H x W x 3`` uint8 RGB frames), ``total_frames``,
    ``original_shape``, ``img_shape``. Not added: ``avg_fps``, which the
    cache does not keep.

    Args:
        cache_root (str): Cache folder (entries under ``<root>/video/``).
        num_threads (int): decord's decoding threads on a cache miss.
            Defaults to 1 (data loader workers run in parallel already).
    """

    def __init__(self, cache_root: str, num_threads: int = 1) -> None:
        if not cache_root:
            raise ValueError('CachedVideoDecode needs a cache_root (use '
                             "DecordInit + DecordDecode without a cache)")
        self.cache_root = cache_root
        self.num_threads = num_threads

    def _decode_all(self, path: str, total: int) -> np.ndarray:
        import decord
        reader = decord.VideoReader(path, num_threads=self.num_threads)
        if len(reader) != total:
            raise ValueError(f'{path}: decord decodes {len(reader)} frames, '
                             f'the sample counted {total}')
        return reader.get_batch(list(range(total))).asnumpy()

    def transform(self, results: Dict) -> Dict:
        """Read the clip's frames."""
        path = results['filename']
        total = int(results.get('total_frames') or count_video_frames(path))
        inds = np.asarray(results['frame_inds']).reshape(-1).astype(np.int64)
        if len(inds) == 0 or inds.min() < 0 or inds.max() >= total:
            raise IndexError(
                f'{path}: frame indices {inds.min() if len(inds) else "-"}'
                f'..{inds.max() if len(inds) else "-"} outside the video\'s '
                f'{total} frames')
        decoded = []

        def read(i: int) -> np.ndarray:
            if not decoded:
                decoded.append(self._decode_all(path, total))
            return decoded[0][i]

        frames = cached_frames(self.cache_root, 'video', path, total, read,
                               settings='decord-accurate-rgb')
        clip = frames[inds]
        results['frame_inds'] = inds
        results['total_frames'] = total
        results['imgs'] = list(clip)
        results['original_shape'] = clip.shape[1:3]
        results['img_shape'] = clip.shape[1:3]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cache_root={self.cache_root!r}, '
                f'num_threads={self.num_threads})')
