# Copyright (c) fsat contributors. All rights reserved.
import filecmp
import os
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fsat.engine.feature_cache import (
    FeatureCache,
    build_feature_cache,
    cache_folder,
    cache_key,
)
from fsat.engine.launch import find_free_port

IDS = [f'S001C00{c}P001R001A00{a}' for c in (1, 2, 3) for a in (1, 2)]


def fake_features(video_id: str) -> np.ndarray:
    """Deterministic [num_clips, 4] features; num_clips varies by video."""
    seed = sum(map(ord, video_id))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2 + seed % 3, 4)).astype(np.float32)


def test_lookups_equal_the_computed_features(tmp_path):
    key = cache_key(dict(type='T'), None, dict(clip_len=16), IDS)
    cache = build_feature_cache(str(tmp_path), key, IDS, fake_features,
                                progress=False)
    assert len(cache) == len(IDS) and cache.dim == 4
    for video_id in IDS:
        clips = fake_features(video_id)
        np.testing.assert_array_equal(cache.clips(video_id), clips)
        np.testing.assert_allclose(cache.video(video_id), clips.mean(0))
        np.testing.assert_array_equal(cache.clip(video_id, 1), clips[1])
        # a slot past the end is the last clip
        np.testing.assert_array_equal(cache.clip(video_id, 99), clips[-1])
    with pytest.raises(KeyError, match='not in the teacher feature cache'):
        cache.clips('S009C001P001R001A001')


def test_an_existing_cache_is_reused_not_recomputed(tmp_path):
    key = cache_key('cfg', None, 'pipe', IDS)
    build_feature_cache(str(tmp_path), key, IDS, fake_features,
                        progress=False)

    def fail(video_id):
        raise AssertionError('recomputed')

    cache = build_feature_cache(str(tmp_path), key, IDS, fail,
                                progress=False)
    assert cache.key == key


def test_key_changes_with_everything_the_features_depend_on(tmp_path):
    ckpt = tmp_path / 'teacher.pth'
    ckpt.write_bytes(b'weights v1')
    base = cache_key(dict(depth=18), str(ckpt), dict(size=112), IDS)
    assert base == cache_key(dict(depth=18), str(ckpt), dict(size=112),
                             list(reversed(IDS)))
    assert base != cache_key(dict(depth=34), str(ckpt), dict(size=112), IDS)
    assert base != cache_key(dict(depth=18), str(ckpt), dict(size=96), IDS)
    assert base != cache_key(dict(depth=18), str(ckpt), dict(size=112),
                             IDS[:-1])
    ckpt.write_bytes(b'weights v2')  # same path, retrained teacher
    assert base != cache_key(dict(depth=18), str(ckpt), dict(size=112), IDS)


def test_a_stale_cache_is_never_read(tmp_path):
    ckpt = tmp_path / 'teacher.pth'
    ckpt.write_bytes(b'weights v1')
    old_key = cache_key('cfg', str(ckpt), 'pipe', IDS)
    build_feature_cache(str(tmp_path / 'c'), old_key, IDS, fake_features,
                        progress=False)
    ckpt.write_bytes(b'weights v2')
    new_key = cache_key('cfg', str(ckpt), 'pipe', IDS)
    assert FeatureCache.open(str(tmp_path / 'c'), new_key) is None
    calls = []

    def new_features(video_id):
        calls.append(video_id)
        return fake_features(video_id) + 1

    cache = build_feature_cache(str(tmp_path / 'c'), new_key, IDS,
                                new_features, progress=False)
    assert sorted(calls) == sorted(IDS)
    np.testing.assert_allclose(cache.clips(IDS[0]),
                               fake_features(IDS[0]) + 1)


def test_an_incomplete_cache_is_rebuilt(tmp_path):
    key = cache_key('cfg', None, 'pipe', IDS)
    folder = cache_folder(str(tmp_path), key)
    os.makedirs(folder)
    np.save(osp.join(folder, 'features.npy'), np.zeros((1, 4)))  # no meta
    assert FeatureCache.open(str(tmp_path), key) is None
    cache = build_feature_cache(str(tmp_path), key, IDS, fake_features,
                                progress=False)
    assert len(cache) == len(IDS)


TWO_RANKS = textwrap.dedent('''
    import sys
    import torch.distributed as dist
    from fsat.engine.feature_cache import build_feature_cache, cache_key
    sys.path.insert(0, sys.argv[2])
    from test_feature_cache import IDS, fake_features
    dist.init_process_group('gloo')
    key = cache_key('cfg', None, 'pipe', IDS)
    build_feature_cache(sys.argv[1], key, IDS, fake_features,
                        progress=False)
    dist.destroy_process_group()
''')


def test_two_process_cache_equals_one_process_cache(tmp_path):
    key = cache_key('cfg', None, 'pipe', IDS)
    single = build_feature_cache(str(tmp_path / 'one'), key, IDS,
                                 fake_features, progress=False)
    script = tmp_path / 'two_ranks.py'
    script.write_text(TWO_RANKS)
    proc = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={find_free_port()}',
        str(script),
        str(tmp_path / 'two'),
        osp.dirname(__file__)
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    double = cache_folder(str(tmp_path / 'two'), key)
    for name in ('features.npy', 'index.json', 'meta.json'):
        assert filecmp.cmp(
            osp.join(single.folder, name),
            osp.join(double, name),
            shallow=False), name


def _write_flow(root, name, frames, level):
    """An NTU flow folder of ``frames`` pairs of constant JPEGs."""
    import cv2
    folder = osp.join(root, 'nturgb+d_flow', name)
    os.makedirs(folder, exist_ok=True)
    for j in range(1, frames + 1):
        x = np.full((12, 16), level + 5 * j, np.uint8)
        cv2.imwrite(osp.join(folder, f'flow_x_{j:05d}.jpg'), x)
        cv2.imwrite(osp.join(folder, f'flow_y_{j:05d}.jpg'), 255 - x)
    return folder


def test_data_fingerprint_follows_every_file(tmp_path):
    from fsat.engine.feature_cache import data_fingerprint
    folder = _write_flow(str(tmp_path), 'S001C001P001R001A001', 3, 40)
    video = tmp_path / 'v.avi'
    video.write_bytes(b'12345')
    base = data_fingerprint([folder, str(video)])
    assert base == data_fingerprint([str(video), folder, folder])
    first = osp.join(folder, 'flow_x_00001.jpg')
    st = os.stat(first)
    # same size, same modification time, other bytes: the status-change
    # time still differs (cp -p / rsync -t keep only the mtime)
    data = bytearray(open(first, 'rb').read())
    data[-3] ^= 0xFF
    open(first, 'wb').write(bytes(data))
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(first).st_size == st.st_size
    changed = data_fingerprint([folder, str(video)])
    assert changed != base
    assert data_fingerprint([folder, str(video)]) == changed  # stable
    os.remove(osp.join(folder, 'flow_y_00003.jpg'))  # a removed frame
    assert data_fingerprint([folder, str(video)]) != changed
    assert data_fingerprint([str(tmp_path / 'gone')]) != data_fingerprint([])


def test_hook_rebuilds_the_cache_after_the_data_files_change(tmp_path):
    """The real path: TeacherFeatureCacheHook on an NTU flow folder. A
    re-extracted flow folder (other pixels) gets a new cache holding the
    teacher's features of the new frames; unchanged data reuses it."""
    import time
    from types import SimpleNamespace

    import torch
    from mmengine.registry import DefaultScope

    from fsat.engine.hooks import TeacherFeatureCacheHook
    from fsat.models import FeatureSupervisedDistiller
    from fsat.testing import tiny_resnet3d

    root = str(tmp_path / 'ntu')
    names = ['S001C001P001R001A001', 'S001C001P001R001A002']
    for i, name in enumerate(names):
        _write_flow(root, name, 8, 30 + 20 * i)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('fsat'):
        model = FeatureSupervisedDistiller(
            student=tiny_resnet3d(base_channels=4),
            teacher=dict(model=tiny_resnet3d(in_channels=2, base_channels=8),
                         modality='flow_video'),
            granularity='video', teacher_source='cache',
            connector=dict(type='LinearConnector', in_channels=32,
                           out_channels=64)).eval()
    view = dict(
        type='PairedModalityDataset', data_root=root,
        ntu=dict(benchmark='ntu60_xsub', split='train', classes=[1, 2]),
        with_label=False, test_mode=True, clip_len=4,
        modalities=dict(flow_video=dict(source='flow', sampling='video',
                                        pipeline=[
            dict(type='LoadFlow', dequantize=False),
            dict(type='FormatShape', input_format='NCTHW')])))
    hook = TeacherFeatureCacheHook(view, cache_root=str(tmp_path / 'cache'))
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path))

    def build():
        with DefaultScope.overwrite_default_scope('fsat'):
            hook.before_train(runner)
        return model._teacher_cache

    first = build()
    before = first.clips(names[0])
    again = build()
    assert again.folder == first.folder  # unchanged data: reused
    assert sorted(os.listdir(tmp_path / 'cache')) == [
        osp.basename(first.folder)]
    time.sleep(0.01)
    _write_flow(root, names[0], 8, 90)  # re-extracted in place
    rebuilt = build()
    assert rebuilt.folder != first.folder
    after = rebuilt.clips(names[0])
    assert np.abs(after - before).max() > 1e-3
    # the new features are the teacher's on the new frames
    np.testing.assert_array_equal(rebuilt.clips(names[1]),
                                  first.clips(names[1]))
    assert build().folder == rebuilt.folder
