# Copyright (c) fsat contributors. All rights reserved.
"""LCRNetPersonCrop: RGB frames cropped to the box of the clip's 2-D
joints, read from the sample's LCR-Net file (boxes by hand)."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from fsat.datasets.transforms.person_crop import LCRNetPersonCrop, person_box

NAME = 'Walk_p03_r00_v01_c01'


def write_pose(root, frames):
    """frames: per frame None (no detection) or (x_min, y_min, x_max,
    y_max) of the 13 joints (joint 0 at the min corner, 1 at the max, the
    others at the centre)."""
    os.makedirs(osp.join(root, 'skeletonv12'), exist_ok=True)
    out = []
    for box in frames:
        if box is None:
            out.append([])
            continue
        x0, y0, x1, y1 = box
        xs = [x0, x1] + [(x0 + x1) / 2] * 11
        ys = [y0, y1] + [(y0 + y1) / 2] * 11
        out.append([dict(pose2d=xs + ys, pose3d=[0.0] * 39, cumscore=2.0)])
    with open(osp.join(root, 'skeletonv12', NAME + '_pose3d.json'),
              'w') as f:
        json.dump(dict(K=20, njts=13, frames=out), f)


def results(root, frame_inds, size=(40, 60)):
    imgs = [np.arange(size[0] * size[1] * 3, dtype=np.int64).reshape(
        size + (3, )) + 1000 * t for t in range(len(frame_inds))]
    return dict(imgs=imgs, filename=osp.join(root, 'mp4', NAME + '.mp4'),
                video_id=NAME, frame_inds=np.asarray(frame_inds),
                img_shape=size)


def test_person_box_by_hand():
    pose = np.array([[[10, 5], [20, 25]], [[12, 6], [30, 20]]], np.float32)
    # joints 10..30 x 5..25: 20 x 20, margin 0.25 -> a 30-pixel square
    # centred at (20, 15), shifted inside the 40 x 60 image
    assert person_box(pose, np.array([True, True]), (40, 60), 0.25) == (
        5, 0, 35, 30)
    # the first frame only: 10..20 x 5..25, side 20 * 1.5 = 30 at (15, 15)
    assert person_box(pose, np.array([True, False]), (40, 60), 0.25) == (
        0, 0, 30, 30)
    assert person_box(pose, np.array([False, False]), (40, 60), 0.25) is None
    # never larger than the image's shorter side
    assert person_box(pose * 10, np.array([True, True]), (40, 60), 0.5)[
        2:] == (60, 40)


def test_crop_uses_the_clip_frames(tmp_path):
    root = str(tmp_path)
    write_pose(root, [(10, 10, 20, 20), None, (30, 10, 40, 30), None])
    crop = LCRNetPersonCrop(margin=0.0)
    # frames 0 and 1: only frame 0 is detected, a 10-pixel square
    out = crop(results(root, [0, 1]))
    assert out['person_box'] == (10, 10, 20, 20)
    assert out['img_shape'] == (10, 10)
    expected = results(root, [0, 1])['imgs'][1][10:20, 10:20]
    np.testing.assert_array_equal(out['imgs'][1], expected)
    # frames 2 and 3: frame 2's box, 10 x 20 -> a 20-pixel square
    assert crop(results(root, [2, 3]))['person_box'] == (25, 10, 45, 30)
    # a clip without detections: every detected frame of the video,
    # 10..40 x 10..30 -> a 30-pixel square centred at (25, 20)
    assert crop(results(root, [1, 3]))['person_box'] == (10, 5, 40, 35)


def test_no_detection_keeps_the_frame_and_a_missing_file_is_named(
        tmp_path):
    root = str(tmp_path)
    write_pose(root, [None, None])
    out = LCRNetPersonCrop()(results(root, [0, 1]))
    assert out['person_box'] is None and out['img_shape'] == (40, 60)
    os.remove(osp.join(root, 'skeletonv12', NAME + '_pose3d.json'))
    with pytest.raises(FileNotFoundError, match=f'no skeleton file for '
                       f'{NAME}'):
        LCRNetPersonCrop()(results(root, [0]))
    out = LCRNetPersonCrop(on_missing='keep')(results(root, [0]))
    assert out['person_box'] is None and out['imgs'][0].shape == (40, 60, 3)
