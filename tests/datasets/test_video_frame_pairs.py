# Copyright (c) fsat contributors. All rights reserved.
"""Tests of VideoFramePairsDataset on tiny MJPG videos with flow JPEGs in
the layout of tools/data/extract_flow.py, and on the on-disk synthetic
JHMDB world when present."""
import logging
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

import fsat.datasets.video_frame_pairs as pairs_module
from fsat.datasets import VideoFramePairsDataset
from fsat.datasets.jhmdb_detection import flow_image
from fsat.datasets.video import VideoFileError
from fsat.datasets.video_frame_pairs import find_flow_dir, segment_centres
from fsat.engine.feature_cache import data_paths
from fsat.registry import DATASETS, TRANSFORMS

W, H = 32, 24
WORLD = osp.join(osp.dirname(__file__), '..', '..', 'data',
                 'synthetic_jhmdb')


def rgb_colour(t):
    """The RGB colour of frame t (0-based) of every test video."""
    return np.array([250 - 20 * t, 100, 10 + 20 * t])


def write_video(path, num_frames):
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 25,
                             (W, H))
    if not writer.isOpened():
        pytest.skip('OpenCV cannot write MJPG here')
    for t in range(num_frames):
        frame = np.empty((H, W, 3), np.uint8)
        frame[:] = rgb_colour(t)[::-1]  # BGR
        writer.write(frame)
    writer.release()


def write_flow(folder, num_pairs, size=(W, H)):
    """Pair p: x constant 10 * p, y a ramp (JPEG-lossy) plus p."""
    os.makedirs(folder, exist_ok=True)
    w, h = size
    ramp = (np.arange(w)[None, :] * 4 + np.arange(h)[:, None] * 2)
    for p in range(1, num_pairs + 1):
        cv2.imwrite(osp.join(folder, f'flow_x_{p:05d}.jpg'),
                    np.full((h, w), 10 * p, np.uint8))
        cv2.imwrite(osp.join(folder, f'flow_y_{p:05d}.jpg'),
                    (ramp + p).astype(np.uint8))


@pytest.fixture
def root(tmp_path):
    """videos/run/a.avi (12 frames, flow in flow/a/), videos/jump/b_rgb.avi
    (3 frames, flow in flow/jump/b/)."""
    root = str(tmp_path / 'ucf')
    write_video(osp.join(root, 'videos', 'run', 'a.avi'), 12)
    write_video(osp.join(root, 'videos', 'jump', 'b_rgb.avi'), 3)
    write_flow(osp.join(root, 'flow', 'a'), 11)
    write_flow(osp.join(root, 'flow', 'jump', 'b'), 2)
    return root


def make(root, **kwargs):
    return VideoFramePairsDataset(root, serialize_data=False, **kwargs)


def test_segment_centres():
    # floor((k + 0.5) * 12 / 5) = floor(1.2, 3.6, 6, 8.4, 10.8)
    assert segment_centres(12, 5) == [1, 3, 6, 8, 10]
    assert segment_centres(3, 5) == [0, 1, 2]
    assert segment_centres(5, 5) == [0, 1, 2, 3, 4]
    # floor(2.5 * 32 / 5 = 16) and floor(4.5 * 32 / 5 = 28.8)
    assert segment_centres(32, 5) == [3, 9, 16, 22, 28]
    assert segment_centres(1, 5) == [0]


def test_frames_and_content(root):
    ds = make(root)
    assert DATASETS.get('VideoFramePairsDataset') is VideoFramePairsDataset
    assert len(ds) == 5 + 3
    ids = [info['img_id'] for info in ds.data_list]
    # sorted glob: videos/jump/b_rgb.avi before videos/run/a.avi
    assert ids == ['videos/jump/b_rgb/00001', 'videos/jump/b_rgb/00002',
                   'videos/jump/b_rgb/00003', 'videos/run/a/00002',
                   'videos/run/a/00004', 'videos/run/a/00007',
                   'videos/run/a/00009', 'videos/run/a/00011']
    # frame t takes pair t, the last frame (3 of 3) pair T - 1 = 2
    pairs = [1, 2, 2, 2, 4, 7, 9, 11]
    folders = [osp.join(root, 'flow', 'jump', 'b')] * 3 + [
        osp.join(root, 'flow', 'a')] * 5
    for i, (pair, folder) in enumerate(zip(pairs, folders)):
        item = ds[i]
        t = item['frame_index'] - 1
        assert item['modalities'] == ('rgb', 'flow')
        assert item['ori_shape'] == item['img_shape'] == (H, W)
        assert item['scale_factor'] == (1., 1.)
        assert item['gt_bboxes'].shape == (0, 4)
        assert item['gt_bboxes'].dtype == np.float32
        assert item['gt_labels'].shape == (0, )
        assert item['gt_labels'].dtype == np.int64
        assert item['gt_difficult'].shape == (0, )
        assert item['gt_difficult'].dtype == bool
        rgb, flow = item['imgs']['rgb'], item['imgs']['flow']
        assert rgb.shape == flow.shape == (H, W, 3)
        assert rgb.dtype == flow.dtype == np.uint8
        err = np.abs(rgb.astype(int) - rgb_colour(t)).max()
        assert err <= 6, (item['img_id'], err)
        x = cv2.imread(osp.join(folder, f'flow_x_{pair:05d}.jpg'), 0)
        y = cv2.imread(osp.join(folder, f'flow_y_{pair:05d}.jpg'), 0)
        np.testing.assert_array_equal(flow, flow_image(x, y))
        assert (flow[..., 0] == 10 * pair).all()
        assert item['flow_x_path'] == osp.join(folder,
                                               f'flow_x_{pair:05d}.jpg')
        # the files a teacher feature cache fingerprints
        assert data_paths(item) == [
            item['video_path'], item['flow_x_path'], item['flow_y_path']]


def test_single_modality(root):
    item = make(root, modalities='flow', frames_per_video=1)[1]
    assert 'imgs' not in item and item['img'].shape == (H, W, 3)
    assert item['img_id'] == 'videos/run/a/00007'  # floor(0.5 * 12)
    assert (item['img'][..., 0] == 70).all()
    # RGB alone needs no flow
    ds = make(root, modalities=['rgb'], flow_root=osp.join(root, 'none'))
    assert ds[0]['modalities'] == ('rgb', )
    assert abs(int(ds[0]['img'][0, 0, 0]) - 250) <= 6


def test_missing_flow_folder(root, monkeypatch):
    write_video(osp.join(root, 'videos', 'run', 'c.avi'), 4)
    with pytest.raises(FileNotFoundError) as e:
        make(root)
    msg = str(e.value)
    assert '\n' not in msg and "'videos/run/c.avi'" in msg
    assert osp.join(root, 'flow', 'c') in msg
    assert osp.join(root, 'flow', 'run', 'c') in msg
    logs = []
    monkeypatch.setattr(pairs_module, 'print_log',
                        lambda msg, **kw: logs.append((msg, kw)))
    ds = make(root, skip_missing_flow=True)
    assert ds.num_skipped_videos == 1
    assert ds.skipped_videos == ['videos/run/c.avi']
    assert len(ds) == 8
    assert len(logs) == 1 and 'skipped 1 of 3 videos' in logs[0][0]
    assert logs[0][1]['level'] == logging.WARNING
    # RGB alone does not look for flow
    assert len(make(root, modalities='rgb')) == 8 + 4


def test_missing_flow_root_and_all_skipped(root):
    with pytest.raises(FileNotFoundError, match='flow_root'):
        make(root, flow_root=osp.join(root, 'nowhere'))
    os.rename(osp.join(root, 'flow'), osp.join(root, 'flow_old'))
    os.makedirs(osp.join(root, 'flow'))
    with pytest.raises(ValueError, match='all 2 videos'):
        make(root, skip_missing_flow=True)


def test_missing_flow_jpeg(root):
    missing = osp.join(root, 'flow', 'a', 'flow_y_00007.jpg')
    os.remove(missing)
    with pytest.raises(FileNotFoundError) as e:
        make(root)
    assert '\n' not in str(e.value) and missing in str(e.value)
    # a pair that no chosen frame uses (pairs 2, 4, 7, 9, 11) may be
    # missing
    write_flow(osp.join(root, 'flow', 'a'), 11)
    os.remove(osp.join(root, 'flow', 'a', 'flow_x_00005.jpg'))
    assert len(make(root)) == 8


def test_ann_file(root):
    ann = osp.join(root, 'list.txt')
    with open(ann, 'w') as f:
        f.write('videos/run/a.avi 3\n\n  \nvideos/jump/b_rgb.avi\n')
    ds = make(root, ann_file='list.txt', frames_per_video=2)
    assert [info['img_id'] for info in ds.data_list] == [
        'videos/run/a/00004', 'videos/run/a/00010',
        'videos/jump/b_rgb/00001', 'videos/jump/b_rgb/00003']
    with open(ann, 'a') as f:
        f.write('videos/run/zz.avi\n')
    with pytest.raises(ValueError) as e:
        make(root, ann_file=ann)
    msg = str(e.value)
    assert '\n' not in msg and ann in msg and 'line 5' in msg
    assert 'zz.avi' in msg
    with open(ann, 'w') as f:
        f.write('videos/run/a.avi\nvideos/run/../run/a.avi\n')
    with pytest.raises(ValueError, match='line 2.*repeats.*line 1'):
        make(root, ann_file=ann)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        make(root, ann_file='nope.txt')


def test_size_mismatch(root):
    folder = osp.join(root, 'flow', 'a')
    for name in os.listdir(folder):
        os.remove(osp.join(folder, name))
    write_flow(folder, 11, size=(16, 12))  # as with --short-side 12
    ds = make(root, video_glob='videos/run/*.avi')
    with pytest.raises(ValueError) as e:
        ds[0]
    msg = str(e.value)
    assert '\n' not in msg and 'a.avi' in msg and 'flow_x_00002.jpg' in msg
    assert '(24, 32)' in msg and '(12, 16)' in msg


def test_bad_arguments(root):
    with pytest.raises(ValueError, match='frames_per_video'):
        make(root, frames_per_video=0)
    with pytest.raises(ValueError, match='modalities'):
        make(root, modalities=('rgb', 'depth'))
    with pytest.raises(ValueError, match='modalities'):
        make(root, modalities=('rgb', 'rgb'))
    with pytest.raises(ValueError, match=r"no video matches.*\*\*/\*\.mp4"):
        make(root, video_glob='**/*.mp4')
    with pytest.raises(FileNotFoundError, match='data_root'):
        make(osp.join(root, 'missing'))
    with open(osp.join(root, 'videos', 'run', 'bad.avi'), 'wb') as f:
        f.write(b'RIFF\xff\x00\x00\x00AVI ')
    with pytest.raises(VideoFileError, match='bad.avi') as e:
        make(root, modalities='rgb')
    assert '\n' not in str(e.value)


def test_find_flow_dir(root):
    flow = osp.join(root, 'flow')
    assert find_flow_dir(flow, 'a', 'run') == (
        osp.join(flow, 'a'), [osp.join(flow, 'a'), osp.join(flow, 'run',
                                                            'a')])
    assert find_flow_dir(flow, 'b', 'jump')[0] == osp.join(flow, 'jump', 'b')
    assert find_flow_dir(flow, 'b')[0] is None


def test_detection_pipeline(root):
    pipeline = [TRANSFORMS.build(dict(type='Det2DResize', scale=(64, 64))),
                TRANSFORMS.build(dict(type='PackDet2DInputs'))]
    ds = make(root, pipeline=pipeline)
    packed = ds[3]
    inputs, sample = packed['inputs'], packed['data_samples']
    assert set(inputs) == {'rgb', 'flow'}
    for img in inputs.values():  # min(64 / 32, 64 / 24) = 2
        assert img.shape == (3, 48, 64) and img.dtype == torch.uint8
    assert (inputs['flow'][0] == 20).all()  # pair 2
    assert sample.gt_instances.bboxes.shape == (0, 4)
    assert sample.gt_instances.labels.shape == (0, )
    assert sample.img_id == 'videos/run/a/00002'
    assert sample.ori_shape == (H, W) and sample.img_shape == (48, 64)
    assert sample.scale_factor == (2.0, 2.0)


@pytest.mark.skipif(not osp.isdir(osp.join(WORLD, 'videos')),
                    reason='no data/synthetic_jhmdb world on disk')
def test_on_disk_world():
    ds = make(WORLD)
    videos = [info['video'] for info in ds.data_list]
    assert videos and all(videos.count(v) == 5 for v in videos)
    assert len(ds) == 5 * len(set(videos))
    item = ds[0]
    assert item['imgs']['rgb'].shape == item['imgs']['flow'].shape
    assert item['imgs']['rgb'].dtype == np.uint8
