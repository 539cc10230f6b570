# Copyright (c) fsat contributors. All rights reserved.
"""On-disk cache of a frozen teacher's clip features.

A frozen teacher sees the same deterministic view of a training video in
every epoch, so its features are computed once and then looked up by video
id: the clip target of FSAT's c2c loss is the cached feature of the
student's clip slot, the video target of v2c is the mean over the video's
N clips (paper eq. 3).

Layout of one cache folder (``<root>/<key[:16]>/``)::

    features.npy   float32 [total_clips, dim], read memory-mapped
    index.json     {video_id: [offset, num_clips]}
    meta.json      {"key": ..., "dim": ..., "num_videos": ..., ...}
                   written last: a folder without it is incomplete

The key is a hash of everything the features depend on (teacher config,
checkpoint bytes, data pipeline, video list, and the data files the view
reads: :func:`data_fingerprint`), so a changed teacher, checkpoint,
pipeline or data file gets a new folder and a stale cache is never read.
The data files are identified by their size, modification and status-change
times (``st_mtime_ns``, ``st_ctime_ns``; one ``stat`` per file, no reading):
re-extracted flow or a rewritten video changes them even when a tool keeps
the modification time, while reading the files again would cost as much as
the teacher itself. A ``chmod`` or a copy of the data also changes them,
which only costs a recomputation.
In a distributed run every rank computes a shard of the videos, and rank 0
merges the shards in canonical (sorted id) order, so the cache written by
``n`` processes is byte-identical to the one written by one process.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
)

import numpy as np
from mmengine.dist import barrier, get_dist_info
from tqdm import tqdm

META = 'meta.json'
INDEX = 'index.json'
FEATURES = 'features.npy'


def file_digest(path: str, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def _stat_entry(path: str, st: os.stat_result) -> list:
    return [path, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def data_fingerprint(paths: Iterable[str]) -> str:
    """Hash identifying the data files below ``paths`` without reading them.

    Every path is a file (a video, a skeleton file) or a folder of frame
    files (flow JPEGs, depth PNGs; its entries are listed, not recursed
    into); each file contributes its path, size, ``st_mtime_ns`` and
    ``st_ctime_ns``, a missing path the word ``missing``. A rewritten,
    added, removed or renamed file changes the result.

    Args:
        paths (Iterable[str]): Files and frame folders (order and
            repetitions do not matter).

    Returns:
        str: A hex digest.
    """
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            entries = [[path, 'missing']]
        else:
            entries = [_stat_entry(path, st)]
            if osp.isdir(path):
                with os.scandir(path) as listing:
                    entries += sorted(
                        _stat_entry(entry.path, entry.stat())
                        for entry in listing)
        digest.update(json.dumps(entries).encode('utf-8'))
    return digest.hexdigest()


def data_paths(info: Mapping[str, Any]) -> List[str]:
    """The data files and frame folders a dataset sample reads: the values
    of its ``paths`` (fsat's paired datasets) and its ``filename`` /
    ``frame_dir`` (mmaction2's)."""
    found = [p for p in (info.get('paths') or {}).values()
             if isinstance(p, str)]
    found += [info[k] for k in ('filename', 'frame_dir')
              if isinstance(info.get(k), str)]
    return found


def cache_key(teacher_cfg: Any,
              checkpoint: Optional[str],
              pipeline_cfg: Any,
              video_ids: Sequence[str],
              extra: Any = None,
              data: Optional[str] = None) -> str:
    """Hash of everything a teacher's cached features depend on.

    Args:
        teacher_cfg (Any): The teacher's model config (JSON-serialisable).
        checkpoint (str, optional): The teacher checkpoint; its *bytes* are
            hashed, so a retrained file at the same path changes the key.
        pipeline_cfg (Any): The data pipeline / sampling config of the view.
        video_ids (Sequence[str]): The videos in the cache.
        extra (Any): Anything else that changes the features (e.g. taps).
        data (str, optional): :func:`data_fingerprint` of the files the
            view reads. Defaults to None (not part of the key).

    Returns:
        str: A hex digest.
    """
    payload = dict(
        teacher=teacher_cfg,
        checkpoint=file_digest(checkpoint) if checkpoint else None,
        pipeline=pipeline_cfg,
        videos=sorted(video_ids),
        extra=extra)
    if data is not None:
        payload['data'] = data
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


class FeatureCache:
    """Read access to a complete cache folder.

    Args:
        folder (str): The cache folder (holding ``meta.json``).
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        with open(osp.join(folder, META), encoding='utf-8') as f:
            self.meta: Dict[str, Any] = json.load(f)
        with open(osp.join(folder, INDEX), encoding='utf-8') as f:
            self.index: Dict[str, list] = json.load(f)
        self.features = np.load(osp.join(folder, FEATURES), mmap_mode='r')

    @property
    def key(self) -> str:
        return self.meta['key']

    @property
    def dim(self) -> int:
        return int(self.meta['dim'])

    def __contains__(self, video_id: str) -> bool:
        return video_id in self.index

    def __len__(self) -> int:
        return len(self.index)

    def clips(self, video_id: str) -> np.ndarray:
        """All clip features of a video, [num_clips, dim]."""
        try:
            offset, count = self.index[video_id]
        except KeyError:
            raise KeyError(f'video {video_id!r} is not in the teacher '
                           f'feature cache {self.folder}') from None
        return np.array(self.features[offset:offset + count])  # a copy

    def clip(self, video_id: str, slot: int) -> np.ndarray:
        """The feature of clip ``slot`` (clamped to the last clip), [dim]."""
        clips = self.clips(video_id)
        return clips[min(max(int(slot), 0), len(clips) - 1)]

    def video(self, video_id: str) -> np.ndarray:
        """The video-level feature: mean over the video's clips, [dim]."""
        return self.clips(video_id).mean(axis=0)

    @classmethod
    def open(cls, root: str, key: str) -> Optional['FeatureCache']:
        """Open the complete cache for ``key`` under ``root``, or None."""
        folder = cache_folder(root, key)
        meta = osp.join(folder, META)
        if not osp.isfile(meta):
            return None
        with open(meta, encoding='utf-8') as f:
            if json.load(f).get('key') != key:
                return None
        return cls(folder)


def cache_folder(root: str, key: str) -> str:
    """Where the cache of ``key`` lives below ``root``."""
    return osp.join(root, key[:16])


def build_feature_cache(root: str,
                        key: str,
                        video_ids: Sequence[str],
                        compute: Callable[[str], np.ndarray],
                        meta: Optional[dict] = None,
                        progress: bool = True) -> FeatureCache:
    """Open the cache of ``key``, computing it first if needed.

    Every rank of a distributed run must call this with the same arguments.
    Rank ``r`` of ``w`` computes the videos ``sorted(ids)[r::w]``; rank 0
    merges the shards; all ranks then open the same folder.

    Args:
        root (str): Folder holding caches (one sub-folder per key).
        key (str): From :func:`cache_key`.
        video_ids (Sequence[str]): Videos to cache.
        compute (callable): ``video_id -> float array [num_clips, dim]``,
            the teacher's features of the video's clips.
        meta (dict, optional): Extra information stored in ``meta.json``.
        progress (bool): Show a progress bar on rank 0. Defaults to True.

    Returns:
        FeatureCache: The complete cache.
    """
    cached = FeatureCache.open(root, key)
    if cached is not None:
        return cached
    rank, world = get_dist_info()
    folder = cache_folder(root, key)
    shard_dir = osp.join(folder, 'shards')
    if rank == 0:
        if osp.isdir(folder):  # an incomplete earlier attempt
            shutil.rmtree(folder)
        os.makedirs(shard_dir)
    barrier()
    ids = sorted(set(video_ids))
    mine = ids[rank::world]
    bar = tqdm(
        total=len(ids),
        desc='teacher features',
        unit='video',
        disable=not progress or rank != 0)
    shard = {}
    for video_id in mine:
        feats = np.asarray(compute(video_id), dtype=np.float32)
        if feats.ndim != 2 or len(feats) == 0:
            raise ValueError(f'teacher features of {video_id!r} must be '
                             f'[num_clips>0, dim], got {feats.shape}')
        shard[video_id] = feats
        bar.update(world)
    bar.close()
    np.savez(osp.join(shard_dir, f'rank{rank}.npz'), **shard)
    barrier()
    if rank == 0:
        _merge_shards(folder, shard_dir, key, ids, world, meta or {})
    barrier()
    return FeatureCache(folder)


def _merge_shards(folder: str, shard_dir: str, key: str,
                  ids: Iterable[str], world: int, meta: dict) -> None:
    """Concatenate the ranks' shards in sorted id order; write meta last."""
    parts: Dict[str, np.ndarray] = {}
    for r in range(world):
        with np.load(osp.join(shard_dir, f'rank{r}.npz')) as shard:
            parts.update({k: shard[k] for k in shard.files})
    ids = list(ids)
    dims = {parts[i].shape[1] for i in ids}
    if len(dims) != 1:
        raise ValueError(f'teacher features have several sizes: {dims}')
    index, offset = {}, 0
    for video_id in ids:
        index[video_id] = [offset, len(parts[video_id])]
        offset += len(parts[video_id])
    features = np.concatenate([parts[i] for i in ids], axis=0)
    np.save(osp.join(folder, FEATURES), features)
    with open(osp.join(folder, INDEX), 'w', encoding='utf-8') as f:
        json.dump(index, f)
    shutil.rmtree(shard_dir)
    record = dict(meta, key=key, dim=int(dims.pop()), num_videos=len(ids),
                  num_clips=int(offset))
    with open(osp.join(folder, META), 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=2, sort_keys=True)
