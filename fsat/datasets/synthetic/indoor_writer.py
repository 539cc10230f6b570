# Copyright (c) fsat contributors. All rights reserved.
"""Write the indoor world (:mod:`.indoor`) in NYU Depth V2's file formats.

Output (``out_dir``)::

    nyu_depth_v2_labeled.mat   MATLAB v7.3 (HDF5), NYUD2's layout
    splits.mat                 MATLAB v5: trainNdxs, testNdxs (1-based)
    world.json                 what was generated (written last)

The labeled file has the variables and layout that
:class:`fsat.datasets.nyud2.NYUD2Labeled` reads from the real file
(docs/datasets.md, "NYUD2 and HHA"): ``images`` uint8 with h5py shape
(N, 3, 640, 480), ``depths`` and ``rawDepths`` float32 (N, 640, 480) in
metres, ``labels`` uint16 and ``instances`` uint8 (N, 640, 480), i.e.
MATLAB's column-major H x W x N arrays; ``names``, ``scenes`` and
``sceneTypes`` are cells of uint16 char arrays in ``#refs#``; a 512-byte
user block holds the MATLAB v7.3 header. Each image is one gzip-compressed
HDF5 chunk, written as soon as it is rendered (memory stays flat).
``splits.mat`` holds ``trainNdxs`` / ``testNdxs`` as uint16 column
vectors of 1-based indices, like the real file.

The world is written into ``<out_dir>.partial-<pid>`` and renamed when
complete (removed on failure). An ``out_dir`` holding the same world
(same preset, seed and :data:`INDOOR_VERSION`) is reused; one holding
anything else is an error, never overwritten (the reuse check and the
publishing are :mod:`.generate`'s, shared by every format's writer;
:func:`~.generate.generate_world` hands an indoor preset to
:func:`generate_nyud2_world`). Files are byte-identical for the same
parameters (fixed MAT-file headers, no HDF5 timestamps).

h5py and scipy are needed here only (as for the NYUD2 readers).
"""
import hashlib
import json
import os
import shutil
import sys
import time
from collections import deque
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .generate import _check_existing, publish_world
from .indoor import (
    IMAGE_SIZE,
    INDOOR_CLASSES,
    INDOOR_NAMES,
    IndoorPreset,
    IndoorView,
    get_indoor_preset,
    make_room,
    plan_indoor,
    render_view,
)
from .runner import JobError

__all__ = [
    'INDOOR_VERSION', 'LABELED_FILE', 'LabeledMatWriter', 'SPLITS_FILE',
    'generate_nyud2_world', 'write_splits_mat'
]

#: Bump when the indoor world's output changes for the same parameters.
INDOOR_VERSION = '1.0.0'
LABELED_FILE = 'nyu_depth_v2_labeled.mat'
SPLITS_FILE = 'splits.mat'

_V73_TEXT = (b'MATLAB 7.3 MAT-file, Platform: fsat synthetic world, Created '
             b'on: Thu Jan  1 00:00:00 1970 HDF5 schema 1.00 .')
_V5_TEXT = (b'MATLAB 5.0 MAT-file, Platform: fsat synthetic world, Created '
            b'on: Thu Jan  1 00:00:00 1970')
#: key -> (variable, MATLAB class, dtype, h5py axes of an (H, W[, 3]) map)
_ARRAYS = {
    'rgb': ('images', 'uint8', np.uint8, (2, 1, 0)),
    'depth': ('depths', 'single', np.float32, (1, 0)),
    'raw_depth': ('rawDepths', 'single', np.float32, (1, 0)),
    'labels': ('labels', 'uint16', np.uint16, (1, 0)),
    'instances': ('instances', 'uint8', np.uint8, (1, 0)),
}


def _ref_name(k: int) -> str:
    """MATLAB's names of ``#refs#`` members: a, b, ..., z, ba, bb, ..."""
    s = ''
    while True:
        s = chr(ord('a') + k % 26) + s
        k //= 26
        if k == 0:
            return s


class LabeledMatWriter:
    """Stream images into an NYUD2-layout ``nyu_depth_v2_labeled.mat``.

    Args:
        path (str): The file to create.
        num_images (int): Images the file will hold.
        names (Sequence[str]): The label names (label id ``k`` is
            ``names[k - 1]``).
        scenes (Sequence[str], optional): Per image, its scene name.
        scene_types (Sequence[str], optional): Per image, its scene type.
        image_size (tuple): ``(height, width)``. Defaults to 480x640.
        compression (int): gzip level (0: none). Defaults to 1.

    Use as a context manager; :meth:`write` stores one image, and closing
    writes the MATLAB header.
    """

    def __init__(self, path: str, num_images: int, names: Sequence[str],
                 scenes: Optional[Sequence[str]] = None,
                 scene_types: Optional[Sequence[str]] = None,
                 image_size=IMAGE_SIZE, compression: int = 1) -> None:
        import h5py
        self._h5py = h5py
        self.path = path
        self.num_images = int(num_images)
        self.image_size = tuple(image_size)
        self._file = h5py.File(path, 'w', userblock_size=512,
                               libver='earliest')
        self._refs = 0
        self._datasets = {}
        h, w = self.image_size
        gzip = dict(compression='gzip', compression_opts=compression,
                    shuffle=True) if compression else {}
        for key, (var, cls, dtype, _) in _ARRAYS.items():
            shape = ((self.num_images, 3, w, h) if key == 'rgb' else
                     (self.num_images, w, h))
            ds = self._file.create_dataset(
                var, shape=shape, dtype=dtype, chunks=(1, ) + shape[1:],
                track_times=False, **gzip)
            ds.attrs['MATLAB_class'] = np.bytes_(cls)
            self._datasets[key] = ds
        self._cell('names', names)
        if scenes is not None:
            self._cell('scenes', scenes)
        if scene_types is not None:
            self._cell('sceneTypes', scene_types)

    def _cell(self, var: str, strings: Sequence[str]) -> None:
        """A MATLAB N x 1 cell of char (h5py shape (1, N))."""
        h5py = self._h5py
        refs = self._file.require_group('#refs#')
        cell = []
        for text in strings:
            name = _ref_name(self._refs)
            self._refs += 1
            if text:
                item = refs.create_dataset(
                    name, data=np.array([ord(c) for c in text],
                                        np.uint16).reshape(-1, 1),
                    track_times=False)
                item.attrs['MATLAB_int_decode'] = np.int32(2)
            else:
                item = refs.create_dataset(name, data=np.zeros(2, np.uint64),
                                           track_times=False)
                item.attrs['MATLAB_empty'] = np.uint8(1)
            item.attrs['MATLAB_class'] = np.bytes_('char')
            cell.append(item.ref)
        ds = self._file.create_dataset(
            var, data=np.array(cell, dtype=h5py.ref_dtype).reshape(1, -1),
            track_times=False)
        ds.attrs['MATLAB_class'] = np.bytes_('cell')

    def write(self, index: int, sample: Dict[str, np.ndarray]) -> None:
        """Store image ``index`` (0-based).

        Args:
            index (int): Where to write.
            sample (dict): ``rgb`` (H, W, 3) uint8, ``depth``,
                ``raw_depth`` (H, W) float metres, ``labels``,
                ``instances`` (H, W) integers.
        """
        if not 0 <= index < self.num_images:
            raise IndexError(f'{self.path}: image index {index} outside '
                             f'0..{self.num_images - 1}')
        for key, (var, _, dtype, axes) in _ARRAYS.items():
            arr = np.asarray(sample[key])
            want = self.image_size + ((3, ) if key == 'rgb' else ())
            if arr.shape != want:
                raise ValueError(f'{self.path}: {key} of image {index} has '
                                 f'shape {arr.shape}, expected {want}')
            self._datasets[key][index] = arr.astype(dtype).transpose(axes)

    def close(self) -> None:
        """Close the HDF5 file and write the MATLAB v7.3 header."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        header = (_V73_TEXT.ljust(116) + bytes(8) +
                  (0x0200).to_bytes(2, 'little') + b'IM')
        with open(self.path, 'r+b') as f:
            f.write(header)

    def __enter__(self) -> 'LabeledMatWriter':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_splits_mat(path: str, train: Sequence[int],
                     test: Sequence[int]) -> None:
    """Write ``splits.mat`` (MATLAB v5) from 0-based indices.

    ``trainNdxs`` and ``testNdxs`` are sorted 1-based uint16 column
    vectors, as in the real file; the header's date is fixed, so equal
    splits give equal bytes.
    """
    import scipy.io
    col = {}
    for var, idx in (('trainNdxs', train), ('testNdxs', test)):
        idx = np.sort(np.asarray(idx, np.int64)) + 1
        dtype = np.uint16 if idx.size == 0 or idx.max() < 65536 else \
            np.uint32
        col[var] = idx.astype(dtype).reshape(-1, 1)
    scipy.io.savemat(path, col, format='5')
    with open(path, 'r+b') as f:
        f.write(_V5_TEXT.ljust(116))


def params_hash(preset: IndoorPreset, seed: int) -> str:
    """SHA-256 of every generation parameter (preset, seed, version)."""
    text = json.dumps(dict(kind='nyud2', preset=preset.to_dict(),
                           seed=int(seed), version=INDOOR_VERSION),
                      sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _render_scene(args) -> List[dict]:
    """Render every view of one room (a worker's job)."""
    preset, seed, views = args
    first = views[0]
    room = make_room(preset, seed, first.scene, first.scene_type,
                     first.num_views)
    out = []
    for view in views:
        sample = render_view(preset, seed, view, room)
        sample.pop('objects')
        out.append(sample)
    return out


def _scene_jobs(views: List[IndoorView]) -> List[List[IndoorView]]:
    jobs: List[List[IndoorView]] = []
    for view in views:
        if jobs and jobs[-1][0].scene == view.scene:
            jobs[-1].append(view)
        else:
            jobs.append([view])
    return jobs


def _rendered(jobs, preset, seed, workers: int):
    """Yield ``(views, samples)`` per room, in order; at most ``2 *
    workers`` rooms are rendered ahead of the writer."""
    if workers <= 1:
        for views in jobs:
            try:
                yield views, _render_scene((preset, seed, views))
            except Exception as e:
                raise JobError(f'synthesize {preset.name}: image '
                               f'{views[0].key} failed: {type(e).__name__}:'
                               f' {e}') from e
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    methods = mp.get_all_start_methods()
    ctx = mp.get_context('fork' if 'fork' in methods else 'spawn')
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        pending: deque = deque()
        todo = iter(jobs)
        try:
            while True:
                while len(pending) < 2 * workers:
                    views = next(todo, None)
                    if views is None:
                        break
                    pending.append((views, pool.submit(
                        _render_scene, (preset, seed, views))))
                if not pending:
                    return
                views, future = pending.popleft()
                try:
                    samples = future.result()
                except BrokenProcessPool as e:
                    raise JobError(
                        f'synthesize {preset.name}: a worker process ended '
                        f'while image {views[0].key} was pending ({e}); was '
                        'it killed, e.g. out of memory?') from e
                except Exception as e:
                    raise JobError(
                        f'synthesize {preset.name}: image {views[0].key} '
                        f'failed: {type(e).__name__}: {e}') from e
                yield views, samples
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _box_counts(labels: np.ndarray, instances: np.ndarray) -> Dict[str,
                                                                  int]:
    from ..nyud2.detection import NYUD2_DET_RAW_NAMES, boxes_from_instances
    classes = {c: NYUD2_DET_RAW_NAMES[c] for c in INDOOR_CLASSES}
    boxes = boxes_from_instances(labels, instances, INDOOR_NAMES, classes)
    counts = np.bincount(boxes.class_ids, minlength=len(INDOOR_CLASSES))
    return dict(zip(INDOOR_CLASSES, counts.tolist()))


def generate_nyud2_world(preset: Union[str, IndoorPreset], out_dir: str,
                         seed: int = 0, workers: int = 1,
                         progress: bool = True,
                         compression: int = 1) -> dict:
    """Generate (or reuse) the NYUD2-format indoor world.

    Args:
        preset (str | IndoorPreset): A name of
            :data:`~.indoor.INDOOR_PRESETS` or a preset.
        out_dir (str): Output folder (created; must not hold other data).
        seed (int): World seed. Same seed, same bytes. Defaults to 0.
        workers (int): Rendering processes; the main process writes.
            Defaults to 1 (render in this process).
        progress (bool): Show a progress bar and messages. Defaults to
            True.
        compression (int): gzip level of the labeled file. Defaults to 1.

    Returns:
        dict: The content of ``world.json``: the preset, seed, version,
        ``num_images``, ``splits`` (image and room counts), ``boxes``
        (per split, class -> number of objects, no area threshold) and
        the ``classes``.

    Raises:
        WorldExistsError: ``out_dir`` holds other data.
        JobError: Rendering an image failed; nothing is left behind.
    """
    from tqdm import tqdm
    preset = get_indoor_preset(preset)
    out_dir = os.path.abspath(out_dir)
    digest = params_hash(preset, seed)
    world = _check_existing(out_dir, digest, preset, seed, INDOOR_VERSION)
    if world is not None:
        if progress:
            print(f'{out_dir}: NYUD2-format world {preset.name!r} (seed '
                  f'{seed}) is already there, skipping', file=sys.stderr)
        return world
    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    tmp = f'{out_dir}.partial-{os.getpid()}'
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    views = plan_indoor(preset, seed)
    boxes = {s: dict.fromkeys(INDOOR_CLASSES, 0) for s in ('train', 'test')}
    start = time.perf_counter()
    try:
        os.makedirs(tmp)
        bar = tqdm(total=len(views), unit='img', disable=not progress,
                   desc=f'synthesize {preset.name}', dynamic_ncols=True)
        with bar, LabeledMatWriter(
                os.path.join(tmp, LABELED_FILE), len(views), INDOOR_NAMES,
                [v.scene for v in views], [v.scene_type for v in views],
                compression=compression) as writer:
            for scene_views, samples in _rendered(_scene_jobs(views),
                                                  preset, seed, workers):
                for view, sample in zip(scene_views, samples):
                    writer.write(view.index, sample)
                    for cls, n in _box_counts(sample['labels'],
                                              sample['instances']).items():
                        boxes[view.split][cls] += n
                    bar.update()
        write_splits_mat(os.path.join(tmp, SPLITS_FILE),
                         [v.index for v in views if v.split == 'train'],
                         [v.index for v in views if v.split == 'test'])
        world = dict(
            kind='nyud2', preset=preset.to_dict(), seed=int(seed),
            version=INDOOR_VERSION, params_hash=digest,
            num_images=len(views), classes=list(INDOOR_CLASSES),
            names=list(INDOOR_NAMES),
            splits={s: dict(images=sum(v.split == s for v in views),
                            rooms=len({v.scene for v in views
                                       if v.split == s}))
                    for s in ('train', 'test')},
            boxes=boxes)
        publish_world(tmp, out_dir, world, lambda: _check_existing(
            out_dir, digest, preset, seed, INDOOR_VERSION))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        seconds = time.perf_counter() - start
        print(f'{out_dir}: wrote {len(views)} NYUD2-format images in '
              f'{seconds:.1f} s ({len(views) / seconds:.2f} images/s)',
              file=sys.stderr)
    return world
