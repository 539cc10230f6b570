# Copyright (c) fsat contributors. All rights reserved.
"""NTURegistrationCrop on the real NTU files (skeleton + 1080p RGB video):
the RGB and depth crops cover the same part of the scene, a transcoded
video gets the scaled box, a missing skeleton is named; PairedFlip flips
every modality of a sample or none."""
import os.path as osp

import numpy as np
import pytest

from fsat.datasets.ntu.skeleton_io import read_skeleton
from fsat.datasets.transforms import (
    ModalityPipelines,
    NTURegistrationCrop,
    PairedFlip,
)
from fsat.testing.samples import real_sample

VIDEO = 'S001C001P001R001A001'


def _results(size, num=2, value=None):
    w, h = size
    imgs = [np.full((h, w, 3), value if value is not None else i,
                    dtype=np.uint8) for i in range(num)]
    return dict(imgs=imgs, video_id=VIDEO, img_shape=(h, w))


@pytest.fixture(scope='module')
def skeleton_root():
    return osp.dirname(real_sample('ntu', f'{VIDEO}.skeleton'))


def test_rgb_and_depth_crops_show_the_same_part_of_the_scene(skeleton_root):
    rgb = NTURegistrationCrop('rgb', skeleton_root)(_results((1920, 1080)))
    depth = NTURegistrationCrop('depth', skeleton_root)(
        _results((512, 424)))
    cx0, cy0, cx1, cy1 = rgb['registration']['box']
    dx0, dy0, dx1, dy1 = depth['registration']['box']
    assert rgb['imgs'][0].shape == (cy1 - cy0, cx1 - cx0, 3)
    assert depth['img_shape'] == (dy1 - dy0, dx1 - dx0)
    # the same aspect ratio (the boxes are one region, ~2.9x apart)
    assert (cx1 - cx0) / (cy1 - cy0) == pytest.approx(
        (dx1 - dx0) / (dy1 - dy0), rel=0.01)
    # every tracked joint sits at the same relative place in both crops
    path = osp.join(skeleton_root, f'{VIDEO}.skeleton')
    joints = read_skeleton(path, max_bodies=1, fields='all')[0]
    tracked = joints[..., 11] == 2
    depth_xy, color_xy = joints[..., 3:5][tracked], joints[..., 5:7][tracked]
    rel_c = (color_xy - (cx0, cy0)) / (cx1 - cx0, cy1 - cy0)
    rel_d = (depth_xy - (dx0, dy0)) / (dx1 - dx0, dy1 - dy0)
    # within 1 % of the crop (~ 2 px of a 224 input)
    assert np.median(np.abs(rel_c - rel_d)) < 0.01


def test_real_rgb_video_and_a_transcoded_one(skeleton_root):
    import decord
    video = decord.VideoReader(real_sample('ntu', f'{VIDEO}_rgb.avi'))
    frames = [video[i].asnumpy() for i in (0, 50)]
    crop = NTURegistrationCrop('rgb', skeleton_root)
    full = crop(dict(imgs=frames, video_id=VIDEO))
    x0, y0, x1, y1 = full['registration']['box']
    assert np.array_equal(full['imgs'][1], frames[1][y0:y1, x0:x1])
    # the same video at half size: the box is halved (within rounding)
    half = crop(_results((960, 540)))['registration']['box']
    assert np.allclose(half, np.array(full['registration']['box']) / 2,
                       atol=1)


def test_a_missing_skeleton_is_named(tmp_path):
    crop = NTURegistrationCrop('depth', str(tmp_path))
    with pytest.raises(FileNotFoundError,
                       match=f'{VIDEO}.skeleton: no skeleton file'):
        crop(_results((512, 424)))
    with pytest.raises(ValueError, match="modality must be 'rgb' or"):
        NTURegistrationCrop('flow', str(tmp_path))


def _paired(num):
    pipelines = ModalityPipelines(dict(
        rgb=dict(pipeline=[dict(type='PairedFlip')]),
        depth=dict(pipeline=[dict(type='PairedFlip')])))
    flips = []
    for i in range(num):
        img = np.arange(12, dtype=np.uint8).reshape(2, 6)
        results = dict(
            paths=dict(rgb='/x.avi', depth='/x.avi'), sample_idx=i,
            sampled=dict(rgb=dict(imgs=[img[..., None].repeat(3, -1)]),
                         depth=dict(imgs=[img])))
        out = pipelines(results)['modality_results']
        flips.append((out['rgb']['flip'], out['depth']['flip']))
        flipped = out['depth']['imgs'][0][0, 0] == 5
        assert flipped == out['depth']['flip']
        assert out['rgb']['imgs'][0][0, 0, 0] == out['depth']['imgs'][0][0, 0]
    return flips


def test_paired_flip_flips_every_modality_or_none():
    np.random.seed(0)
    flips = _paired(200)
    assert all(a == b for a, b in flips)
    assert 70 < sum(a for a, _ in flips) < 130  # p = 0.5
    with pytest.raises(KeyError, match='PairedFlip needs'):
        PairedFlip()(dict(imgs=[np.zeros((2, 2))], modality='RGB'))
