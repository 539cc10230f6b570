# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the paired-data transforms (fsat.datasets.transforms)."""
import os
import os.path as osp
import random

import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import Flip

from fsat.datasets.flow import dequantize_flow
from fsat.datasets.transforms import (
    CenterSkeleton,
    FillSkeletonGaps,
    FlowAwareFlip,
    JetDepth,
    LoadFlow,
    LoadMaskedDepth,
    LoadSkeleton,
    PairedSampleFrames,
    ReplicateDepth,
    SkeletonDecode,
    build_pipeline,
    clip_slot,
    count_frames,
    map_indices,
    num_clip_slots,
    sequence_indices,
)

# ---------------------------------------------------------------------------
# Index arithmetic and the shared sampler
# ---------------------------------------------------------------------------


def test_map_indices():
    inds = np.arange(10)
    np.testing.assert_array_equal(map_indices(inds, 10, 10), inds)
    # flow: T-1 pairs for T frames, frame centres mapped proportionally
    np.testing.assert_array_equal(
        map_indices(inds, 10, 9), [0, 1, 2, 3, 4, 4, 5, 6, 7, 8])
    np.testing.assert_array_equal(map_indices(inds, 10, 5), inds // 2)
    np.testing.assert_array_equal(map_indices([0, 1, 2], 3, 6), [1, 3, 5])
    np.testing.assert_array_equal(map_indices([-1, 3], 4, 2), [-1, 1])


def test_clip_slot_and_sequence_indices():
    assert num_clip_slots(40, 16) == 2 and num_clip_slots(10, 16) == 1
    assert [clip_slot(s, 40, 16) for s in (0, 15, 16, 24)] == [0, 0, 1, 1]
    assert clip_slot(0, 10, 16) == 0
    assert clip_slot(47, 64, 16) == 2  # 64 // 16 = 4 slots
    np.testing.assert_array_equal(
        sequence_indices(3, 5, 'zero'), [0, 1, 2, -1, -1])
    np.testing.assert_array_equal(
        sequence_indices(3, 5, 'loop'), [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(
        sequence_indices(3, 6, 'resample'), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(sequence_indices(8, 4), [1, 3, 5, 7])


def test_paired_sample_frames_modes():
    sampler = PairedSampleFrames(
        dict(depth='clip', rgb='same_clip', flow='clip',
             rgb_video='video', skeleton=dict(mode='sequence', length=50)),
        clip_len=16,
        sources=dict(rgb_video='rgb'))
    counts = dict(rgb=70, depth=70, flow=69, skeleton=70)
    np.random.seed(0)
    slots = set()
    for _ in range(50):
        out = sampler(dict(frame_counts=counts, reference='rgb'))
        s = out['sampled']
        start = out['clip_start']
        np.testing.assert_array_equal(s['depth']['frame_inds'],
                                      start + np.arange(16))
        np.testing.assert_array_equal(s['rgb']['frame_inds'],
                                      s['depth']['frame_inds'])
        np.testing.assert_array_equal(
            s['flow']['frame_inds'],
            map_indices(start + np.arange(16), 70, 69))
        assert s['rgb_video']['num_clips'] == out['num_slots'] == 4
        np.testing.assert_array_equal(s['rgb_video']['frame_inds'],
                                      np.arange(64))
        assert s['skeleton']['clip_len'] == 50
        assert out['clip_slot'] == min(start // 16, 3)
        slots.add(out['clip_slot'])
    assert slots == {0, 1, 2, 3}

    test = PairedSampleFrames(dict(depth='clip'), 16, test_mode=True)
    out = test(dict(frame_counts=dict(depth=70), reference='depth'))
    assert out['clip_start'] == 27 and out['clip_slot'] == 1
    short = test(dict(frame_counts=dict(depth=5), reference='depth'))
    np.testing.assert_array_equal(short['sampled']['depth']['frame_inds'],
                                  np.arange(16) % 5)  # looped
    assert short['clip_slot'] == 0 and short['num_slots'] == 1
    video = PairedSampleFrames(dict(rgb='video'), 16)(
        dict(frame_counts=dict(rgb=70), reference='rgb'))
    assert video['clip_slot'] == -1  # no clip modality

    with pytest.raises(ValueError, match="no modality samples 'clip'"):
        PairedSampleFrames(dict(rgb='same_clip'))
    with pytest.raises(ValueError, match='frame_interval must be >= 1'):
        PairedSampleFrames(dict(rgb='clip'), frame_interval=0)
    with pytest.raises(ValueError, match='must be one of'):
        PairedSampleFrames(dict(rgb='clips'))


def test_paired_sample_frames_interval():
    # 4 frames, every 3rd: a clip spans S = 12 frames of the timeline
    sampler = PairedSampleFrames(
        dict(rgb='clip', skeleton='same_clip', rgb_video='video'),
        clip_len=4, frame_interval=3, sources=dict(rgb_video='rgb'))
    counts = dict(rgb=40, skeleton=20)
    np.random.seed(1)
    starts = set()
    for _ in range(60):
        out = sampler(dict(frame_counts=counts, reference='rgb'))
        s, start = out['sampled'], out['clip_start']
        starts.add(start)
        assert 0 <= start <= 40 - 12
        np.testing.assert_array_equal(s['rgb']['frame_inds'],
                                      start + np.array([0, 3, 6, 9]))
        # the skeleton's 20 frames cover the same span: frame i -> i // 2
        np.testing.assert_array_equal(s['skeleton']['frame_inds'],
                                      (start + np.array([0, 3, 6, 9])) // 2)
        assert out['num_slots'] == 3  # 40 // 12
        assert out['clip_slot'] == min(start // 12, 2)
        # the video: 3 non-overlapping spans [0, 12), [12, 24), [24, 36)
        np.testing.assert_array_equal(
            s['rgb_video']['frame_inds'],
            [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33])
        assert s['rgb_video']['num_clips'] == 3
    assert min(starts) == 0 and max(starts) == 28
    test = PairedSampleFrames(dict(rgb='clip'), 4, test_mode=True,
                              frame_interval=3)
    out = test(dict(frame_counts=dict(rgb=40), reference='rgb'))
    assert out['clip_start'] == 14  # (40 - 12) // 2
    short = test(dict(frame_counts=dict(rgb=7), reference='rgb'))
    np.testing.assert_array_equal(short['sampled']['rgb']['frame_inds'],
                                  np.array([0, 3, 6, 9]) % 7)  # looped
    assert 'frame_interval=3' in repr(test)


# ---------------------------------------------------------------------------
# Depth
# ---------------------------------------------------------------------------


def write_depth(folder, frames):
    for t, depth in enumerate(frames, start=1):
        assert cv2.imwrite(osp.join(folder, f'MDepth-{t:08d}.png'), depth)


def depth_results(folder, inds):
    return dict(frame_dir=str(folder), frame_inds=np.asarray(inds),
                offset=1, modality='Depth')


def test_load_masked_depth_and_statistics(tmp_path):
    a = np.zeros((4, 5), np.uint16)
    a[1:3, 1:4] = [[800, 900, 1000], [1100, 1200, 65000]]
    b = np.zeros((4, 5), np.uint16)
    b[0, 0] = 2000
    write_depth(str(tmp_path), [a, b])
    out = LoadMaskedDepth()(depth_results(tmp_path, [0, 1, 1]))
    assert len(out['imgs']) == 3 and out['imgs'][0].dtype == np.float32
    np.testing.assert_array_equal(out['imgs'][0], a)
    assert out['img_shape'] == (4, 5)
    stats = out['depth_stats']
    valid = [800, 900, 1000, 1100, 1200, 65000, 2000]
    assert stats['valid_fraction'] == pytest.approx(7 / 40)
    assert stats['mean_mm'] == pytest.approx(np.mean(valid))
    assert (stats['min_mm'], stats['max_mm']) == (800, 65000)
    assert count_frames('depth', str(tmp_path)) == 2


def test_depth_errors_name_the_file(tmp_path):
    eight_bit = tmp_path / 'eight'
    eight_bit.mkdir()
    write_depth(str(eight_bit), [np.zeros((4, 5), np.uint16),
                                 np.full((4, 5), 7, np.uint8)])
    with pytest.raises(ValueError,
                       match=r'MDepth-00000002.png is 8-bit \(uint8\)'):
        LoadMaskedDepth()(depth_results(eight_bit, [0, 1]))

    sizes = tmp_path / 'sizes'
    sizes.mkdir()
    write_depth(str(sizes), [np.ones((4, 5), np.uint16),
                             np.ones((4, 6), np.uint16)])
    with pytest.raises(ValueError) as err:
        LoadMaskedDepth()(depth_results(sizes, [0, 1]))
    assert 'MDepth-00000002.png is 6x4 (WxH)' in str(err.value)
    assert 'MDepth-00000001.png is 5x4' in str(err.value)
    with pytest.raises(FileNotFoundError, match='MDepth-00000009.png'):
        LoadMaskedDepth()(depth_results(sizes, [8]))


def _depth_error(folder, inds, cache_root=None):
    with pytest.raises((ValueError, FileNotFoundError)) as err:
        LoadMaskedDepth(cache_root=cache_root)(
            dict(depth_results(folder, inds), total_frames=3))
    return str(err.value)


@pytest.mark.parametrize('cached', [False, True])
def test_bad_depth_files_are_one_line_naming_the_file(tmp_path, cached):
    """A missing frame, an empty, a truncated, a non-PNG and an 8-bit file:
    each is one line naming the file and what is wrong, read directly or
    through the frame cache."""
    cache = str(tmp_path / 'cache') if cached else None
    folder = tmp_path / 'S001C001P001R001A001'
    folder.mkdir()
    write_depth(str(folder), [np.full((4, 5), 900 + t, np.uint16)
                              for t in range(3)])
    good = (folder / 'MDepth-00000001.png').read_bytes()
    second = folder / 'MDepth-00000002.png'
    second.unlink()
    path = str(second)
    assert _depth_error(folder, [0, 1], cache) == (
        f'Depth frame {path} is missing (its folder has 2 PNG files)')
    second.write_bytes(b'')
    assert _depth_error(folder, [0, 1], cache) == (
        f'Depth map {path} is an empty file (0 bytes)')
    second.write_bytes(good[:len(good) // 2])
    assert _depth_error(folder, [0, 1], cache) == (
        f'Depth map {path} ({len(good) // 2} bytes) is a PNG that does not '
        'decode (corrupt or truncated)')
    second.write_bytes(b'MDepth as text')
    assert _depth_error(folder, [0, 1], cache) == (
        f'Depth map {path} (14 bytes) is not an image (no PNG signature)')
    assert cv2.imwrite(path, np.full((4, 5), 90, np.uint8))
    assert _depth_error(folder, [0, 1], cache) == (
        f'Depth map {path} is 8-bit (uint8); masked depth must be a 16-bit '
        'PNG in millimetres')
    assert _depth_error(tmp_path / 'gone', [0], cache) == (
        f"Depth folder {tmp_path / 'gone'} does not exist")


def test_replicate_depth():
    depth = np.array([[0, 500, 2500], [4500, 9000, 100]], np.float32)
    out = ReplicateDepth(mm_range=(500, 4500), scale=255)(
        dict(imgs=[depth]))['imgs'][0]
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    assert (out[..., 0] == out[..., 1]).all() and (
        out[..., 0] == out[..., 2]).all()
    np.testing.assert_allclose(out[..., 0],
                               [[0, 0, 127.5], [255, 255, 0]])
    out = ReplicateDepth(mm_range=(0, 1000), scale=1)(
        dict(imgs=[depth]))['imgs'][0]
    assert out[0, 0, 0] == 0 and out[1, 2, 0] == pytest.approx(0.1)


def test_jet_depth():
    depth = np.array([[0, 1000, 1500, 2000]], np.float32)
    rgb = JetDepth()(dict(imgs=[depth]))['imgs'][0]
    assert rgb.shape == (1, 4, 3) and rgb.dtype == np.uint8
    assert (rgb[0, 0] == 0).all()  # masked pixel stays black
    jet = cv2.applyColorMap(np.array([[0, 127, 255]], np.uint8),
                            cv2.COLORMAP_JET)[0]  # BGR
    np.testing.assert_array_equal(rgb[0, 1:], jet[:, ::-1])
    assert rgb[0, 1, 2] > 100 and rgb[0, 1, 0] == 0  # near: blue
    assert rgb[0, 3, 0] > 100 and rgb[0, 3, 2] == 0  # far: red
    bgr = JetDepth(to_rgb=False, mask_invalid=False)(
        dict(imgs=[depth]))['imgs'][0]
    np.testing.assert_array_equal(bgr[0, 0], jet[0])  # 0 -> like the minimum
    flat = JetDepth()(dict(imgs=[np.full((2, 2), 700.)]))['imgs'][0]
    assert (flat == jet[0, ::-1]).all()  # one depth value -> 0 -> blue


def test_depth_corner_crop_resize_flip():
    pipeline = build_pipeline([
        dict(type='ReplicateDepth'),
        dict(type='MultiScaleCrop', input_size=112,
             scales=(1, 0.84089642, 0.70710678, 0.59460356, 0.5),
             max_wh_scale_gap=0, num_fixed_crops=5),
        dict(type='Resize', scale=(112, 112), keep_ratio=False),
        dict(type='FlowAwareFlip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW')
    ])
    random.seed(0)
    np.random.seed(0)
    imgs = [np.full((424, 512), 1000. + t, np.float32) for t in range(4)]
    out = pipeline(dict(imgs=imgs, modality='Depth', num_clips=1,
                        clip_len=4))
    assert out['imgs'].shape == (1, 3, 4, 112, 112)
    h, w = (out['crop_bbox'][3] - out['crop_bbox'][1],
            out['crop_bbox'][2] - out['crop_bbox'][0])
    assert h == w and h in [int(424 * s) for s in
                            (1, 0.84089642, 0.70710678, 0.59460356, 0.5)]


# ---------------------------------------------------------------------------
# Flow
# ---------------------------------------------------------------------------


def write_flow(folder, pairs):
    for j, (x, y) in enumerate(pairs, start=1):
        cv2.imwrite(osp.join(folder, f'flow_x_{j:05d}.jpg'), x)
        cv2.imwrite(osp.join(folder, f'flow_y_{j:05d}.jpg'), y)


def test_load_flow(tmp_path):
    x = np.full((6, 8), 191, np.uint8)  # +9.96 px at bound 20
    y = np.full((6, 8), 64, np.uint8)  # -9.96 px
    write_flow(str(tmp_path), [(x, y), (y, x)])
    assert count_frames('flow', str(tmp_path)) == 2
    results = dict(frame_dir=str(tmp_path), frame_inds=np.array([1, 0]),
                   offset=1, modality='Flow')
    out = LoadFlow()(dict(results))
    assert out['imgs'][0].shape == (6, 8, 2)
    np.testing.assert_allclose(out['imgs'][1][..., 0],
                               dequantize_flow(x), atol=0.2)
    np.testing.assert_allclose(out['imgs'][0][..., 0], -9.96, atol=0.2)
    raw = LoadFlow(dequantize=False)(dict(results))['imgs'][1]
    assert raw.dtype == np.uint8 and abs(int(raw[0, 0, 1]) - 64) <= 1
    with pytest.raises(FileNotFoundError, match='flow_x_00005.jpg'):
        LoadFlow()(dict(results, frame_inds=np.array([4])))


def test_bad_flow_files_are_one_line_naming_the_file(tmp_path):
    """Missing, empty, truncated, 16-bit and colour flow images; a grey
    image saved in colour still reads as grey."""
    x = np.tile((np.arange(8, dtype=np.uint8) * 30)[None], (6, 1))
    write_flow(str(tmp_path), [(x, 255 - x)] * 2)
    results = dict(frame_dir=str(tmp_path), frame_inds=np.array([0, 1]),
                   offset=1, modality='Flow')
    path = str(tmp_path / 'flow_y_00002.jpg')
    good = open(path, 'rb').read()

    def error():
        with pytest.raises((ValueError, FileNotFoundError)) as e:
            LoadFlow()(dict(results))
        return str(e.value)

    os.remove(path)
    assert error() == f'Flow image {path} is missing (its folder has 3 files)'
    open(path, 'wb').close()
    assert error() == f'Flow image {path} is an empty file (0 bytes)'
    open(path, 'wb').write(good[:30])
    assert error() == (f'Flow image {path} (30 bytes) does not decode '
                       '(corrupt or truncated, or not an image)')
    png = str(tmp_path / 'flow_y_00002.png')
    cv2.imwrite(png, np.zeros((6, 8), np.uint16))
    os.replace(png, path)
    assert error() == (f'Flow image {path} is uint16; quantised flow is '
                       '8-bit grey JPEG')
    colour = np.zeros((6, 8, 3), np.uint8)
    colour[..., 2] = 200
    cv2.imwrite(path, colour)
    assert error() == (f'Flow image {path} is a colour image; quantised '
                       'flow is 8-bit grey (RGB frames in a flow folder?)')
    cv2.imwrite(path, cv2.cvtColor(255 - x, cv2.COLOR_GRAY2BGR))
    raw = LoadFlow(dequantize=False)(dict(results))['imgs'][1]
    assert np.abs(raw[..., 1].astype(int) - (255 - x)).max() <= 2


def test_flow_flip_negates_x():
    flow = np.zeros((2, 3, 2), np.float32)
    flow[..., 0] = [[1, 2, 3], [4, 5, 6]]  # x
    flow[..., 1] = [[7, 8, 9], [10, 11, 12]]  # y
    results = dict(imgs=[flow.copy()], modality='Flow', img_shape=(2, 3))
    out = FlowAwareFlip(flip_ratio=1.)(results)['imgs'][0]
    np.testing.assert_array_equal(out[..., 0], [[-3, -2, -1], [-6, -5, -4]])
    np.testing.assert_array_equal(out[..., 1], [[9, 8, 7], [12, 11, 10]])

    quantised = np.stack([np.full((2, 3), 200, np.uint8),
                          np.full((2, 3), 50, np.uint8)], -1)
    out = FlowAwareFlip(flip_ratio=1.)(
        dict(imgs=[quantised], modality='Flow', img_shape=(2, 3)))['imgs'][0]
    assert (out[..., 0] == 55).all() and (out[..., 1] == 50).all()
    np.testing.assert_allclose(dequantize_flow(out[..., 0]),
                               -dequantize_flow(quantised[..., 0]))

    # mmaction2's Flip expects interleaved x/y images and would invert the
    # whole first frame of ours, and compute 255 - u on float flow
    wrong = Flip(flip_ratio=1.)(
        dict(imgs=[flow.copy()], modality='Flow', img_shape=(2, 3)))
    assert not np.allclose(wrong['imgs'][0][..., 0], -flow[:, ::-1, 0])

    # other modalities flip as mmaction2 flips them
    rgb = np.arange(18, dtype=np.uint8).reshape(2, 3, 3)
    out = FlowAwareFlip(flip_ratio=1.)(
        dict(imgs=[rgb.copy()], modality='RGB', img_shape=(2, 3)))['imgs'][0]
    np.testing.assert_array_equal(out, rgb[:, ::-1])
    never = FlowAwareFlip(flip_ratio=0.)(
        dict(imgs=[flow.copy()], modality='Flow', img_shape=(2, 3)))
    assert not never['flip']
    np.testing.assert_array_equal(never['imgs'][0], flow)


# ---------------------------------------------------------------------------
# Skeleton
# ---------------------------------------------------------------------------


def write_skeleton(path, frames):
    """``frames``: per frame, a list of bodies, each a (25, 3) joint array
    (body id from its place in the frame) or ``(index, array)``."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for b, xyz in enumerate(bodies):
            if isinstance(xyz, tuple):
                b, xyz = xyz
            lines += [f'7205759403793110{b} 0 1 1 1 1 0 0.02 0.05 2', '25']
            lines += [f'{x} {y} {z} 1 2 3 4 0 0 0 1 2' for x, y, z in xyz]
    with open(path, 'wb') as f:
        f.write(('\r\n'.join(lines) + '\r\n').encode())
    return path


def test_skeleton_pipeline(tmp_path):
    rng = np.random.default_rng(0)
    body = rng.normal(0, 0.3, (6, 25, 3)) + [0.1, 0.2, 3.0]
    other = rng.normal(0, 0.05, (6, 25, 3)) + [1.0, 0.0, 3.5]
    frames = [[body[0]], [body[1], other[1]], [body[2], other[2]], [],
              [body[4]], [body[5]]]
    path = write_skeleton(str(tmp_path / 'S001C001P001R001A001.skeleton'),
                          frames)
    assert count_frames('skeleton', path) == 6
    out = LoadSkeleton()(dict(filename=path))
    assert out['keypoint'].shape == (2, 6, 25, 3)
    out = CenterSkeleton()(out)
    origin = body[0, 1]
    np.testing.assert_allclose(out['body_center'], origin, atol=1e-6)
    np.testing.assert_allclose(out['keypoint'][0, 0, 1], 0, atol=1e-6)
    np.testing.assert_allclose(out['keypoint'][0, 5], body[5] - origin,
                               atol=1e-5)
    assert not out['keypoint'][:, 3].any()  # empty frame stays zero
    assert not out['keypoint'][1, 0].any()  # absent second body stays zero
    out['frame_inds'] = np.array([5, 1, -1])
    out = SkeletonDecode()(out)
    assert out['keypoint'].shape == (2, 3, 25, 3)
    np.testing.assert_allclose(out['keypoint'][1, 1], other[1] - origin,
                               atol=1e-5)
    assert not out['keypoint'][:, 2].any()  # index -1: zero padding


def test_fill_skeleton_gaps_holds_the_nearest_tracked_pose(tmp_path):
    rng = np.random.default_rng(1)
    body = rng.normal(0, 0.3, (7, 25, 3)) + [0.1, 0.2, 3.0]
    other = rng.normal(0, 0.05, (7, 25, 3)) + [1.0, 0.0, 3.5]
    # body 1 lost in frames 0, 3, 4 (and 6); body 2 only in frames 2, 3
    frames = [[], [body[1]], [body[2], other[2]], [(1, other[3])], [],
              [body[5]], []]
    path = write_skeleton(str(tmp_path / 'S001C001P001R001A050.skeleton'),
                          frames)
    out = FillSkeletonGaps()(LoadSkeleton()(dict(filename=path)))
    kp = out['keypoint']
    # nearest tracked frame, the earlier one on a tie (frame 3: 2 vs 5)
    for t, src in enumerate([1, 1, 2, 2, 5, 5, 5]):
        np.testing.assert_allclose(kp[0, t], body[src], atol=1e-6)
    for t, src in enumerate([2, 2, 2, 3, 3, 3, 3]):
        np.testing.assert_allclose(kp[1, t], other[src], atol=1e-6)
    assert out['filled_frames'] == 4 + 5
    # nothing to fill: the very same array; a never-tracked slot stays 0
    full = np.ones((2, 4, 25, 3), np.float32)
    full[1] = 0
    again = FillSkeletonGaps()(dict(keypoint=full))
    assert again['keypoint'] is full and again['filled_frames'] == 0


def test_grid_aligned_clips_cover_exactly_their_slot():
    from fsat.datasets.transforms import PairedSampleFrames
    sampler = PairedSampleFrames(
        modes=dict(depth='clip'), clip_len=16, clip_align='grid')
    starts = set()
    for _ in range(50):
        out = sampler.transform(
            dict(frame_counts=dict(depth=70), reference='depth'))
        starts.add(out['clip_start'])
        assert out['clip_start'] == 16 * out['clip_slot']
        inds = out['sampled']['depth']['frame_inds']
        assert list(inds) == list(range(out['clip_start'],
                                        out['clip_start'] + 16))
    assert starts == {0, 16, 32, 48}  # N = 70 // 16 = 4 slots
    test = PairedSampleFrames(
        modes=dict(depth='clip'), clip_len=16, clip_align='grid',
        test_mode=True)
    assert test.transform(dict(frame_counts=dict(depth=70),
                               reference='depth'))['clip_start'] == 32
    import pytest
    with pytest.raises(ValueError, match="clip_align must be 'any' or"):
        PairedSampleFrames(modes=dict(depth='clip'), clip_align='middle')
