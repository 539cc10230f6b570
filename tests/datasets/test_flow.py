# Copyright (c) fsat contributors. All rights reserved.
"""Tests of :mod:`fsat.datasets.flow` and ``tools/data/extract_flow.py``."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from fsat.datasets.flow import (
    MARKER_NAME,
    FlowExtractionError,
    collect_videos,
    create_flow_fn,
    dequantize_flow,
    extract_many,
    extract_video_flow,
    is_complete,
    quantize_flow,
    read_flow,
    read_frames,
    sample_name,
    target_size,
)
from fsat.testing import real_sample

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO_ROOT, 'tools', 'data', 'extract_flow.py')
NTU_NAME = 'S001C001P001R001A001'

# the square of the synthetic video and its motion in pixels per frame
SQUARE, X0, Y0, DX, DY = 24, 12, 24, 2, -1


def write_square_video(path: str, num_frames: int = 6, size: int = 64,
                       dx: int = DX, dy: int = DY) -> str:
    """Write an MJPG AVI of a textured square translating by (dx, dy)."""
    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(
        rng.uniform(0, 255, (SQUARE, SQUARE)).astype(np.float32), (0, 0), 1)
    tex = cv2.normalize(tex, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 25,
                             (size, size))
    assert writer.isOpened()
    for t in range(num_frames):
        img = np.full((size, size), 90, np.uint8)
        x, y = X0 + dx * t, Y0 + dy * t
        img[y:y + SQUARE, x:x + SQUARE] = tex
        writer.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def denseflow_ref(v: float, bound: float = 20) -> int:
    """denseflow's CAST macro, written out for one value."""
    low, high = -bound, bound
    if v > high:
        return 255
    if v < low:
        return 0
    return round(255 * (v - low) / (high - low))  # half to even = cvRound


def leftovers(out_root: str) -> list:
    """Everything in ``out_root`` (hidden temp folders included)."""
    return sorted(os.listdir(out_root)) if osp.isdir(out_root) else []


def run_tool(*args: str) -> subprocess.CompletedProcess:
    """Run the command-line tool with this interpreter."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO_ROOT, env.get('PYTHONPATH')) if p)
    return subprocess.run([sys.executable, TOOL, *args, '--no-progress'],
                          capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture
def ntu_video() -> str:
    return real_sample('ntu', f'{NTU_NAME}_rgb.avi')


# --------------------------------------------------------------------------
# quantisation
# --------------------------------------------------------------------------
@pytest.mark.parametrize('value, expected', [
    (0.0, 128), (20.0, 255), (25.0, 255), (1e9, 255), (np.inf, 255),
    (-20.0, 0), (-25.0, 0), (-np.inf, 0), (10.0, 191), (-10.0, 64),
    (0.5, 131), (-0.5, 124), (0.1, 128), (np.nan, 128)
])
def test_quantize_hand_picked(value, expected):
    assert quantize_flow(np.array([value]))[0] == expected
    if np.isfinite(value):
        assert denseflow_ref(value) == expected


def test_quantize_matches_formula_and_dtype():
    values = np.random.default_rng(1).uniform(-30, 30, (7, 9)).astype(
        np.float32)
    q = quantize_flow(values)
    assert q.dtype == np.uint8 and q.shape == values.shape
    ref = [denseflow_ref(float(v)) for v in values.astype(np.float64).ravel()]
    assert q.ravel().tolist() == ref
    # another bound (denseflow's own default is 32)
    assert quantize_flow(np.array([16.0]), bound=32)[0] == round(
        255 * 48 / 64)
    with pytest.raises(ValueError):
        quantize_flow(values, bound=0)


def test_dequantize_roundtrip():
    values = np.linspace(-20, 20, 2001)
    back = dequantize_flow(quantize_flow(values))
    assert back.dtype == np.float32
    step = 2 * 20 / 255
    assert np.abs(back - values).max() <= step / 2 + 1e-5
    assert dequantize_flow(np.array([0, 255], np.uint8)).tolist() == [-20, 20]


# --------------------------------------------------------------------------
# names, sizes, inputs
# --------------------------------------------------------------------------
def test_sample_name():
    assert sample_name(f'/data/ntu/{NTU_NAME}_rgb.avi') == NTU_NAME
    assert sample_name('a/clip_rgb_rgb.mp4') == 'clip_rgb'
    assert sample_name('a/clip.mp4') == 'clip'
    assert sample_name('a/_rgb.avi') == '_rgb'


def test_target_size():
    assert target_size(1920, 1080, short_side=128) == (228, 128)
    assert target_size(1080, 1920, short_side=64) == (64, 114)
    assert target_size(64, 64) == (64, 64)
    assert target_size(64, 48, size=(32, 16)) == (32, 16)
    with pytest.raises(ValueError):
        target_size(64, 64, short_side=32, size=(32, 32))


def test_collect_videos(tmp_path):
    (tmp_path / 'sub').mkdir()
    for rel in ('b_rgb.avi', 'a.MP4', 'notes.txt', 'sub/c.avi'):
        (tmp_path / rel).write_bytes(b'x')
    root = str(tmp_path)
    names = [osp.relpath(p, root) for p in collect_videos(root)]
    assert names == ['a.MP4', 'b_rgb.avi']
    names = [osp.relpath(p, root)
             for p in collect_videos(root, exts=['avi'], recursive=True)]
    assert names == ['b_rgb.avi', osp.join('sub', 'c.avi')]
    found = collect_videos(root, pattern='**/*.avi')
    assert [osp.basename(p) for p in found] == ['b_rgb.avi', 'c.avi']
    lst = tmp_path / 'list.txt'
    lst.write_text('# videos\nsub/c.avi\n\nmissing.avi\n')
    assert collect_videos(str(lst)) == [
        osp.join(root, 'sub', 'c.avi'), osp.join(root, 'missing.avi')]
    assert collect_videos(osp.join(root, 'x.avi')) == [
        osp.join(root, 'x.avi')]


def test_flow_fn_arguments():
    with pytest.raises(ValueError, match='unknown flow method'):
        create_flow_fn('lucas-kanade')
    with pytest.raises(ValueError, match='unknown tvl1 parameters'):
        create_flow_fn('tvl1', dict(winsize=5))
    frame = np.zeros((16, 16), np.uint8)
    flow = create_flow_fn('tvl1', dict(warps=2, nscales=2))(frame, frame)
    assert flow.shape == (16, 16, 2) and flow.dtype == np.float32


# --------------------------------------------------------------------------
# one video
# --------------------------------------------------------------------------
@pytest.mark.parametrize('method', ['farneback', 'tvl1'])
def test_synthetic_flow_sign_and_magnitude(tmp_path, method):
    num_frames = 6
    video = write_square_video(str(tmp_path / 'square_rgb.avi'), num_frames)
    out_root = str(tmp_path / 'flow')
    result = extract_video_flow(video, out_root, method=method)
    assert result.status == 'done' and result.message == ''
    assert result.name == 'square'
    assert (result.num_frames, result.num_pairs) == (num_frames,
                                                     num_frames - 1)
    for index in range(1, num_frames):
        flow = read_flow(result.out_dir, index)
        assert flow.shape == (64, 64, 2)
        # the inside of the square in frame `index` (numbered from 1)
        x, y = X0 + DX * (index - 1), Y0 + DY * (index - 1)
        inside = flow[y + 4:y + SQUARE - 4, x + 4:x + SQUARE - 4]
        assert inside[..., 0].mean() == pytest.approx(DX, abs=0.3)
        assert inside[..., 1].mean() == pytest.approx(DY, abs=0.3)


def test_output_names_counts_and_marker(tmp_path):
    num_frames = 5
    video = write_square_video(str(tmp_path / 'v.avi'), num_frames)
    out_root = str(tmp_path / 'flow')
    result = extract_video_flow(video, out_root, method='farneback',
                                size=(40, 30), jpeg_quality=90)
    expected = {MARKER_NAME}
    for i in range(1, num_frames):
        expected |= {f'flow_x_{i:05d}.jpg', f'flow_y_{i:05d}.jpg'}
    assert set(os.listdir(result.out_dir)) == expected
    assert leftovers(out_root) == ['v']  # no temporary folder left
    img = cv2.imread(osp.join(result.out_dir, 'flow_x_00001.jpg'),
                     cv2.IMREAD_UNCHANGED)
    assert img.dtype == np.uint8 and img.shape == (30, 40)
    with open(osp.join(result.out_dir, MARKER_NAME)) as f:
        marker = json.load(f)
    assert marker['num_pairs'] == num_frames - 1
    assert marker['method'] == 'farneback' and marker['bound'] == 20
    assert marker['size'] == [40, 30] and marker['start_index'] == 1

    # denseflow's 0-based numbering on request; at most 3 frames
    result = extract_video_flow(video, str(tmp_path / 'flow0'),
                                method='farneback', start_index=0,
                                max_frames=3)
    assert sorted(os.listdir(result.out_dir)) == [
        MARKER_NAME, 'flow_x_00000.jpg', 'flow_x_00001.jpg',
        'flow_y_00000.jpg', 'flow_y_00001.jpg'
    ]


def test_existing_output(tmp_path):
    video = write_square_video(str(tmp_path / 'v.avi'), 3)
    out_root = tmp_path / 'flow'
    # a partial folder without marker, and a temp folder of a killed run
    (out_root / 'v').mkdir(parents=True)
    (out_root / 'v' / 'flow_x_00007.jpg').write_bytes(b'stale')
    (out_root / '.v.tmp.abc123').mkdir()
    assert not is_complete(str(out_root / 'v'))
    result = extract_video_flow(video, str(out_root), method='farneback')
    assert 'flow_x_00007.jpg' not in os.listdir(result.out_dir)
    assert is_complete(result.out_dir)
    assert leftovers(str(out_root)) == ['v']

    mtime = os.stat(osp.join(result.out_dir, MARKER_NAME)).st_mtime_ns
    again = extract_video_flow(video, str(out_root), method='farneback',
                               skip_existing=True)
    assert again.status == 'skipped'
    assert os.stat(osp.join(result.out_dir,
                            MARKER_NAME)).st_mtime_ns == mtime
    again = extract_video_flow(video, str(out_root), method='farneback')
    assert again.status == 'done' and again.num_pairs == 2


def _bad_videos(root):
    """(path, expected message part) of undecodable inputs."""
    empty = root / 'empty.avi'
    empty.write_bytes(b'')
    corrupt = root / 'corrupt.avi'
    corrupt.write_bytes(np.random.default_rng(2).bytes(4096))
    one = write_square_video(str(root / 'one.avi'), num_frames=1)
    return [
        (str(root / 'missing.avi'), 'file not found'),
        (str(empty), 'file is empty'),
        (str(corrupt), 'cannot decode the video'),
        (one, 'only 1 frame decoded'),
    ]


def test_bad_videos_leave_no_output(tmp_path):
    out_root = str(tmp_path / 'flow')
    for video, reason in _bad_videos(tmp_path):
        with pytest.raises(FlowExtractionError) as info:
            extract_video_flow(video, out_root, method='farneback')
        assert video in str(info.value) and reason in str(info.value)
        assert leftovers(out_root) == []


def test_extract_many_reports_and_continues(tmp_path):
    good = write_square_video(str(tmp_path / 'good.avi'), 3)
    videos = [v for v, _ in _bad_videos(tmp_path)] + [good]
    out_root = str(tmp_path / 'flow')
    results = extract_many(videos, out_root, progress=False,
                           method='farneback')
    status = {r.name: r.status for r in results}
    assert status == dict(missing='failed', empty='failed',
                          corrupt='failed', one='failed', good='done')
    assert leftovers(out_root) == ['good']
    with pytest.raises(ValueError, match='same sample name'):
        extract_many([good, str(tmp_path / 'good_rgb.avi')], out_root)


def test_read_frames_resize(tmp_path):
    video = write_square_video(str(tmp_path / 'v.avi'), 3)
    frames = read_frames(video, short_side=32)
    assert len(frames) == 3
    assert frames[0].shape == (32, 32) and frames[0].dtype == np.uint8


# --------------------------------------------------------------------------
# real NTU sample
# --------------------------------------------------------------------------
def test_real_ntu_sample(tmp_path, ntu_video):
    out_root = str(tmp_path / 'flow')
    result = extract_video_flow(ntu_video, out_root, method='farneback',
                                short_side=64)
    assert result.name == NTU_NAME
    assert result.out_dir == osp.join(out_root, NTU_NAME)
    assert (result.num_frames, result.num_pairs) == (103, 102)
    names = sorted(os.listdir(result.out_dir))
    assert len(names) == 2 * 102 + 1
    assert names[1] == 'flow_x_00001.jpg'
    assert names[-1] == 'flow_y_00102.jpg'
    flow = read_flow(result.out_dir, 102)
    assert flow.shape == (64, 114, 2)
    assert np.abs(flow).max() <= 20


def test_real_ntu_truncated_file_warns(tmp_path, ntu_video):
    truncated = tmp_path / f'{NTU_NAME}_rgb.avi'
    with open(ntu_video, 'rb') as f:
        truncated.write_bytes(f.read(200_000))  # about a fifth of the file
    result = extract_video_flow(str(truncated), str(tmp_path / 'flow'),
                                method='farneback', short_side=32)
    assert result.status == 'done' and 1 < result.num_frames < 103
    assert result.message.startswith(
        f"{truncated}: truncated AVI file: the RIFF 'AVI' chunk at byte 0 "
        'declares 987146 bytes but the file has 200000 (20%)')


def test_half_truncated_mjpeg_warns_before_decoding(tmp_path):
    video = write_square_video(str(tmp_path / 'square.avi'), num_frames=12)
    with open(video, 'rb') as f:
        data = f.read()
    half = tmp_path / 'half.avi'
    half.write_bytes(data[:len(data) // 2])
    result = extract_video_flow(str(half), str(tmp_path / 'flow'),
                                method='farneback')
    assert result.status == 'done' and 1 < result.num_frames < 12
    assert result.message == (
        f"{half}: truncated AVI file: the RIFF 'AVI' chunk at byte 0 "
        f'declares {len(data)} bytes but the file has {len(data) // 2} '
        f'(50%); copy or encode it again (decoded {result.num_frames} '
        'frames from it)')
    with open(osp.join(result.out_dir, MARKER_NAME), encoding='utf-8') as f:
        assert json.load(f)['warning'] == result.message


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def test_cli_many_videos_with_a_bad_one(tmp_path):
    src = tmp_path / 'videos'
    src.mkdir()
    write_square_video(str(src / 'a_rgb.avi'), 4)
    write_square_video(str(src / 'b_rgb.avi'), 3)
    (src / 'bad_rgb.avi').write_bytes(np.random.default_rng(3).bytes(2048))
    out_root = tmp_path / 'flow'
    proc = run_tool(str(src), str(out_root), '--method', 'farneback',
                    '--ext', 'avi', '--workers', '2')
    assert proc.returncode == 1, proc.stderr
    assert 'bad_rgb.avi' in proc.stderr
    assert '2 done, 0 skipped, 1 failed' in proc.stdout
    assert leftovers(str(out_root)) == ['a', 'b']
    assert len(os.listdir(out_root / 'a')) == 2 * 3 + 1
    assert is_complete(str(out_root / 'b'))

    # resume: the finished videos are skipped, nothing fails any more
    os.remove(src / 'bad_rgb.avi')
    shutil.rmtree(out_root / 'b')
    proc = run_tool(str(src), str(out_root), '--method', 'farneback',
                    '--skip-existing')
    assert proc.returncode == 0, proc.stderr
    assert '1 done, 1 skipped, 0 failed' in proc.stdout


def test_cli_single_video_and_bad_arguments(tmp_path):
    video = write_square_video(str(tmp_path / 'v.avi'), 3)
    out_root = tmp_path / 'flow'
    proc = run_tool(video, str(out_root), '--method', 'farneback',
                    '--size', '32', '24', '--jpeg-quality', '80')
    assert proc.returncode == 0, proc.stderr
    img = cv2.imread(str(out_root / 'v' / 'flow_y_00002.jpg'),
                     cv2.IMREAD_UNCHANGED)
    assert img.shape == (24, 32)
    proc = run_tool(str(tmp_path / 'nope.avi'), str(out_root))
    assert proc.returncode == 1 and 'nope.avi: file not found' in proc.stderr
    proc = run_tool(video, str(out_root), '--short-side', '32', '--size',
                    '8', '8')
    assert proc.returncode == 2
