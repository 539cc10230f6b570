# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the PKU-MMD temporal-detection dataset
(fsat.datasets.pku_detection) and PackDetectionInputs.

A tiny synthetic world (2 sequences x 3 views, 123 and 131 depth frames,
labels with an inclusive end) is generated once per module; the bad-input
cases use small PKU-MMD folders written by hand, whose depth frame ``t``
holds ``1000 + t`` millimetres everywhere.
"""
import json
import logging
import math
import os
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample

from fsat.datasets import (
    PKUMMDDetectionDataset,
    load_labeled_ids,
    pku_detection,
)
from fsat.datasets.pku_detection import buffer_starts, window_instances
from fsat.datasets.synthetic import generate_world
from fsat.datasets.transforms import PackDetectionInputs, ReplicateDepth
from fsat.registry import DATASETS, TRANSFORMS

WORLD = dict(num_classes=3, inclusive_end=True)
PACKED_META = {
    'video_id', 'buffer_start', 'buffer_len', 'frame_interval',
    'num_input_frames', 'num_valid_input_frames', 'total_frames', 'video_gt'
}


@pytest.fixture(scope='module')
def pku_root(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('pku_detection') / 'tiny')
    generate_world('tiny', out, seed=0, workers=1, progress=False)
    return osp.join(out, 'pku_mmd')


@pytest.fixture
def logged(monkeypatch):
    """The print_log calls of the dataset module: (message, level)."""
    calls = []
    monkeypatch.setattr(
        pku_detection, 'print_log',
        lambda msg, **kwargs: calls.append((msg, kwargs.get('level'))))
    return calls


def label_file_instances(root, video_id):
    """The instances of a world label file (inclusive end), by hand."""
    path = osp.join(root, 'Label', 'Train_Label_PKU_final', f'{video_id}.txt')
    rows = [[int(v) for v in line.split(',')]
            for line in open(path).read().split()]
    return ([[start, end + 1] for _, start, end, _ in rows],
            [action - 1 for action, _, _, _ in rows])


def raw_depth_pipeline():
    """Depth in mm, replicated to 3 channels (FormatShape needs them)."""
    return [
        dict(type='LoadMaskedDepth'),
        dict(type='ReplicateDepth', mm_range=(0, 65535), scale=65535),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackDetectionInputs')
    ]


def depth_pipeline():
    return [
        dict(type='LoadMaskedDepth'),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='ReplicateDepth'),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackDetectionInputs')
    ]


def write_pku(root, videos, train, val=(), size=(6, 5)):
    """A PKU-MMD root: ``videos`` maps an id to ``(num_depth_frames,
    label_text)``; ``None`` frames: no depth folder, 0: an empty one."""
    split = osp.join(root, 'Split', 'cross-subject.txt')
    os.makedirs(osp.dirname(split), exist_ok=True)
    with open(split, 'w') as f:  # the official layout, misspelt header
        f.write('Training videos: \n' + ', '.join(train) + '\n'
                'Validataion videos: \n' + ', '.join(val) + '\n')
    for video_id, (num_frames, labels) in videos.items():
        label = osp.join(root, 'Label', 'Train_Label_PKU_final',
                         f'{video_id}.txt')
        os.makedirs(osp.dirname(label), exist_ok=True)
        with open(label, 'w') as f:
            f.write(labels)
        if num_frames is None:
            continue
        folder = osp.join(root, 'Data', 'DEPTH', video_id)
        os.makedirs(folder, exist_ok=True)
        for t in range(num_frames):
            depth = np.full(size[::-1], 1000 + t, np.uint16)
            cv2.imwrite(osp.join(folder, f'Depth-{t + 1:08d}.png'), depth)
    return str(root)


# ---------------------------------------------------------------------------
# Window arithmetic
# ---------------------------------------------------------------------------


def test_buffer_starts():
    assert buffer_starts(123, 64, 32) == [0, 32, 59]  # tail-aligned last
    assert buffer_starts(128, 64, 32) == [0, 32, 64]  # fits exactly
    assert buffer_starts(2000, 768, 384) == [0, 384, 768, 1152, 1232]
    assert buffer_starts(65, 64, 64) == [0, 1]
    assert buffer_starts(64, 64, 32) == [0]
    assert buffer_starts(10, 64, 32) == [0]  # shorter than a buffer


def test_window_instances_input_units():
    segments = np.array([[9, 38], [46, 77], [87, 114], [60, 62]])
    labels = np.array([0, 0, 1, 2])
    # window [32, 96) at frame_interval 2: 32 input frames
    seg, lab = window_instances(segments, labels, 32, 64, 2, 0.5)
    # [9, 38): 6 of 29 frames inside, dropped; [46, 77) -> (14, 45) / 2;
    # [87, 114): 9 of 27 inside, dropped; [60, 62) -> (28, 30) / 2
    np.testing.assert_array_equal(seg, [[7, 22.5], [14, 15]])
    np.testing.assert_array_equal(lab, [0, 2])
    assert seg.dtype == np.float32 and lab.dtype == np.int64
    # window [59, 123): [46, 77) has 18 of 31 frames inside, kept, clipped
    seg, lab = window_instances(segments, labels, 59, 64, 2, 0.5)
    np.testing.assert_array_equal(seg, [[0, 9], [14, 27.5], [0.5, 1.5]])
    np.testing.assert_array_equal(lab, [0, 1, 2])
    seg, lab = window_instances(segments, labels, 59, 64, 2, 0.6)
    np.testing.assert_array_equal(lab, [1, 2])
    seg, lab = window_instances(segments, labels, 200, 64, 1, 0.5)
    assert seg.shape == (0, 2) and lab.shape == (0, )


# ---------------------------------------------------------------------------
# The synthetic world
# ---------------------------------------------------------------------------


def test_train_windows_and_gt(pku_root):
    dataset = PKUMMDDetectionDataset(
        data_root=pku_root, buffer_len=64, frame_interval=2, **WORLD)
    assert dataset.video_ids == ['0002-L', '0002-M', '0002-R']
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    # 123 frames: windows [0, 32, 59]; each holds an instance
    assert [(i['video_id'], i['buffer_start']) for i in infos] == [
        (v, s) for v in dataset.video_ids for s in (0, 32, 59)
    ]
    first = infos[0]
    assert first['total_frames'] == 123
    assert first['num_input_frames'] == first['num_valid_input_frames'] == 32
    np.testing.assert_array_equal(first['frame_inds'], np.arange(0, 64, 2))
    assert first['frame_inds'].dtype == np.int64
    assert first['frame_dir'] == osp.join(pku_root, 'Data', 'DEPTH',
                                          '0002-L')
    # instances [9, 38), [46, 77), [87, 114) in input frames of each window
    expected = {
        0: ([[4.5, 19], [23, 32]], [0, 0]),
        32: ([[7, 22.5]], [0]),
        59: ([[0, 9], [14, 27.5]], [0, 1]),
    }
    for info in infos:
        segments, labels = expected[info['buffer_start']]
        np.testing.assert_array_equal(info['gt_segments'], segments)
        np.testing.assert_array_equal(info['gt_labels'], labels)
        assert info['gt_segments'].dtype == np.float32
        assert info['gt_labels'].dtype == np.int64
        np.testing.assert_array_equal(
            info['frame_inds'],
            info['buffer_start'] + np.arange(0, 64, 2))


def test_every_train_item_has_an_instance(pku_root):
    dataset = PKUMMDDetectionDataset(
        data_root=pku_root, buffer_len=16, buffer_stride=8, **WORLD)
    test = PKUMMDDetectionDataset(
        data_root=pku_root, buffer_len=16, buffer_stride=8, test_mode=True,
        **WORLD)
    assert 0 < len(dataset) < len(test)  # windows without instances left
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert len(info['gt_labels']) >= 1
        assert len(info['gt_segments']) == len(info['gt_labels'])


def test_test_mode_covers_every_frame(pku_root):
    dataset = PKUMMDDetectionDataset(
        data_root=pku_root, split='val', buffer_len=48, test_mode=True,
        **WORLD)
    assert dataset.video_ids == ['0003-L', '0003-M', '0003-R']
    seen = {}
    starts = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        seen.setdefault(info['video_id'], set()).update(
            info['frame_inds'].tolist())
        starts.setdefault(info['video_id'], []).append(info['buffer_start'])
    assert list(seen) == dataset.video_ids  # split order, then windows
    for video in dataset.videos:
        total = video['total_frames']
        assert total == 131
        assert seen[video['video_id']] == set(range(total))
        assert starts[video['video_id']] == [0, 24, 48, 72, 83]
    # deterministic order
    again = PKUMMDDetectionDataset(
        data_root=pku_root, split='val', buffer_len=48, test_mode=True,
        **WORLD)
    assert [again.get_data_info(i)['buffer_start'] for i in range(
        len(again))] == [
            dataset.get_data_info(i)['buffer_start']
            for i in range(len(dataset))
        ]


def test_video_segments_equal_label_file(pku_root):
    for split in ('train', 'val'):
        dataset = PKUMMDDetectionDataset(
            data_root=pku_root, split=split, buffer_len=32, test_mode=True,
            **WORLD)
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            segments, labels = label_file_instances(pku_root,
                                                    info['video_id'])
            np.testing.assert_array_equal(info['video_segments'], segments)
            np.testing.assert_array_equal(info['video_labels'], labels)
            assert info['video_segments'].dtype == np.float32
            assert info['video_labels'].dtype == np.int64


def test_depth_pipeline_end_to_end(pku_root):
    dataset = DATASETS.build(
        dict(
            type='PKUMMDDetectionDataset',
            data_root=pku_root,
            buffer_len=64,
            frame_interval=2,
            pipeline=depth_pipeline(),
            **WORLD))
    sample = dataset[1]  # 0002-L, buffer_start 32
    inputs, data_sample = sample['inputs'], sample['data_samples']
    assert set(sample) == {'inputs', 'data_samples'}
    assert isinstance(inputs, torch.Tensor)
    assert inputs.shape == (1, 3, 32, 32, 32)
    assert isinstance(data_sample, ActionDataSample)
    assert set(data_sample.metainfo) == PACKED_META
    assert data_sample.buffer_start == 32
    assert data_sample.video_id == '0002-L'
    np.testing.assert_array_equal(data_sample.gt_instances.segments,
                                  [[7, 22.5]])
    assert data_sample.gt_instances.segments.dtype == torch.float32
    assert data_sample.gt_instances.labels.dtype == torch.int64
    np.testing.assert_array_equal(data_sample.video_gt['segments'],
                                  [[9, 38], [46, 77], [87, 114]])
    np.testing.assert_array_equal(data_sample.video_gt['labels'], [0, 0, 1])

    # input frame 5 of the buffer at 32 is frame 42: Depth-00000043.png
    folder = osp.join(pku_root, 'Data', 'DEPTH', '0002-L')
    png = cv2.imread(osp.join(folder, 'Depth-00000043.png'),
                     cv2.IMREAD_UNCHANGED)
    assert png.shape == (53, 64) and png.dtype == np.uint16
    expected = ReplicateDepth().encode(
        mmcv.imresize(png.astype(np.float32), (32, 32)))
    frame = inputs[0, :, 5].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(frame, expected, rtol=1e-5, atol=1e-3)
    neighbour = cv2.imread(osp.join(folder, 'Depth-00000042.png'),
                           cv2.IMREAD_UNCHANGED)
    assert not np.array_equal(neighbour, png)  # the check discriminates

    # without resizing and encoding: the millimetres of the PNGs
    raw = PKUMMDDetectionDataset(
        data_root=pku_root, buffer_len=64, frame_interval=2,
        pipeline=raw_depth_pipeline(), **WORLD)[1]['inputs']
    assert raw.shape == (1, 3, 32, 53, 64)
    for k in (0, 5, 31):
        png = cv2.imread(osp.join(folder, f'Depth-{32 + 2 * k + 1:08d}.png'),
                         cv2.IMREAD_UNCHANGED)
        np.testing.assert_allclose(raw[0, 1, k].numpy(), png, atol=0.01)


def test_fraction_subsets(pku_root, tmp_path):

    def build(**kwargs):
        return PKUMMDDetectionDataset(
            data_root=pku_root, buffer_len=64, **WORLD, **kwargs)

    full = build(subset_out=str(tmp_path / 'full'))
    assert full.video_ids == ['0002-L', '0002-M', '0002-R']
    assert load_labeled_ids(str(tmp_path / 'full')) == full.video_ids

    picks = {}
    for seed in range(6):
        dataset = build(video_fraction=0.34, subset_seed=seed)
        assert len(dataset.video_ids) == 1  # floor(0.34 * 3 + 0.5)
        assert {dataset.get_data_info(i)['video_id']
                for i in range(len(dataset))} == set(dataset.video_ids)
        picks[seed] = dataset.video_ids
    assert len({tuple(ids) for ids in picks.values()}) > 1
    out = tmp_path / 'runs' / 'subset.json'
    again = build(video_fraction=0.34, subset_seed=3, subset_out=str(out))
    assert again.video_ids == picks[3]
    with open(out) as f:
        written = json.load(f)
    assert written['ids'] == picks[3] and written['num_ids'] == 1
    assert written['seed'] == 3 and written['video_fraction'] == 0.34
    assert load_labeled_ids(str(out)) == picks[3]
    assert os.listdir(out.parent) == ['subset.json']  # no temporary left

    two = build(video_fraction=0.5, subset_seed=0)
    assert len(two.video_ids) == 2


@pytest.mark.parametrize('fraction', [0, -0.5, 1.5])
def test_fraction_out_of_range(pku_root, fraction):
    with pytest.raises(ValueError, match=f'video_fraction .* {fraction}'):
        PKUMMDDetectionDataset(
            data_root=pku_root, video_fraction=fraction, **WORLD)


# ---------------------------------------------------------------------------
# Held-out validation videos
# ---------------------------------------------------------------------------

#: 10 sequences x 3 views, one 16-frame window each.
SEQUENCES = [f'{s:04d}' for s in range(2, 12)]
VIEWS = [f'{s}-{v}' for s in SEQUENCES for v in 'LMR']


@pytest.fixture(scope='module')
def views_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('pku_views')
    return write_pku(root, {v: (16, '1,2,9,1\n') for v in VIEWS},
                     train=VIEWS, val=[], size=(2, 2))


def build_views(root, **kwargs):
    return PKUMMDDetectionDataset(
        data_root=root, buffer_len=16, num_classes=3, **kwargs)


def test_sequence_of_and_holdout_videos():
    assert pku_detection.sequence_of('0002-L') == '0002'
    assert pku_detection.sequence_of('0002') == '0002'
    assert pku_detection.sequence_of('a-b-R') == 'a-b'
    held = pku_detection.holdout_videos(VIEWS[::-1], 0.2, 0)
    assert len(held) == 6  # floor(0.2 * 10 + 0.5) sequences x 3 views
    assert held == [v for v in VIEWS[::-1] if v in held]  # input order
    sequences = {pku_detection.sequence_of(v) for v in held}
    assert len(sequences) == 2 and set(held) == {
        f'{s}-{v}' for s in sequences for v in 'LMR'}
    # a pick of the set, not of its order
    assert sorted(pku_detection.holdout_videos(VIEWS, 0.2, 0)) == sorted(
        held)


@pytest.mark.parametrize('holdout', [0.2, 0.5])
@pytest.mark.parametrize('holdout_seed', [0, 1])
def test_holdout_is_disjoint_from_every_training_pick(
        views_root, tmp_path, holdout, holdout_seed):
    held = build_views(views_root, holdout=holdout,
                       holdout_seed=holdout_seed, use_holdout=True,
                       test_mode=True, subset_out=str(tmp_path / 'val'))
    assert held.video_ids == held.held_out_ids
    assert len(held.video_ids) == 3 * math.floor(holdout * 10 + 0.5)
    assert {held.get_data_info(i)['video_id']
            for i in range(len(held))} == set(held.video_ids)
    with open(tmp_path / 'val' / 'labeled_ids.json') as f:
        written = json.load(f)
    assert written['ids'] == sorted(held.video_ids)
    assert (written['holdout'], written['holdout_seed'],
            written['use_holdout']) == (holdout, holdout_seed, True)
    rest = build_views(views_root, holdout=holdout, holdout_seed=holdout_seed)
    # the held-out part and the rest make up the split
    assert sorted(rest.video_ids + held.video_ids) == sorted(VIEWS)
    for fraction in (0.25, 0.5, 1.0):
        picks = set()
        for seed in range(4):
            train = build_views(
                views_root, holdout=holdout, holdout_seed=holdout_seed,
                video_fraction=fraction, subset_seed=seed)
            assert train.held_out_ids == held.video_ids  # whatever the seed
            assert not set(train.video_ids) & set(held.video_ids)
            assert set(train.video_ids) <= set(rest.video_ids)
            assert len(train.video_ids) == max(
                1, math.floor(fraction * len(rest.video_ids) + 0.5))
            assert {train.get_data_info(i)['video_id']
                    for i in range(len(train))} == set(train.video_ids)
            picks.add(tuple(train.video_ids))
        if fraction < 1:
            assert len(picks) > 1  # the subset seed still draws


def test_holdout_is_deterministic_and_seeded(views_root):
    picks = [
        build_views(views_root, holdout=0.2, holdout_seed=seed,
                    use_holdout=True).video_ids for seed in (0, 0, 1, 2, 3)
    ]
    assert picks[0] == picks[1]
    assert len({tuple(p) for p in picks}) > 1
    # without a holdout nothing is held out
    assert build_views(views_root).held_out_ids == []


@pytest.mark.parametrize('kwargs, message', [
    (dict(holdout=1.0), r'holdout must be a fraction in \[0, 1\), got 1.0'),
    (dict(holdout=-0.1), 'holdout must be a fraction'),
    (dict(holdout='0.2'), 'holdout must be a fraction'),
    (dict(holdout=True), 'holdout must be a fraction'),
    (dict(holdout=0.2, holdout_seed=-1), 'holdout_seed must be an int >= 0'),
    (dict(holdout=0.2, holdout_seed=0.5), 'holdout_seed must be an int'),
    (dict(use_holdout=True), r'use_holdout=True needs holdout > 0'),
    (dict(holdout=0.2, use_holdout=True, video_fraction=0.5),
     'video_fraction must be 1, got 0.5'),
])
def test_bad_holdout_values(views_root, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_views(views_root, **kwargs)


def test_a_holdout_of_every_sequence_is_refused(views_root):
    # floor(0.96 * 10 + 0.5) = 10 of the 10 sequences
    with pytest.raises(ValueError, match='holds out all 10 sequences'):
        build_views(views_root, holdout=0.96)
    build_views(views_root, holdout=0.94)  # 9: one left to train on


def _detection_cfg(**options):
    from mmengine.config import Config

    from fsat.testing import REPO_ROOT
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/detection/rc3d_r3d18_depth_synth.py')
    holdout = {
        'train_dataloader.dataset.holdout': 0.2,
        'val_dataloader.dataset.holdout': 0.2,
        'val_dataloader.dataset.use_holdout': True,
        'val_dataloader.dataset.split': 'train'
    }
    holdout.update(options)
    cfg.merge_from_dict({k: v for k, v in holdout.items() if v != 'unset'})
    for key, value in holdout.items():
        if value == 'unset':
            loader, _, field = key.split('.')
            cfg[loader]['dataset'].pop(field, None)
    return cfg


def test_a_validation_on_training_videos_must_be_held_out():
    from fsat.datasets.subsets import check_disjoint_subsets
    check_disjoint_subsets(_detection_cfg(), 'det.py')
    # the official split: another set of videos, never compared
    check_disjoint_subsets(_detection_cfg(**{
        'val_dataloader.dataset.split': 'val',
        'val_dataloader.dataset.use_holdout': 'unset',
        'train_dataloader.dataset.holdout': 'unset'}), 'det.py')

    def error(**options):
        with pytest.raises(ValueError) as e:
            check_disjoint_subsets(_detection_cfg(**options), 'det.py')
        return str(e.value)

    head = ('det.py: val_dataloader.dataset draws from the same videos as '
            "train_dataloader.dataset (split 'train')")
    assert error(**{'train_dataloader.dataset.holdout': 'unset'}) == (
        f'{head}, which holds none of them out: give both the same '
        'holdout=<fraction> and holdout_seed and val_dataloader.dataset '
        'use_holdout=True, or give val_dataloader.dataset another split')
    assert error(**{'val_dataloader.dataset.use_holdout': False}) == (
        f'{head} and takes the same part of them (use_holdout=False for '
        'both), so it holds videos train_dataloader.dataset trains on: set '
        'val_dataloader.dataset.use_holdout=True (the held-out videos) and '
        'leave it False for training')
    assert error(**{'val_dataloader.dataset.holdout_seed': 1}) == (
        f'{head} with another held-out pick (val_dataloader.dataset.'
        'holdout, holdout_seed = 0.2, 1; train_dataloader.dataset: 0.2, 0),'
        ' so its videos can overlap the training videos: use the same '
        'holdout and holdout_seed')
    assert 'another held-out pick' in error(
        **{'train_dataloader.dataset.holdout': 0.3})


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def test_instances_beyond_the_end(tmp_path, logged):
    root = write_pku(
        tmp_path, {
            'A': (20, '1,5,10,1\n2,15,30,1\n3,25,40,1\n'),
            'B': (20, '1,2,8,1\n2,18,21,2\n'),
            'C': (20, '1,2,8,1\n'),
        },
        train=['A', 'B', 'C'])
    dataset = PKUMMDDetectionDataset(
        data_root=root, num_classes=3, buffer_len=16, buffer_stride=8,
        test_mode=True)
    videos = {video['video_id']: video for video in dataset.videos}
    np.testing.assert_array_equal(videos['A']['segments'],
                                  [[5, 10], [15, 20]])  # clipped, dropped
    np.testing.assert_array_equal(videos['A']['labels'], [0, 1])
    np.testing.assert_array_equal(videos['B']['segments'], [[2, 8], [18, 20]])
    info = dataset.get_data_info(0)
    np.testing.assert_array_equal(info['video_segments'],
                                  [[5, 10], [15, 20]])
    assert len(logged) == 1  # one warning per dataset
    message, level = logged[0]
    assert level == logging.WARNING
    assert 'clipped 2 instance(s)' in message
    assert 'dropped 1' in message
    assert 'in 2 label file(s)' in message
    label_dir = osp.join(root, 'Label', 'Train_Label_PKU_final')
    assert osp.join(label_dir, 'A.txt') + ' (1 clipped, 1 dropped)' in message
    assert osp.join(label_dir, 'B.txt') + ' (1 clipped, 0 dropped)' in message
    assert 'C.txt' not in message


def test_overlapping_instances_are_kept(tmp_path, logged):
    root = write_pku(
        tmp_path, {'A': (20, '1,2,8,1\n2,4,10,1\n')}, train=['A'])
    dataset = PKUMMDDetectionDataset(
        data_root=root, num_classes=3, buffer_len=16)
    assert len(dataset) == 2  # windows [0, 16) and [4, 20)
    info = dataset.get_data_info(0)
    np.testing.assert_array_equal(info['gt_segments'], [[2, 8], [4, 10]])
    np.testing.assert_array_equal(info['gt_labels'], [0, 1])
    np.testing.assert_array_equal(info['video_segments'], [[2, 8], [4, 10]])
    assert not logged


def test_sequence_shorter_than_a_buffer(tmp_path):
    root = write_pku(tmp_path, {'A': (10, '1,3,9,1\n')}, train=['A'])
    dataset = PKUMMDDetectionDataset(
        data_root=root, num_classes=3, buffer_len=16, frame_interval=2,
        pipeline=raw_depth_pipeline())
    assert len(dataset) == 1
    info = dataset.get_data_info(0)
    assert info['buffer_start'] == 0 and info['total_frames'] == 10
    # indices past frame 9 repeat the last frame
    np.testing.assert_array_equal(info['frame_inds'],
                                  [0, 2, 4, 6, 8, 9, 9, 9])
    assert info['num_input_frames'] == 8
    assert info['num_valid_input_frames'] == 5
    np.testing.assert_array_equal(info['gt_segments'], [[1.5, 4.5]])
    sample = dataset[0]
    assert sample['inputs'].shape == (1, 3, 8, 5, 6)
    np.testing.assert_allclose(sample['inputs'][0, 0, :, 0, 0],
                               1000 + np.array([0, 2, 4, 6, 8, 9, 9, 9]),
                               atol=0.01)
    meta = sample['data_samples'].metainfo
    assert meta['num_valid_input_frames'] == 5
    assert meta['num_input_frames'] == 8


def test_missing_or_empty_depth_folder(tmp_path, logged):
    root = write_pku(
        tmp_path, {
            'A': (20, '1,2,8,1\n'),
            'B': (None, '1,2,8,1\n'),
            'C': (0, '1,2,8,1\n'),
        },
        train=['A', 'B', 'C'])
    depth = osp.join(root, 'Data', 'DEPTH')
    with pytest.raises(FileNotFoundError) as err:
        PKUMMDDetectionDataset(data_root=root, num_classes=3, buffer_len=16)
    assert 'video B' in str(err.value)
    assert osp.join(depth, 'B') + ' is missing' in str(err.value)
    assert not logged

    os.rename(osp.join(depth, 'C'), osp.join(depth, 'B'))  # B empty, C none
    with pytest.raises(FileNotFoundError, match='Depth-\\*.png') as err:
        PKUMMDDetectionDataset(data_root=root, num_classes=3, buffer_len=16)
    assert osp.join(depth, 'B') + ' has no' in str(err.value)

    dataset = PKUMMDDetectionDataset(
        data_root=root, num_classes=3, buffer_len=16, on_missing='skip')
    assert dataset.video_ids == ['A']
    assert dataset.skipped == ['B', 'C']
    assert len(logged) == 1
    message, level = logged[0]
    assert level == logging.WARNING
    assert 'skipped 2 of 3 train videos' in message


def test_argument_errors(tmp_path):
    root = write_pku(tmp_path, {'A': (20, '1,2,8,1\n')}, train=['A'])
    kwargs = dict(data_root=root, num_classes=3)
    with pytest.raises(ValueError, match='frame_interval=3 must divide'):
        PKUMMDDetectionDataset(buffer_len=16, frame_interval=3, **kwargs)
    with pytest.raises(ValueError, match="split must be one of"):
        PKUMMDDetectionDataset(split='test', **kwargs)
    with pytest.raises(ValueError, match='on_missing must be one of'):
        PKUMMDDetectionDataset(on_missing='ignore', **kwargs)
    with pytest.raises(ValueError, match='min_overlap must be in'):
        PKUMMDDetectionDataset(min_overlap=0, **kwargs)
    lazy = PKUMMDDetectionDataset(
        data_root=str(tmp_path / 'nowhere'), lazy_init=True)
    assert lazy.video_ids == []  # nothing read before full_init
    with pytest.raises(FileNotFoundError):
        lazy.full_init()


# ---------------------------------------------------------------------------
# Packing
# ---------------------------------------------------------------------------


def test_pack_detection_inputs():
    pack = TRANSFORMS.build(dict(type='PackDetectionInputs'))
    assert isinstance(pack, PackDetectionInputs)
    imgs = np.zeros((1, 3, 4, 8, 8), np.float32)
    packed = pack(
        dict(
            imgs=imgs, video_id='v', buffer_start=0, buffer_len=8,
            frame_interval=2, num_input_frames=4, num_valid_input_frames=4,
            total_frames=8, gt_segments=np.zeros((0, 2), np.float32),
            gt_labels=np.zeros(0, np.int64),
            video_segments=[[1, 3]], video_labels=[2], other=1))
    sample = packed['data_samples']
    assert packed['inputs'].shape == (1, 3, 4, 8, 8)
    assert sample.gt_instances.segments.shape == (0, 2)
    assert sample.gt_instances.labels.shape == (0, )
    assert set(sample.metainfo) == PACKED_META
    np.testing.assert_array_equal(sample.video_gt['segments'], [[1, 3]])
    assert sample.video_gt['labels'].dtype == np.int64
    with pytest.raises(KeyError, match='imgs'):
        pack(dict(gt_segments=[[0, 1]], gt_labels=[0]))
    with pytest.raises(ValueError, match='2 gt_segments but 1 gt_labels'):
        pack(dict(imgs=imgs, gt_segments=[[0, 1], [1, 2]], gt_labels=[0]))
