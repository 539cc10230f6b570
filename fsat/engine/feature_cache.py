# Copyright (c) fsat contributors. All rights reserved.
"""On-disk cache of a frozen teacher's clip features or feature maps.

A frozen teacher sees the same deterministic view of a training video in
every epoch, so its features are computed once and then looked up by video
id: the clip target of FSAT's c2c loss is the cached feature of the
student's clip slot, the video target of v2c is the mean over the video's
N clips (paper eq. 3). A 2-D teacher of supervision transfer (Gupta et
al.) caches its tapped map ``[C, H, W]`` of every image the same way (one
row per image id; :meth:`FeatureCache.maps` gives the maps back).

Layout of one cache folder (``<root>/<key[:16]>/``)::

    features.npy   float32 (or float16) [total_rows, dim], memory-mapped;
                   a map [C, H, W] is stored flattened, dim = C * H * W
    index.json     {video_id: [offset, num_rows]}
    meta.json      {"key": ..., "dim": ..., "num_videos": ...,
                    "dtype": ..., "item_shape": [...], ...}
                   written last: a folder without it is incomplete

``dtype='float16'`` halves the disk and page-cache footprint of large maps.
Rounding to float16 changes a value ``x`` by at most
``max(2**-11 * |x|, 2**-25)``: a relative error of at most
:data:`FLOAT16_REL_BOUND` (4.9e-4) for ``|x| >= 2**-14`` (6.1e-5, the
smallest normal float16) and an absolute one of at most
:data:`FLOAT16_ABS_BOUND` (3.0e-8) below. The cache measures what the
rounding did to its own values and records it in ``meta.json``
(``float16_max_rel_error``, ``float16_max_abs_error_below_normal``);
values beyond the float16 range (65504) or not finite are refused. Lookups
always return float32. A cache written before ``dtype`` / ``item_shape``
existed reads as float32 with ``item_shape = [dim]``.

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
#: Storage types of a cache.
DTYPES = ('float32', 'float16')
#: Largest relative change float16 rounding makes to a value ``x`` with
#: ``|x| >= FLOAT16_MIN_NORMAL`` (half the spacing of 11-bit significands).
FLOAT16_REL_BOUND = 2.0**-11
#: Smallest positive normal float16.
FLOAT16_MIN_NORMAL = 2.0**-14
#: Largest absolute change for ``|x| < FLOAT16_MIN_NORMAL`` (half the
#: spacing of float16 subnormals).
FLOAT16_ABS_BOUND = 2.0**-25
#: Largest finite float16.
FLOAT16_MAX = 65504.0


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

    @property
    def dtype(self) -> str:
        """Storage type, ``'float32'`` or ``'float16'``."""
        return self.meta.get('dtype', 'float32')

    @property
    def item_shape(self) -> tuple:
        """Shape of one row before flattening: ``(dim, )`` for vectors,
        ``(C, H, W)`` for maps."""
        return tuple(self.meta.get('item_shape', [self.dim]))

    def __contains__(self, video_id: str) -> bool:
        return video_id in self.index

    def __len__(self) -> int:
        return len(self.index)

    def clips(self, video_id: str) -> np.ndarray:
        """All clip features of a video, float32 [num_clips, dim] (maps
        flattened)."""
        try:
            offset, count = self.index[video_id]
        except KeyError:
            raise KeyError(f'video {video_id!r} is not in the teacher '
                           f'feature cache {self.folder}') from None
        # a float32 copy, also of a float16 cache
        return np.array(self.features[offset:offset + count],
                        dtype=np.float32)

    def maps(self, video_id: str) -> np.ndarray:
        """All rows of an id in their own shape, float32
        ``[num_rows, *item_shape]`` (e.g. ``[1, C, H, W]`` of an image)."""
        rows = self.clips(video_id)
        return rows.reshape((len(rows), ) + self.item_shape)

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
                        progress: bool = True,
                        dtype: str = 'float32') -> FeatureCache:
    """Open the cache of ``key``, computing it first if needed.

    Every rank of a distributed run must call this with the same arguments.
    Rank ``r`` of ``w`` computes the videos ``sorted(ids)[r::w]``; rank 0
    merges the shards; all ranks then open the same folder.

    Args:
        root (str): Folder holding caches (one sub-folder per key).
        key (str): From :func:`cache_key`; it should cover ``dtype``
            when that is not the default.
        video_ids (Sequence[str]): Videos (or images) to cache.
        compute (callable): ``video_id -> float array [num_clips, dim]``,
            the teacher's features of the video's clips, or
            ``[num_rows, C, H, W]`` (any trailing shape, the same for
            every id): maps, stored flattened.
        meta (dict, optional): Extra information stored in ``meta.json``.
        progress (bool): Show a progress bar on rank 0. Defaults to True.
        dtype (str): Storage type, ``'float32'`` or ``'float16'`` (see the
            module docstring for its error bound). Defaults to
            ``'float32'``.

    Returns:
        FeatureCache: The complete cache.
    """
    if dtype not in DTYPES:
        raise ValueError(f'feature cache dtype must be one of {DTYPES}, got '
                         f'{dtype!r}')
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
        if feats.ndim < 2 or len(feats) == 0 or feats.size == 0:
            raise ValueError(f'teacher features of {video_id!r} must be '
                             f'[num_clips>0, dim] (or [num_rows>0, C, H, '
                             f'W] maps), got {feats.shape}')
        if not np.isfinite(feats).all():
            raise ValueError(f'teacher features of {video_id!r} are not '
                             'finite (NaN or inf); check the teacher and '
                             'its input')
        shard[video_id] = feats
        bar.update(world)
    bar.close()
    np.savez(osp.join(shard_dir, f'rank{rank}.npz'), **shard)
    barrier()
    if rank == 0:
        _merge_shards(folder, shard_dir, key, ids, world, meta or {}, dtype)
    barrier()
    return FeatureCache(folder)


def float16_errors(values: np.ndarray,
                   chunk: int = 1 << 22) -> Dict[str, float]:
    """What rounding ``values`` to float16 does to them.

    Args:
        values (np.ndarray): float32 values within the float16 range.
        chunk (int): Values examined at a time (bounds the memory used).

    Returns:
        dict: ``float16_max_rel_error`` (over ``|x| >= 2**-14``; at most
        :data:`FLOAT16_REL_BOUND`) and ``float16_max_abs_error_below_normal``
        (over the smaller values; at most :data:`FLOAT16_ABS_BOUND`).
    """
    flat = np.asarray(values, dtype=np.float32).reshape(-1)
    rel_max, abs_max = 0.0, 0.0
    for start in range(0, flat.size, chunk):
        part = flat[start:start + chunk]
        error = np.abs(part.astype(np.float16).astype(np.float32) - part)
        normal = np.abs(part) >= FLOAT16_MIN_NORMAL
        if normal.any():
            rel_max = max(rel_max, float(
                (error[normal] / np.abs(part[normal])).max()))
        if not normal.all():
            abs_max = max(abs_max, float(error[~normal].max()))
    return dict(float16_max_rel_error=rel_max,
                float16_max_abs_error_below_normal=abs_max)


def _merge_shards(folder: str, shard_dir: str, key: str,
                  ids: Iterable[str], world: int, meta: dict,
                  dtype: str = 'float32') -> None:
    """Concatenate the ranks' shards in sorted id order; write meta last."""
    parts: Dict[str, np.ndarray] = {}
    for r in range(world):
        with np.load(osp.join(shard_dir, f'rank{r}.npz')) as shard:
            parts.update({k: shard[k] for k in shard.files})
    ids = list(ids)
    shapes = {tuple(parts[i].shape[1:]) for i in ids}
    if len(shapes) != 1:
        sizes = sorted(s[0] if len(s) == 1 else s for s in shapes)
        raise ValueError(f'teacher features have several sizes: {sizes}')
    item_shape = shapes.pop()
    dim = int(np.prod(item_shape))
    index, offset = {}, 0
    for video_id in ids:
        index[video_id] = [offset, len(parts[video_id])]
        offset += len(parts[video_id])
    features = np.concatenate(
        [parts[i].reshape(len(parts[i]), dim) for i in ids], axis=0)
    extra = {}
    if dtype == 'float16':
        peak = float(np.abs(features).max())
        if peak > FLOAT16_MAX:
            raise ValueError(
                f'teacher features reach |x| = {peak:g}, beyond the float16 '
                f"range ({FLOAT16_MAX:g}); use dtype='float32'")
        extra = float16_errors(features)
        features = features.astype(np.float16)
    np.save(osp.join(folder, FEATURES), features)
    with open(osp.join(folder, INDEX), 'w', encoding='utf-8') as f:
        json.dump(index, f)
    shutil.rmtree(shard_dir)
    record = dict(meta, key=key, dim=dim, num_videos=len(ids),
                  num_clips=int(offset), dtype=dtype,
                  item_shape=[int(s) for s in item_shape], **extra)
    with open(osp.join(folder, META), 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=2, sort_keys=True)
