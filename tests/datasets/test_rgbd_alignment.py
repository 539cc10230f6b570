# Copyright (c) fsat contributors. All rights reserved.
"""Colour-to-depth registration of NTU RGB+D videos from the skeleton's
joints (Garcia et al., supplementary): known geometry is recovered, bad
joints are ignored, and a real NTU file gives a sensible registration."""
import numpy as np
import pytest

from fsat.datasets.ntu import read_skeleton
from fsat.datasets.ntu.rgbd_alignment import rgbd_alignment
from fsat.testing.samples import real_sample

COLOR, DEPTH = (1920, 1080), (512, 424)


def _joints(scale=(3.0, 3.0), offset=(40.0, -10.0), frames=6, noise=0.0):
    rng = np.random.default_rng(0)
    depth = rng.uniform((60, 60), (450, 380), size=(frames, 25, 2))
    color = (depth + offset) * scale
    color += rng.normal(0, noise, size=color.shape)
    return color, depth


def test_known_scale_and_translation_are_recovered_with_their_boxes():
    color, depth = _joints()
    out = rgbd_alignment(color, depth, COLOR, DEPTH)
    assert out['scale'] == pytest.approx(3.0)
    assert out['offset'] == pytest.approx((40.0, -10.0))
    # depth x: [0, min(512, 1920 / 3 - 40 = 600)); y: [10, min(424, 370))
    assert out['depth_box'] == pytest.approx((0.0, 10.0, 512.0, 370.0))
    # the same region in colour pixels: (depth + offset) * scale
    assert out['color_box'] == pytest.approx((120.0, 0.0, 1656.0, 1080.0))


def test_the_scale_is_the_mean_of_the_median_x_and_y_ratios():
    color, depth = _joints(scale=(3.0, 2.8), noise=0.5)
    out = rgbd_alignment(color, depth, COLOR, DEPTH)
    assert out['scale'] == pytest.approx(2.9, abs=0.01)


def test_untracked_joints_and_empty_frames_are_left_out():
    color, depth = _joints()
    color[:, 3] += 500.0  # a joint the colour image places wrongly
    tracked = np.ones(color.shape[:2], dtype=bool)
    tracked[:, 3] = False
    color[2] = np.nan  # a frame without a body
    out = rgbd_alignment(color, depth, COLOR, DEPTH, tracked=tracked)
    assert out['scale'] == pytest.approx(3.0)
    assert out['offset'] == pytest.approx((40.0, -10.0))


def test_videos_that_cannot_be_registered_are_named():
    color, depth = _joints(frames=2)
    with pytest.raises(ValueError, match='S001: no two well-tracked'):
        rgbd_alignment(color, depth, COLOR, DEPTH,
                       tracked=np.zeros((2, 25), dtype=bool), where='S001')
    with pytest.raises(ValueError, match='do not overlap'):
        far, depth = _joints(offset=(-2000.0, 0.0))
        rgbd_alignment(far, depth, COLOR, DEPTH)
    with pytest.raises(ValueError, match=r'\[T, J, 2\]'):
        rgbd_alignment(color[..., :1], depth[..., :1], COLOR, DEPTH)


def test_a_real_ntu_skeleton_registers_its_two_cameras():
    path = real_sample('ntu', 'S001C001P001R001A001.skeleton')
    joints = read_skeleton(path, max_bodies=1, fields='all')[0]  # [T, 25, 12]
    depth, color = joints[..., 3:5], joints[..., 5:7]
    tracked = joints[..., 11] == 2
    out = rgbd_alignment(color, depth, COLOR, DEPTH, tracked=tracked)
    # Kinect v2: colour f ~ 1,060 px, depth f ~ 365 px
    assert 2.7 < out['scale'] < 3.3
    x0, y0, x1, y1 = out['color_box']
    assert 0 <= x0 < x1 <= 1920 and 0 <= y0 < y1 <= 1080
    # every tracked joint maps from depth to colour within a few pixels
    tx, ty = out['offset']
    mapped = (depth[tracked] + (tx, ty)) * out['scale']
    error = np.linalg.norm(mapped - color[tracked], axis=1)
    assert np.median(error) < 2  # 0.67 px on this file
