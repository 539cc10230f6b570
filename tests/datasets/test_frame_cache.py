# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the decoded-frame disk cache and the loaders that use it."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fsat.datasets.frame_cache import cached_frames
from fsat.datasets.transforms import LoadFlow, LoadMaskedDepth


def write_flow(folder, n, seed=0):
    rng = np.random.default_rng(seed)
    for j in range(1, n + 1):
        for comp in 'xy':
            img = rng.integers(0, 256, (6, 8), dtype=np.uint8)
            cv2.imwrite(osp.join(folder, f'flow_{comp}_{j:05d}.jpg'), img)


def write_depth(folder, n, seed=0):
    rng = np.random.default_rng(seed)
    for t in range(1, n + 1):
        depth = rng.integers(0, 4000, (5, 7)).astype(np.uint16)
        depth[0] = 0
        cv2.imwrite(osp.join(folder, f'MDepth-{t:08d}.png'), depth)


def results(folder, inds, total, modality):
    return dict(frame_dir=str(folder), frame_inds=np.asarray(inds),
                offset=1, modality=modality, total_frames=total)


@pytest.mark.parametrize('dequantize', [False, True])
def test_cached_flow_equals_the_files(tmp_path, monkeypatch, dequantize):
    folder = tmp_path / 'flow'
    folder.mkdir()
    write_flow(str(folder), 9)
    cache = str(tmp_path / 'cache')
    inds = [3, 4, 4, 8, 0]
    plain = LoadFlow(dequantize=dequantize)(results(folder, inds, 9, 'Flow'))
    loader = LoadFlow(dequantize=dequantize, cache_root=cache)
    first = loader(results(folder, inds, 9, 'Flow'))
    entries = glob.glob(osp.join(cache, 'flow', '*', '*.npy'))
    assert len(entries) == 1
    assert np.load(entries[0]).shape == (9, 6, 8, 2)
    # later loads never decode a file
    monkeypatch.setattr(cv2, 'imread', lambda *a, **k: None)
    second = loader(results(folder, inds, 9, 'Flow'))
    for out in (first, second):
        assert out['img_shape'] == plain['img_shape'] == (6, 8)
        assert len(out['imgs']) == len(inds)
        for a, b in zip(out['imgs'], plain['imgs']):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
    assert not glob.glob(osp.join(cache, '**', '*.tmp'), recursive=True)


def test_cached_depth_equals_the_files(tmp_path):
    folder = tmp_path / 'S001C001P001R001A001'
    folder.mkdir()
    write_depth(str(folder), 6)
    inds = [5, 1, 1, 2]
    plain = LoadMaskedDepth()(results(folder, inds, 6, 'Depth'))
    cached = LoadMaskedDepth(cache_root=str(tmp_path / 'c'))
    for out in (cached(results(folder, inds, 6, 'Depth')),
                cached(results(folder, inds, 6, 'Depth'))):
        assert out['depth_stats'] == plain['depth_stats']
        assert out['img_shape'] == plain['img_shape'] == (5, 7)
        for a, b in zip(out['imgs'], plain['imgs']):
            assert a.dtype == np.float32
            np.testing.assert_array_equal(a, b)


def test_changed_folder_gets_a_new_entry(tmp_path):
    folder = tmp_path / 'd'
    folder.mkdir()
    write_depth(str(folder), 3, seed=0)
    loader = LoadMaskedDepth(cache_root=str(tmp_path / 'c'))
    old = loader(results(folder, [0, 1, 2], 3, 'Depth'))['imgs']
    # rewrite the frames with other values and add one: the folder's
    # modification time changes, so the old entry is not used
    for f in os.listdir(folder):
        os.remove(folder / f)
    write_depth(str(folder), 4, seed=1)
    st = os.stat(folder)
    os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    new = loader(results(folder, [0, 1, 2], 4, 'Depth'))['imgs']
    truth = LoadMaskedDepth()(results(folder, [0, 1, 2], 4, 'Depth'))
    for a, b, c in zip(new, truth['imgs'], old):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    assert len(glob.glob(str(tmp_path / 'c' / 'depth' / '*' / '*'))) == 2


def test_bad_frames_are_reported_and_nothing_is_cached(tmp_path):
    folder = tmp_path / 'd'
    folder.mkdir()
    write_depth(str(folder), 3)
    # frame 3 is an 8-bit PNG: not millimetres
    cv2.imwrite(str(folder / 'MDepth-00000003.png'),
                np.zeros((5, 7), np.uint8))
    loader = LoadMaskedDepth(cache_root=str(tmp_path / 'c'))
    with pytest.raises(ValueError, match='MDepth-00000003.png is 8-bit'):
        loader(results(folder, [0], 3, 'Depth'))
    assert not glob.glob(str(tmp_path / 'c' / '**' / '*.*'), recursive=True)
    # frames of different sizes: one clear error naming the folder
    cv2.imwrite(str(folder / 'MDepth-00000003.png'),
                np.ones((4, 7), np.uint16))
    with pytest.raises(ValueError, match=r'Frames of .*d differ in size'):
        loader(results(folder, [0], 3, 'Depth'))


def test_a_damaged_entry_is_rebuilt(tmp_path):
    folder = tmp_path / 'd'
    folder.mkdir()
    calls = []

    def read(i):
        calls.append(i)
        return np.full((2, 2), i, np.uint8)

    cache = str(tmp_path / 'c')
    a = cached_frames(cache, 'x', str(folder), 3, read)
    assert calls == [0, 1, 2]
    np.testing.assert_array_equal(a[:, 0, 0], [0, 1, 2])
    (entry, ) = glob.glob(osp.join(cache, 'x', '*', '*.npy'))
    with open(entry, 'wb') as f:
        f.write(b'garbage')
    b = cached_frames(cache, 'x', str(folder), 3, read)
    assert calls == [0, 1, 2, 0, 1, 2]
    np.testing.assert_array_equal(b[:, 0, 0], [0, 1, 2])
    with pytest.raises(ValueError, match='no frames'):
        cached_frames(cache, 'x', str(folder), 0, read)
