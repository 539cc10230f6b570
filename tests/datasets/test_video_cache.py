# Copyright (c) fsat contributors. All rights reserved.
"""CachedVideoDecode: the frames mmaction2's DecordInit + DecordDecode
give, decoded once per video into the disk cache, read back without
opening the video, and decoded again when the file changes."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import DecordDecode, DecordInit

from fsat.datasets.transforms import CachedVideoDecode, count_frames
from fsat.registry import TRANSFORMS


def write_video(path, num_frames, size=(64, 48), shift=0):
    """An mp4 (MPEG-4 part 2, with key frames and predicted frames) of a
    textured pattern moving by 2 pixels a frame."""
    yy, xx = np.mgrid[:size[1], :size[0]]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, size)
    for t in range(num_frames):
        frame = np.stack([(xx * 5 + t * 10 + shift) % 256,
                          (yy * 7 + t * 3) % 256,
                          ((xx + yy + 2 * t) * 4) % 256], -1)
        writer.write(frame.astype(np.uint8))
    writer.release()
    return path


@pytest.fixture
def video(tmp_path):
    return write_video(str(tmp_path / 'clip.mp4'), 30)


def reference(path, inds):
    return DecordDecode()(DecordInit()(dict(filename=path,
                                            frame_inds=np.array(inds))))


def test_equals_decord_and_reads_the_cache_afterwards(video, tmp_path,
                                                      monkeypatch):
    cache = str(tmp_path / 'cache')
    decode = TRANSFORMS.build(dict(type='CachedVideoDecode',
                                   cache_root=cache))
    total = count_frames('rgb', video)
    assert total == 30
    rng = np.random.default_rng(0)
    for inds in ([0, 1, 2], [29, 3, 3, 17], rng.integers(0, 30, 8),
                 np.arange(0, 30, 6).reshape(1, -1)):
        ref = reference(video, inds)
        got = decode(dict(filename=video, frame_inds=np.array(inds),
                          total_frames=total))
        assert len(got['imgs']) == len(ref['imgs']) == np.size(inds)
        for a, b in zip(got['imgs'], ref['imgs']):
            assert a.dtype == np.uint8 and np.array_equal(a, b)
        assert got['img_shape'] == got['original_shape'] == (48, 64)
        assert got['total_frames'] == ref['total_frames'] == 30
    # one entry, the whole video; afterwards no decoder is opened
    (entry, ) = glob.glob(osp.join(cache, 'video', '*', '*.npy'))
    assert np.load(entry).shape == (30, 48, 64, 3)
    import decord

    def no_decoder(*args, **kwargs):
        raise AssertionError('the video was opened on a cache hit')

    monkeypatch.setattr(decord, 'VideoReader', no_decoder)
    got = decode(dict(filename=video, frame_inds=np.array([5, 6]),
                      total_frames=total))
    assert np.array_equal(got['imgs'][1], np.load(entry)[6])


def test_rewritten_video_is_decoded_again(video, tmp_path):
    cache = str(tmp_path / 'cache')
    decode = CachedVideoDecode(cache)
    first = decode(dict(filename=video, frame_inds=np.array([4]),
                        total_frames=30))['imgs'][0]
    write_video(video, 30, shift=100)
    os.utime(video, ns=(10**18, 10**18))
    second = decode(dict(filename=video, frame_inds=np.array([4]),
                         total_frames=30))['imgs'][0]
    assert not np.array_equal(first, second)
    assert np.array_equal(second, reference(video, [4])['imgs'][0])
    assert len(glob.glob(osp.join(cache, 'video', '*', '*.npy'))) == 2


def test_counts_the_frames_when_the_sample_does_not(video, tmp_path):
    got = CachedVideoDecode(str(tmp_path / 'c'))(
        dict(filename=video, frame_inds=np.array([29])))
    assert got['total_frames'] == 30
    assert np.array_equal(got['imgs'][0], reference(video, [29])['imgs'][0])


def test_bad_input_is_one_error_naming_the_file(video, tmp_path):
    decode = CachedVideoDecode(str(tmp_path / 'c'))
    with pytest.raises(IndexError, match=f'{video}: frame indices 28..30 '
                       "outside the video's 30 frames"):
        decode(dict(filename=video, frame_inds=np.array([28, 30]),
                    total_frames=30))
    with pytest.raises(ValueError, match=f'{video}: decord decodes 30 '
                       'frames, the sample counted 31'):
        decode(dict(filename=video, frame_inds=np.array([0]),
                    total_frames=31))
    missing = str(tmp_path / 'missing.mp4')
    with pytest.raises(Exception, match='missing.mp4'):
        decode(dict(filename=missing, frame_inds=np.array([0])))
    with pytest.raises(ValueError, match='needs a cache_root'):
        CachedVideoDecode('')
