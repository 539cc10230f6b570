# Copyright (c) fsat contributors. All rights reserved.
"""A disk cache of decoded frame folders: one ``.npy`` per folder.

Flow (two JPEGs per frame) and masked depth (one PNG per frame) come as
folders of small image files. Opening and decoding 16 to 32 of them for
every clip costs more CPU than a slim 3D CNN step on this kind of machine,
so a clip loader that waits on them starves training. With a cache root,
the loaders decode a whole folder once, store its frames as one array in
``<root>/<kind>/<hh>/<hash>.npy`` and afterwards read the frames of a clip
from it through a memory map (one file, no decoding: tens of times faster).

* The key is the folder's absolute path, its modification time (it
  changes when files are added, removed or renamed), the frame count and
  the loader's settings; a changed folder gets a new entry. Files edited in
  place without touching the folder are not detected: delete the cache
  root after rewriting frames (``rm -r <root>``).
* Entries are written to a temporary file and renamed, so concurrent
  workers and interrupted runs never leave a half-written entry behind.
* The cache holds raw decoded pixels (about ``T x H x W x C`` bytes per
  folder, twice that for 16-bit depth): plan the disk space for large
  datasets, or leave ``cache_root`` unset to read the files every time.
"""
import hashlib
import os
import os.path as osp
import tempfile
from typing import Callable, Mapping

import numpy as np


def _key(kind: str, folder: str, total: int, settings: str) -> str:
    folder = osp.abspath(folder)
    mtime = os.stat(folder).st_mtime_ns
    text = f'{kind}|{folder}|{mtime}|{total}|{settings}'
    return hashlib.sha1(text.encode('utf-8')).hexdigest()


def cached_frames(cache_root: str, kind: str, folder: str, total: int,
                  read: Callable[[int], np.ndarray],
                  settings: str = '') -> np.ndarray:
    """All ``total`` frames of ``folder``, from the cache when present.

    Args:
        cache_root (str): Cache folder (created when missing).
        kind (str): Entry family, e.g. ``'flow'`` or ``'depth'``.
        folder (str): The frame folder.
        total (int): Number of frames (indices ``0 .. total - 1``).
        read (callable): ``read(i)`` decodes frame ``i`` (raising a clear
            error for a missing or bad file); called for every frame on a
            cache miss.
        settings (str): Loader settings that change the decoded frames
            (e.g. the file name template). Defaults to ''.

    Returns:
        np.ndarray: A read-only memory map of shape ``[total, ...]``.
    """
    if total < 1:
        raise ValueError(f'{folder}: no frames to cache')
    digest = _key(kind, folder, total, settings)
    path = osp.join(cache_root, kind, digest[:2], digest + '.npy')
    if osp.exists(path):
        try:
            frames = np.load(path, mmap_mode='r')
            if frames.shape[0] == total:
                return frames
        except (ValueError, OSError):  # unreadable: rebuild it below
            pass
    decoded = [read(i) for i in range(total)]
    shapes = {f.shape for f in decoded}
    if len(shapes) > 1:
        raise ValueError(f'Frames of {folder} differ in size: '
                         f'{sorted(shapes)}; all frames of a sample must '
                         'have one size')
    frames = np.stack(decoded)
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            np.save(f, frames)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return np.load(path, mmap_mode='r')


def cached_clip(cache_root: str, kind: str, results: Mapping, tmpl: str,
                read_number: Callable[[str, int], np.ndarray]) -> np.ndarray:
    """The frames ``results['frame_inds']`` of ``results['frame_dir']``,
    through the cache (see :func:`cached_frames`).

    Args:
        cache_root (str): Cache folder.
        kind (str): Entry family, e.g. ``'flow'``.
        results (Mapping): A loader's results with ``frame_dir``,
            ``frame_inds`` (0-based), ``total_frames`` and ``offset`` (the
            number of the first file).
        tmpl (str): File name template of the frames.
        read_number (callable): ``read_number(folder, number)`` decodes the
            frame whose file carries ``number``.

    Returns:
        np.ndarray: ``[len(frame_inds), ...]`` (a copy, writable).
    """
    folder = results['frame_dir']
    offset = results.get('offset', 0)
    inds = np.asarray(results['frame_inds']).reshape(-1).astype(int)
    total = max(int(results['total_frames']), int(inds.max()) + 1)
    frames = cached_frames(cache_root, kind, folder, total,
                           lambda i: read_number(folder, i + offset),
                           settings=f'{tmpl}|{offset}')
    return frames[inds]
