# Copyright (c) fsat contributors. All rights reserved.
"""Tests of :mod:`fsat.datasets.video`: truncated videos are named before
any decoder opens them (a half MJPEG ``.avi`` crashes decord inside
mmaction2's ``DecordInit``)."""
import os.path as osp
import struct
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

from fsat.datasets.transforms.sources import count_video_frames
from fsat.datasets.video import (
    VideoFileError,
    check_video_file,
    container_problem,
)
from fsat.testing import real_sample

NAME = 'S001C001P001R001A001'


def write_video(path: str, fourcc: str = 'MJPG', num_frames: int = 40,
                size=(320, 240)) -> str:
    """A real video written by OpenCV: moving colour ramps."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), 30, size)
    if not writer.isOpened():
        pytest.skip(f'OpenCV cannot write {fourcc} here')
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    for t in range(num_frames):
        writer.write(np.stack([(xx + 3 * t) % 256, (yy + t) % 256,
                               (xx + yy) % 256], -1).astype(np.uint8))
    writer.release()
    return path


def truncate_half(src: str, dst: str) -> int:
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'wb') as f:
        f.write(data[:len(data) // 2])
    return len(data)


def test_intact_videos_pass(tmp_path):
    avi = write_video(str(tmp_path / 'a.avi'))
    assert container_problem(avi) is None
    check_video_file(avi)
    assert count_video_frames(avi) == 40
    mp4 = write_video(str(tmp_path / 'a.mp4'), 'mp4v', num_frames=10)
    assert container_problem(mp4) is None
    assert count_video_frames(mp4) == 10


@pytest.mark.parametrize('sample', [
    f'ntu/{NAME}_rgb.avi',
    'jhmdb/videos/catch/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2.avi'
])
def test_real_videos_pass(sample):
    check_video_file(real_sample(sample))


def test_half_truncated_mjpeg_avi_is_named(tmp_path):
    intact = write_video(str(tmp_path / 'intact.avi'))
    with open(intact, 'rb') as f:
        riff, length, form = struct.unpack('<4sI4s', f.read(12))
    assert (riff, form) == (b'RIFF', b'AVI ')
    half = str(tmp_path / 'half.avi')
    size = truncate_half(intact, half)
    assert length + 8 == size  # the RIFF chunk spans the intact file
    with pytest.raises(VideoFileError) as info:
        check_video_file(half)
    assert str(info.value) == (
        f"{half}: truncated AVI file: the RIFF 'AVI' chunk at byte 0 "
        f'declares {size} bytes but the file has {size // 2} (50%); copy or '
        'encode it again')
    with pytest.raises(VideoFileError, match='truncated AVI file'):
        count_video_frames(half)


def test_truncated_mp4_is_named(tmp_path):
    intact = write_video(str(tmp_path / 'intact.mp4'), 'mp4v')
    half = str(tmp_path / 'half.mp4')
    truncate_half(intact, half)
    with pytest.raises(VideoFileError) as info:
        check_video_file(half)
    assert str(info.value).startswith(f'{half}: truncated MP4/MOV file: box')
    # cut right after the first boxes: no index at all
    with open(intact, 'rb') as f:
        data = f.read()
    first = struct.unpack('>I', data[:4])[0]
    no_index = str(tmp_path / 'no_index.mp4')
    with open(no_index, 'wb') as f:
        f.write(data[:first])
    assert "no 'moov' box" in container_problem(no_index)


def test_missing_empty_and_garbage_files(tmp_path):
    missing = str(tmp_path / 'missing.avi')
    with pytest.raises(VideoFileError, match='file not found'):
        check_video_file(missing)
    with pytest.raises(VideoFileError, match='not a regular file'):
        check_video_file(str(tmp_path))
    empty = tmp_path / 'empty.avi'
    empty.write_bytes(b'')
    with pytest.raises(VideoFileError, match=r'file is empty \(0 bytes\)'):
        check_video_file(str(empty))
    garbage = tmp_path / 'garbage.avi'
    garbage.write_bytes(b'not a video at all' * 100)
    assert container_problem(str(garbage)) is None  # unknown container
    with pytest.raises(VideoFileError) as info:
        count_video_frames(str(garbage))
    message = str(info.value)
    assert message.startswith(f'{garbage}: decord cannot open the video')
    assert '\n' not in message


LOAD_SAMPLE = textwrap.dedent('''
    import sys
    from mmengine.registry import init_default_scope
    from fsat.registry import DATASETS
    init_default_scope('fsat')
    dataset = DATASETS.build(dict(
        type='PairedModalityDataset', ann_file=sys.argv[1],
        data_root=sys.argv[2], metainfo=dict(classes=('a', 'b')),
        modalities=dict(rgb=dict(pipeline=[
            dict(type='DecordInit'), dict(type='DecordDecode'),
            dict(type='FormatShape', input_format='NCTHW')])),
        pack=dict(type='PackPairedInputs', pack_single=True)))
    print('shape', tuple(dataset[0]['inputs'].shape))
''')


def test_truncated_video_in_a_training_dataset_is_an_error(tmp_path):
    """The real loading path (PairedModalityDataset -> mmaction2's
    DecordInit/DecordDecode) in a subprocess, so that a crash of the decoder
    fails this test instead of killing pytest."""
    root = tmp_path / 'ntu'
    (root / 'nturgb+d_rgb').mkdir(parents=True)
    intact = write_video(str(root / 'nturgb+d_rgb' / f'{NAME}_rgb.avi'))
    bad_name = NAME[:-3] + '002'
    bad = str(root / 'nturgb+d_rgb' / f'{bad_name}_rgb.avi')
    truncate_half(intact, bad)
    script = tmp_path / 'load.py'
    script.write_text(LOAD_SAMPLE)
    results = {}
    for name in (NAME, bad_name):
        ann = tmp_path / f'{name}.txt'
        ann.write_text(f'{name} 0\n')
        results[name] = subprocess.run(
            [sys.executable, str(script), str(ann), str(root)],
            capture_output=True, text=True, timeout=300)
    ok = results[NAME]
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert 'shape (1, 3, 16, 240, 320)' in ok.stdout
    failed = results[bad_name]
    assert failed.returncode == 1, (
        f'exit status {failed.returncode} (negative: killed by a signal)')
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith('fsat.datasets.video.VideoFileError: ')
    assert f'{bad}: truncated AVI file' in last
    assert osp.basename(bad) in last


def test_truncated_video_in_a_dataloader_worker_is_one_line(tmp_path):
    """In a DataLoader worker the error reaches the tools' one-line summary
    with the file named (a crash there would be 'worker exited
    unexpectedly', without a name)."""
    import torch
    from mmengine.registry import init_default_scope

    from fsat.registry import DATASETS
    from fsat.utils.cli import describe_error

    root = tmp_path / 'ntu'
    (root / 'nturgb+d_rgb').mkdir(parents=True)
    intact = write_video(str(tmp_path / 'intact.avi'))
    bad = str(root / 'nturgb+d_rgb' / f'{NAME}_rgb.avi')
    size = truncate_half(intact, bad)
    ann = tmp_path / 'ann.txt'
    ann.write_text(f'{NAME} 0\n')
    init_default_scope('fsat')
    dataset = DATASETS.build(dict(
        type='PairedModalityDataset', ann_file=str(ann), data_root=str(root),
        metainfo=dict(classes=('a', 'b')),
        modalities=dict(rgb=dict(pipeline=[
            dict(type='DecordInit'), dict(type='DecordDecode')])),
        pack=dict(type='PackPairedInputs', pack_single=True)))
    loader = torch.utils.data.DataLoader(dataset, num_workers=1,
                                         collate_fn=list)
    with pytest.raises(VideoFileError) as info:
        next(iter(loader))
    assert describe_error(info.value) == (
        'data loading failed in DataLoader worker 0: VideoFileError: '
        f"{bad}: truncated AVI file: the RIFF 'AVI' chunk at byte 0 declares "
        f'{size} bytes but the file has {size // 2} (50%); copy or encode it '
        'again')
