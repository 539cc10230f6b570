# Copyright (c) fsat contributors. All rights reserved.
"""2-D detection transforms: windows, resize, flip, proposal files and
packing, against hand-computed boxes."""
import pickle

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose

from fsat.datasets.transforms import (
    Det2DRandomFlip,
    Det2DResize,
    LoadProposalFile,
    PackDet2DInputs,
    SlidingWindowProposals,
    sliding_window_boxes,
)
from fsat.registry import TRANSFORMS


def _sample(height=40, width=60, paired=False):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    results = dict(
        img_id='im1',
        gt_bboxes=np.array([[10, 10, 30, 20]], np.float32),
        gt_labels=np.array([2], np.int64),
        gt_difficult=np.array([False]))
    if paired:
        flow = rng.integers(0, 255, (height, width, 2), dtype=np.uint8)
        results['imgs'] = dict(rgb=img, flow=flow)
    else:
        results['img'] = img
    return results


def test_sliding_windows_by_hand():
    # 10 x 10 windows moved by 5 over a 20 x 30 image: x 0..20, y 0..10
    boxes = sliding_window_boxes((20, 30), scales=(10, ), ratios=(1, ))
    assert len(boxes) == 5 * 3
    np.testing.assert_allclose(boxes[0], [0, 0, 10, 10])
    np.testing.assert_allclose(boxes[1], [5, 0, 15, 10])
    np.testing.assert_allclose(boxes[-1], [20, 10, 30, 20])
    # a width of 23 adds a window flush with the right border
    boxes = sliding_window_boxes((10, 23), scales=(10, ), ratios=(1, ))
    np.testing.assert_allclose(boxes[:, 0], [0, 5, 10, 13])
    # ratio 4 (h / w): 5 wide, 20 high, exactly the image's height
    boxes = sliding_window_boxes((20, 30), scales=(10, ), ratios=(4, ))
    np.testing.assert_allclose(boxes[:, 0], np.arange(11) * 2.5)
    assert (boxes[:, 1] == 0).all() and (boxes[:, 3] == 20).all()
    # windows larger than the image are clipped to it, then deduplicated
    boxes = sliding_window_boxes((20, 30), scales=(100, ),
                                 ratios=(0.5, 1, 2))
    np.testing.assert_allclose(boxes, [[0, 0, 30, 20]])
    # a fixed stride in pixels
    boxes = sliding_window_boxes((10, 30), scales=(10, ), ratios=(1, ),
                                 stride=10)
    np.testing.assert_allclose(boxes[:, 0], [0, 10, 20])


def test_sliding_window_defaults_cover_a_320px_image():
    boxes = sliding_window_boxes((240, 320))
    assert boxes.dtype == np.float32 and len(boxes) > 500
    assert (boxes[:, :2] >= 0).all()
    assert (boxes[:, 2] <= 320).all() and (boxes[:, 3] <= 240).all()
    assert len(np.unique(boxes, axis=0)) == len(boxes)
    np.testing.assert_array_equal(boxes, sliding_window_boxes((240, 320)))


def test_sliding_window_transform_is_deterministic():
    t = TRANSFORMS.build(dict(type='SlidingWindowProposals',
                              scales=(16, 32), ratios=(1, )))
    a = t(_sample())['proposals']
    b = t(_sample())['proposals']
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        a, sliding_window_boxes((40, 60), (16, 32), (1, )))
    with pytest.raises(ValueError, match='stride_ratio'):
        SlidingWindowProposals(stride_ratio=0)


def test_resize_short_side_scales_images_boxes_and_proposals():
    results = _sample()
    results['proposals'] = np.array([[0, 0, 60, 40], [20, 8, 40, 16]],
                                    np.float32)
    out = Det2DResize(short_side=20)(results)
    assert out['img'].shape == (20, 30, 3)
    assert out['ori_shape'] == (40, 60) and out['img_shape'] == (20, 30)
    assert out['scale_factor'] == (0.5, 0.5)
    np.testing.assert_allclose(out['gt_bboxes'], [[5, 5, 15, 10]])
    np.testing.assert_allclose(out['proposals'],
                               [[0, 0, 30, 20], [10, 4, 20, 8]])


def test_resize_rules():
    # the longer side capped: 30 / 40 would make it 45 > 40
    out = Det2DResize(short_side=30, max_size=40)(_sample())
    assert out['img_shape'] == (27, 40)  # 40 * 40 / 60 = 26.7
    assert out['scale_factor'] == pytest.approx((40 / 60, 27 / 40))
    out = Det2DResize(scale=(30, 30))(_sample())  # fits inside 30 x 30
    assert out['img_shape'] == (20, 30)
    out = Det2DResize(scale=(30, 30), keep_ratio=False)(_sample())
    assert out['img_shape'] == (30, 30)
    assert out['scale_factor'] == (0.5, 0.75)
    np.testing.assert_allclose(out['gt_bboxes'], [[5, 7.5, 15, 15]])
    # two resizes compose their factors
    out = Det2DResize(short_side=10)(Det2DResize(short_side=20)(_sample()))
    assert out['scale_factor'] == (0.25, 0.25)
    assert out['ori_shape'] == (40, 60)
    with pytest.raises(ValueError, match='exactly one'):
        Det2DResize(scale=(10, 10), short_side=10)
    with pytest.raises(ValueError, match='keep_ratio'):
        Det2DResize(short_side=10, keep_ratio=False)


def test_resize_and_flip_act_on_every_modality():
    results = _sample(paired=True)
    flow = results['imgs']['flow'].copy()
    out = Det2DResize(short_side=20)(results)
    assert out['imgs']['rgb'].shape == (20, 30, 3)
    assert out['imgs']['flow'].shape == (20, 30, 2)
    results = _sample(paired=True)
    out = Det2DRandomFlip(prob=1.0, flow_modalities=('flow', ))(results)
    assert out['flip'] is True and out['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(out['imgs']['flow'][..., 0],
                                  255 - flow[:, ::-1, 0])
    np.testing.assert_array_equal(out['imgs']['flow'][..., 1],
                                  flow[:, ::-1, 1])
    bad = _sample(paired=True)
    bad['imgs']['flow'] = bad['imgs']['flow'][:10]
    with pytest.raises(ValueError, match='differ in size'):
        Det2DResize(short_side=20)(bad)


def test_flip_mirrors_boxes():
    results = _sample()
    img = results['img'].copy()
    results['proposals'] = np.array([[0, 0, 5, 40]], np.float32)
    out = Det2DRandomFlip(prob=1.0)(results)
    np.testing.assert_allclose(out['gt_bboxes'], [[30, 10, 50, 20]])
    np.testing.assert_allclose(out['proposals'], [[55, 0, 60, 40]])
    np.testing.assert_array_equal(out['img'], img[:, ::-1])
    out = Det2DRandomFlip(prob=0.0)(_sample())
    assert out['flip'] is False
    np.testing.assert_allclose(out['gt_bboxes'], [[10, 10, 30, 20]])


@pytest.mark.parametrize('ext', ['npz', 'pkl'])
def test_load_proposal_file(tmp_path, ext):
    boxes = np.array([[0, 0, 20, 10, 0.9], [10, 10, 80, 30, 0.5],
                      [5, 5, 5, 9, 0.1]], np.float32)  # empty, dropped
    path = tmp_path / f'props.{ext}'
    if ext == 'npz':
        np.savez(path, im1=boxes, im2=boxes[:1])
    else:
        with open(path, 'wb') as f:
            pickle.dump(dict(boxes=[boxes, boxes[:1]],
                             ids=['im1', 'im2']), f)
    load = TRANSFORMS.build(dict(type='LoadProposalFile',
                                 proposal_file=str(path)))
    out = load(_sample())
    # the extra column is ignored, the box past the border clipped
    np.testing.assert_allclose(out['proposals'],
                               [[0, 0, 20, 10], [10, 10, 60, 30]])
    # original-coordinate boxes follow a later resize ...
    pipeline = Compose([load, Det2DResize(short_side=20)])
    np.testing.assert_allclose(pipeline(_sample())['proposals'],
                               [[0, 0, 10, 5], [5, 5, 30, 15]])
    # ... and an earlier one
    pipeline = Compose([Det2DResize(short_side=20), load])
    np.testing.assert_allclose(pipeline(_sample())['proposals'],
                               [[0, 0, 10, 5], [5, 5, 30, 15]])
    first = LoadProposalFile(str(path), max_num=1)(_sample())
    np.testing.assert_allclose(first['proposals'], [[0, 0, 20, 10]])
    missing = _sample()
    missing['img_id'] = 'im9'
    with pytest.raises(KeyError, match="no proposals for img_id 'im9'"):
        load(missing)


def test_load_proposal_file_options_and_errors(tmp_path):
    path = tmp_path / 'props.npz'
    np.savez(path, im1=np.array([[2, 1, 12, 21]], np.float32))
    out = LoadProposalFile(str(path), box_order='yxyx')(_sample())
    np.testing.assert_allclose(out['proposals'], [[1, 2, 21, 12]])
    with pytest.raises(ValueError, match='.npz or .pkl'):
        LoadProposalFile(str(tmp_path / 'props.mat'))
    with pytest.raises(FileNotFoundError, match='not found'):
        LoadProposalFile(str(tmp_path / 'none.npz'))(_sample())
    flipped = Det2DRandomFlip(prob=1.0)(_sample())
    with pytest.raises(ValueError, match='before Det2DRandomFlip'):
        LoadProposalFile(str(path))(flipped)


def test_pack_single_and_paired():
    results = Det2DResize(short_side=20)(_sample())
    results['proposals'] = np.array([[1, 2, 3, 4]], np.float32)
    packed = PackDet2DInputs()(results)
    assert packed['inputs'].shape == (3, 20, 30)
    assert packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    torch.testing.assert_close(sample.gt_instances.bboxes,
                               torch.tensor([[5., 5., 15., 10.]]))
    assert sample.gt_instances.labels.tolist() == [2]
    assert sample.gt_instances.difficult.tolist() == [False]
    assert sample.proposals.bboxes.tolist() == [[1, 2, 3, 4]]
    assert sample.metainfo['img_id'] == 'im1'
    assert sample.metainfo['ori_shape'] == (40, 60)
    assert sample.metainfo['img_shape'] == (20, 30)
    assert sample.metainfo['scale_factor'] == (0.5, 0.5)

    paired = PackDet2DInputs()(_sample(paired=True))
    assert set(paired['inputs']) == {'rgb', 'flow'}
    assert paired['inputs']['flow'].shape == (2, 40, 60)
    meta = paired['data_samples'].metainfo
    assert meta['img_shape'] == (40, 60) and meta['scale_factor'] == (1., 1.)
    assert 'proposals' not in paired['data_samples']

    bare = dict(img=np.zeros((4, 5), np.float64))
    packed = PackDet2DInputs()(bare)
    assert packed['inputs'].shape == (1, 4, 5)
    assert packed['inputs'].dtype == torch.float32
    assert packed['data_samples'].gt_instances.bboxes.shape == (0, 4)

    bad = _sample()
    bad['gt_labels'] = np.array([1, 2])
    with pytest.raises(ValueError, match='2 gt_labels'):
        PackDet2DInputs()(bad)
    with pytest.raises(KeyError, match='no image'):
        PackDet2DInputs()(dict(img_id='x'))
