# Copyright (c) fsat contributors. All rights reserved.
"""Tests of SmarthomeDataset: Toyota Smarthome RGB clips and LCR-Net poses
through the paired dataset.

The fixture root is in the real layout (``mp4/<name>.mp4``,
``skeletonv12/<name>_pose3d.json``); frame ``t`` encodes ``t`` in both
modalities (RGB grey level ``20 + 10 t``, pose X = ``t``), so the tests
read the sampled indices back from the loaded tensors.
"""
import json
import os
import os.path as osp
import random

import cv2
import numpy as np
import pytest
import torch

from fsat.datasets import PairedModalityDataset, SmarthomeDataset
from fsat.datasets.transforms import map_indices
from fsat.registry import DATASETS

SIZE = (32, 24)  # (W, H)
# name -> (RGB frames, pose frames or None (no pose file), empty frames)
SAMPLES = {
    'Cutbread_p03_r00_v01_c01': (12, 12, ()),  # CS train, CV1 train
    'Walk_p04_r00_v01_c02': (9, 9, (2, 3)),  # CS train, CV test
    'Enter_p07_r00_v01_c05': (10, None, ()),  # CS train, CV val; no pose
    'Sitdown_p06_r00_v01_c01': (10, 5, ()),  # CS train, CV1 train
    'Leave_p02_r00_v01_c01': (8, 8, ()),  # CS test, CV1 train
}


def write_mp4(path, num_frames):
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 30,
                             SIZE)
    assert writer.isOpened()
    for t in range(num_frames):
        writer.write(np.full(SIZE[::-1] + (3, ), 20 + 10 * t, np.uint8))
    writer.release()


def write_pose(path, num_frames, empty=()):
    """Joint j of frame t: X = t, Y = j + 1, Z = 2 (LCR-Net order); a
    low-score false positive in every detected frame."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    frames = []
    for t in range(num_frames):
        if t in empty:
            frames.append([])
            continue
        xyz = [float(t)] * 13 + [float(j + 1) for j in range(13)] + [2.0] * 13
        xy = [100.0 + t] * 13 + [50.0] * 13
        noise = dict(pose2d=[0.0] * 26, pose3d=[-99.0] * 39, cumscore=0.1)
        frames.append([noise, dict(pose2d=xy, pose3d=xyz, cumscore=3.0)])
    with open(path, 'w') as f:
        json.dump(dict(K=20, njts=13, frames=frames), f)


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('smarthome'))
    for name, (rgb, pose, empty) in SAMPLES.items():
        write_mp4(osp.join(root, 'mp4', name + '.mp4'), rgb)
        if pose is not None:
            write_pose(osp.join(root, 'skeletonv12', name + '_pose3d.json'),
                       pose, empty)
    return root


def video_pipeline():
    return [dict(type='DecordInit'), dict(type='DecordDecode'),
            dict(type='FormatShape', input_format='NCTHW')]


def pose_pipeline():
    return [dict(type='LoadLCRNetSkeleton'), dict(type='LCRNetTo15Joints'),
            dict(type='FillSkeletonGaps'), dict(type='SkeletonDecode'),
            dict(type='FormatGCNInput', num_person=1)]


def decode_rgb(x):  # [N, 3, T, H, W] -> [N, T]
    return torch.round((x.float().mean((1, 3, 4)) - 20) / 10).long()


def decode_pose(x):  # [N, M, T, V, C] -> [N, T] (X of the head)
    return torch.round(x[:, 0, :, 0, 0]).long()


def bridged(t, empty):
    """The frame FillSkeletonGaps copies into frame t (nearest detected,
    the earlier on a tie), by hand for this fixture."""
    return {2: 1, 3: 4}[t] if t in empty else t


def test_paired_rgb_and_pose_share_frame_indices(root):
    dataset = SmarthomeDataset(
        modalities=dict(
            rgb=dict(sampling='clip', pipeline=video_pipeline()),
            skeleton=dict(sampling='same_clip', pipeline=pose_pipeline())),
        data_root=root, protocol='CS', split='train', clip_len=4,
        on_missing='skip')
    # Enter has no pose file: skipped and counted
    assert dataset.skipped == ['Enter_p07_r00_v01_c05']
    names = [dataset.get_data_info(i)['video_id'] for i in range(
        len(dataset))]
    assert names == ['Cutbread_p03_r00_v01_c01', 'Sitdown_p06_r00_v01_c01',
                     'Walk_p04_r00_v01_c02']
    assert len(dataset.metainfo['classes']) == 31
    starts = set()
    for seed in range(3):
        random.seed(seed)
        np.random.seed(seed)
        for idx in range(len(dataset)):
            out = dataset[idx]
            meta = out['data_samples'].metainfo
            name = meta['video_id']
            T, T_pose, empty = SAMPLES[name]
            rgb_inds = np.asarray(meta['frame_inds']['rgb'])
            pose_inds = np.asarray(meta['frame_inds']['skeleton'])
            start = int(rgb_inds[0])
            starts.add((name, start))
            np.testing.assert_array_equal(rgb_inds, start + np.arange(4))
            assert out['inputs']['rgb'].shape == (1, 3, 4, 24, 32)
            assert out['inputs']['skeleton'].shape == (1, 1, 4, 15, 3)
            np.testing.assert_array_equal(
                decode_rgb(out['inputs']['rgb'])[0].numpy(), rgb_inds)
            if T_pose == T:  # the released data: identical indices
                np.testing.assert_array_equal(pose_inds, rgb_inds)
            else:  # proportional mapping onto the pose timeline
                np.testing.assert_array_equal(
                    pose_inds, map_indices(rgb_inds, T, T_pose))
                np.testing.assert_array_equal(
                    pose_inds, np.floor((rgb_inds + 0.5) * T_pose / T))
            np.testing.assert_array_equal(
                decode_pose(out['inputs']['skeleton'])[0].numpy(),
                [bridged(int(t), empty) for t in pose_inds])
            assert out['data_samples'].gt_labels.item.item() == \
                dataset.metainfo['classes'].index(name.split('_')[0])
    assert len(starts) > len(dataset)  # random clips differ


def test_missing_pose_file_is_an_error_naming_it(root):
    with pytest.raises(FileNotFoundError, match=r'Sample Enter_p07_r00_v01_'
                       r'c05 has no skeleton data: .*skeletonv12/Enter_p07_'
                       r'r00_v01_c05_pose3d.json'):
        SmarthomeDataset(
            modalities=dict(skeleton=dict(pipeline=pose_pipeline())),
            data_root=root, protocol='CS', split='train')


def test_skeleton_alone_and_rgb_alone(root):
    skeleton = DATASETS.build(dict(
        type='SmarthomeDataset', data_root=root, protocol='CS',
        split='test', test_mode=True,
        modalities=dict(skeleton=dict(
            sampling=dict(mode='sequence', length=10, pad='zero'),
            pipeline=pose_pipeline())),
        pack=dict(type='PackPairedInputs', pack_single=True)))
    assert len(skeleton) == 1
    out = skeleton[0]
    assert out['inputs'].shape == (1, 1, 10, 15, 3)
    # 8 frames then 2 zero-padded frames
    np.testing.assert_array_equal(
        decode_pose(out['inputs'])[0].numpy(), list(range(8)) + [0, 0])
    assert not out['inputs'][0, 0, 8:].any()
    assert out['data_samples'].gt_labels.item.item() == 15  # Leave

    rgb = SmarthomeDataset(
        modalities=dict(rgb=dict(sampling='video', pipeline=video_pipeline())),
        data_root=root, protocol='CS', split='train', clip_len=4,
        test_mode=True)
    assert len(rgb) == 4 and rgb.skipped == []  # no pose file needed
    assert rgb.get_data_info(0)['video_id'] == 'Cutbread_p03_r00_v01_c01'
    out = rgb[0]
    assert out['inputs']['rgb'].shape == (3, 3, 4, 24, 32)  # 12 // 4 clips
    np.testing.assert_array_equal(
        decode_rgb(out['inputs']['rgb']).numpy(), np.arange(12).reshape(3, 4))


def test_cross_view_labels_use_the_19_classes(root):
    dataset = SmarthomeDataset(
        modalities=dict(rgb=dict(pipeline=video_pipeline())),
        data_root=root, protocol='CV1', split='train', clip_len=4)
    assert len(dataset.metainfo['classes']) == 19
    labels = {dataset.get_data_info(i)['video_id']:
              dataset.get_data_info(i)['label'] for i in range(len(dataset))}
    # camera 1: Cutbread (CV label 0), Leave (9), Sitdown (13)
    assert labels == {'Cutbread_p03_r00_v01_c01': 0,
                      'Leave_p02_r00_v01_c01': 9,
                      'Sitdown_p06_r00_v01_c01': 13}
    val = PairedModalityDataset(
        modalities=dict(rgb=dict(pipeline=video_pipeline())),
        data_root=root, smarthome=dict(protocol='CV2', split='val'))
    assert [val.get_data_info(0)['video_id']] == ['Enter_p07_r00_v01_c05']
    assert val.get_data_info(0)['label'] == 7


def test_argument_errors(root):
    modalities = dict(rgb=dict(pipeline=video_pipeline()))
    with pytest.raises(ValueError, match='CS has no validation split'):
        SmarthomeDataset(modalities=modalities, data_root=root,
                         protocol='CS', split='val')
    with pytest.raises(ValueError, match="remove \\['ann_file'\\]"):
        SmarthomeDataset(modalities=modalities, data_root=root,
                         ann_file='x.txt')
    with pytest.raises(ValueError, match='exactly one of'):
        PairedModalityDataset(modalities=modalities, data_root=root,
                              smarthome=dict(protocol='CS'),
                              ntu=dict(benchmark='ntu60_xsub'))
    with pytest.raises(ValueError, match="has no 'depth' data"):
        SmarthomeDataset(modalities=dict(depth=dict(pipeline=[])),
                         data_root=root)
    with pytest.raises(ValueError, match='Unknown smarthome keys'):
        PairedModalityDataset(modalities=modalities, data_root=root,
                              smarthome=dict(protocol='CS', classes=[1]))


def test_held_out_subjects_for_validation(root):
    """CS has no validation split: ``subjects`` / ``exclude_subjects``
    carve one out of the training subjects (3, 4, 6, 7 in the fixture)."""
    modalities = dict(rgb=dict(pipeline=video_pipeline()))

    def names(**kwargs):
        dataset = SmarthomeDataset(modalities=modalities, data_root=root,
                                   protocol='CS', clip_len=4, **kwargs)
        return sorted(dataset.get_data_info(i)['video_id']
                      for i in range(len(dataset)))

    assert names(split='train', subjects=(3, 7)) == [
        'Cutbread_p03_r00_v01_c01', 'Enter_p07_r00_v01_c05']
    assert names(split='train', exclude_subjects=[3, 7]) == [
        'Sitdown_p06_r00_v01_c01', 'Walk_p04_r00_v01_c02']
    assert names(split='train', subjects=(3, 4),
                 exclude_subjects=(4, )) == ['Cutbread_p03_r00_v01_c01']
    # subject 2 is a test subject: nothing of the training split is left
    with pytest.raises(ValueError, match='No Toyota Smarthome CS train'):
        names(split='train', subjects=(2, ))
