# Copyright (c) fsat contributors. All rights reserved.
"""Tests of JHMDBFrameDetectionDataset on a tiny synthetic JHMDB world
(RGB, and flow extracted here with fsat's flow tool), on the real JHMDB
frames and joint files ($FSAT_REAL_SAMPLES, skipped when unset), and its
one-line errors."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

import fsat.datasets.jhmdb.boxes as boxes_module
import fsat.datasets.jhmdb_detection as detection_module
from fsat.datasets import JHMDBFrameDetectionDataset
from fsat.datasets.flow import collect_videos, extract_many
from fsat.datasets.jhmdb import (
    JHMDB_CLASSES,
    boxes_from_joints,
    boxes_from_mask,
    read_joint_positions,
    read_puppet_mask,
)
from fsat.datasets.jhmdb_detection import flow_image
from fsat.datasets.synthetic import custom_preset
from fsat.datasets.synthetic.jhmdb_writer import (
    JHMDB_ALL_CLASSES,
    format_puppet_mask,
    generate_jhmdb_world,
)
from fsat.registry import DATASETS
from fsat.testing import real_sample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def make_dataset(*args, **kwargs):
    """The dataset, keeping ``data_list`` (not serialised)."""
    return JHMDBFrameDetectionDataset(*args, serialize_data=False, **kwargs)


KEYS = {'img', 'gt_bboxes', 'gt_labels', 'gt_difficult', 'img_id',
        'ori_shape'}
CATCH = 'Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2'
BRUSH = ('April_09_brush_hair_u_nm_np1_ba_goo_0',
         'Brushing_Hair_with_Beth_brush_hair_h_nm_np1_le_goo_0',
         'My_Hair_Routine_brush_hair_h_nm_np1_le_goo_0')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    """The jhmdb_unit world (2 classes x 3 clips of 10-12 frames) with its
    Farneback flow in <root>/flow/<video>/."""
    out = str(tmp_path_factory.mktemp('jhmdb') / 'world')
    generate_jhmdb_world(custom_preset('jhmdb_unit', {}), out, seed=0,
                         progress=False)
    videos = collect_videos(osp.join(out, 'videos'), pattern='*/*.avi')
    results = extract_many(videos, osp.join(out, 'flow'),
                           method='farneback', progress=False)
    assert [r.status for r in results] == ['done'] * 6
    return out


def capture_logs(monkeypatch):
    messages = []
    monkeypatch.setattr(detection_module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


def check_item(item, modality):
    assert KEYS <= set(item)
    img = item['img']
    assert img.shape == (240, 320, 3) and img.dtype == np.uint8
    assert item['ori_shape'] == item['img_shape'] == (240, 320)
    assert item['gt_bboxes'].shape == (1, 4)
    assert item['gt_bboxes'].dtype == np.float32
    assert item['gt_labels'].dtype == np.int64
    assert item['gt_labels'].shape == (1, )
    assert item['gt_difficult'].tolist() == [False]
    assert item['modality'] == modality
    x1, y1, x2, y2 = item['gt_bboxes'][0]
    assert 0 <= x1 < x2 <= 320 and 0 <= y1 < y2 <= 240


def test_rgb_items(root):
    data = DATASETS.build(dict(type='JHMDBFrameDetectionDataset',
                               data_root=root, split=1, subset='train',
                               classes=['clap', 'walk'],
                               serialize_data=False))
    test = make_dataset(root, split=1, subset='test')
    assert data.metainfo['classes'] == ('clap', 'walk')
    assert test.metainfo['classes'] == JHMDB_CLASSES
    videos = {d['video'] for d in data.data_list}
    assert not videos & {d['video'] for d in test.data_list}
    assert len(videos) + len({d['video'] for d in test.data_list}) == 6
    # every frame of every clip (all have a box)
    assert len(data) + len(test) == sum(
        len(os.listdir(osp.join(root, 'Rename_Images', c, v)))
        for c in ('clap', 'walk')
        for v in os.listdir(osp.join(root, 'Rename_Images', c))
        if not v.startswith('.'))
    for i in (0, len(data) - 1):
        item = data[i]
        check_item(item, 'rgb')
        class_name, video, frame = item['img_id'].split('/')
        assert item['gt_labels'].tolist() == [['clap', 'walk'].index(
            class_name)]
        path = osp.join(root, 'Rename_Images', class_name, video,
                        f'{frame}.png')
        np.testing.assert_array_equal(item['img'], cv2.imread(path)[...,
                                                                    ::-1])
        mask = read_puppet_mask(osp.join(root, 'puppet_mask', class_name,
                                         video, 'puppet_mask.mat'))
        t = min(int(frame) - 1, len(mask) - 1)
        np.testing.assert_array_equal(item['gt_bboxes'],
                                      boxes_from_mask(mask[t:t + 1])[0])
    # labels are the official indices by default
    assert {int(d['gt_labels'][0]) for d in test.data_list} <= {
        JHMDB_CLASSES.index('clap'), JHMDB_CLASSES.index('walk')}


def test_short_mask_and_frame_interval(root, monkeypatch):
    data = make_dataset(root, split=1, subset='test',
                                      frame_interval=3)
    frames = {}
    for d in data.data_list:
        frames.setdefault(d['video'], (d['num_frames'], []))[1].append(
            d['frame_index'])
    for num_frames, got in frames.values():
        assert got == list(range(1, num_frames + 1, 3))
    assert data[1]['img_id'].endswith('/00004')
    # the clip with a short mask: its last frame repeats the last mask box
    with open(osp.join(root, 'world.json'), encoding='utf-8') as f:
        short, = json.load(f)['short_masks']
    logged = []
    monkeypatch.setattr(boxes_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    items = [d for subset in ('train', 'test')
             for d in make_dataset(
                 root, subset=subset).data_list if d['video'] == short]
    assert [d['frame_index'] for d in items] == list(
        range(1, items[0]['num_frames'] + 1))
    np.testing.assert_array_equal(items[-1]['gt_bboxes'],
                                  items[-2]['gt_bboxes'])
    assert logged == [f'JHMDB video {short} ({len(items)} frames): 1 frames '
                      'past the mask given its last frame']


def test_flow_items(root, tmp_path):
    data = make_dataset(root, split=2, subset='train',
                                      modality='flow',
                                      classes=('clap', 'walk'))
    rgb = make_dataset(root, split=2, subset='train',
                                     classes=('clap', 'walk'))
    assert [d['img_id'] for d in data.data_list] == [
        d['img_id'] for d in rgb.data_list]
    for i, info in enumerate(data.data_list):
        if info['frame_index'] in (1, info['num_frames']):
            item = data[i]
            check_item(item, 'flow')
            np.testing.assert_array_equal(item['gt_bboxes'],
                                          rgb.data_list[i]['gt_bboxes'])
            # frame t takes pair t; the last frame takes pair T - 1
            pair = min(info['frame_index'], info['num_frames'] - 1)
            folder = osp.join(root, 'flow', info['video'])
            x = cv2.imread(osp.join(folder, f'flow_x_{pair:05d}.jpg'), 0)
            y = cv2.imread(osp.join(folder, f'flow_y_{pair:05d}.jpg'), 0)
            np.testing.assert_array_equal(item['img'][..., 0], x)
            np.testing.assert_array_equal(item['img'][..., 1], y)
            r, c = 120, 160
            expected = min(255, int(np.floor(128.5 + np.hypot(
                int(x[r, c]) - 128, int(y[r, c]) - 128))))
            assert item['img'][r, c, 2] == expected
    # the person moves: more motion inside its box than outside
    walk = [i for i, d in enumerate(data.data_list)
            if d['class_name'] == 'walk' and d['frame_index'] == 6]
    item = data[walk[0]]
    x1, y1, x2, y2 = np.round(item['gt_bboxes'][0]).astype(int)
    magnitude = item['img'][..., 2].astype(float) - 128
    inside = magnitude[y1:y2, x1:x2].mean()
    assert inside > 2 * (magnitude.sum() - magnitude[y1:y2, x1:x2].sum()) / (
        magnitude.size - (y2 - y1) * (x2 - x1))
    # <flow_root>/<class>/<video>/ is found too
    alt = tmp_path / 'flow'
    for d in data.data_list:
        target = alt / d['class_name'] / d['video']
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(osp.join(root, 'flow', d['video']), target)
    again = make_dataset(root, split=2, subset='train',
                                       modality='flow', flow_root=str(alt))
    np.testing.assert_array_equal(again[0]['img'], data[0]['img'])


def test_flow_image_by_hand():
    x = np.array([[128, 131, 255]], np.uint8)
    y = np.array([[128, 132, 0]], np.uint8)
    img = flow_image(x, y)
    # hypot(0, 0) = 0, hypot(3, 4) = 5, hypot(127, -128) = 180.3 -> 255
    assert img[..., 2].tolist() == [[128, 133, 255]]
    assert img[..., 0].tolist() == [[128, 131, 255]]
    assert img.dtype == np.uint8


@pytest.mark.parametrize('kwargs,error,text', [
    (dict(split=4), ValueError, 'split must be 1, 2 or 3, got 4'),
    (dict(split=True), ValueError, 'split must be 1, 2 or 3, got True'),
    (dict(subset='val'), ValueError, "subset must be 'train' or 'test'"),
    (dict(modality='depth'), ValueError,
     "modality must be 'rgb' or 'flow', got 'depth'"),
    (dict(frame_interval=0), ValueError, 'frame_interval must be an int'),
    (dict(classes=['dive']), ValueError, "unknown: ['dive']"),
    (dict(classes=['brush_hair']), ValueError,
     'No JHMDB train clip of split 1 (classes brush_hair)'),
    (dict(modality='flow', flow_root='/nonexistent/flow'), FileNotFoundError,
     "flow_root '/nonexistent/flow' does not exist"),
])
def test_bad_input(root, kwargs, error, text):
    with pytest.raises(error) as e:
        make_dataset(root, **kwargs)
    assert text in str(e.value) and '\n' not in str(e.value)


def test_holdout_takes_whole_source_videos(root, monkeypatch):
    """holdout=h holds out fraction_of_videos(sources, h, seed) of the
    train subset's source videos (the world's are its actors), every
    clip of each; use_holdout=True gives those clips, False the rest."""
    from fsat.datasets import fraction_of_videos
    from fsat.datasets.jhmdb import jhmdb_source_video
    full = make_dataset(root, split=1, subset='train')
    clips = sorted({(d['class_name'], d['video']) for d in full.data_list})
    source = {v: jhmdb_source_video(v, c) for c, v in clips}
    # the unit world: 2 training actors, each with a clip of both classes
    assert len(set(source.values())) == 2 and len(source) == 4
    picks = set()
    for seed in range(4):
        messages = capture_logs(monkeypatch)
        part = make_dataset(root, split=1, subset='train', holdout=0.5,
                            holdout_seed=seed, use_holdout=True)
        rest = make_dataset(root, split=1, subset='train', holdout=0.5,
                            holdout_seed=np.int64(seed))
        held = {d['video'] for d in part.data_list}
        kept = {d['video'] for d in rest.data_list}
        assert not held & kept and held | kept == set(source)
        expected = fraction_of_videos(sorted(set(source.values())), 0.5,
                                      seed)
        assert held == {v for v, s in source.items() if s in expected}
        assert sorted(part.held_out_videos) == sorted(held)
        assert rest.held_out_videos == part.held_out_videos
        # every frame of a clip is on its side
        assert len(part) + len(rest) == len(full)
        assert {d['class_name'] for d in part.data_list} == {'clap', 'walk'}
        assert messages[0] == (
            f'JHMDBFrameDetectionDataset({root}, split 1, holdout=0.5, '
            f'holdout_seed={seed}): 2 of 4 clips (1 of 2 source videos) '
            'held out')
        picks.add(frozenset(held))
    assert len(picks) == 2  # the seed changes the pick


def test_holdout_names_outside_the_grammar_and_bare_classes(
        root, monkeypatch):
    messages = capture_logs(monkeypatch)
    # no name parses: each clip is its own source, counted in the log
    monkeypatch.setattr(detection_module, 'jhmdb_source_video',
                        lambda name, class_name: None)
    part = make_dataset(root, split=1, subset='train', holdout=0.5,
                        use_holdout=True)
    assert len(part.held_out_videos) == 2
    assert messages[-1].endswith(
        ": 2 of 4 clips (2 of 4 source videos) held out; 4 clip names "
        "outside HMDB's grammar, each its own source")
    # sources that are whole classes: holding one out leaves a class
    # without training clips
    monkeypatch.setattr(detection_module, 'jhmdb_source_video',
                        lambda name, class_name: class_name)
    with pytest.raises(ValueError) as e:
        make_dataset(root, split=1, subset='train', holdout=0.5)
    text = str(e.value)
    assert text.startswith(f"JHMDB split 1 train subset under '{root}': "
                           'holdout=0.5 (holdout_seed=0) leaves no '
                           'training clip of ')
    assert text.endswith(': use a smaller holdout or another seed')
    assert '\n' not in text


@pytest.mark.parametrize('kwargs,text', [
    (dict(holdout=1.0), 'holdout must be a fraction in [0, 1), got 1.0'),
    (dict(holdout=True), 'holdout must be a fraction in [0, 1), got True'),
    (dict(holdout=0.2, holdout_seed=-1), 'holdout_seed must be an int >= 0'),
    (dict(use_holdout=True), 'use_holdout=True needs holdout > 0 (the '
     'fraction of source videos held out)'),
    (dict(holdout=0.2, subset='test'), 'JHMDBFrameDetectionDataset: '
     "holdout=0.2 carves a validation set out of the train subset, got "
     "subset='test'"),
    (dict(holdout=0.9), 'holdout=0.9 holds out all 2 source videos of the '
     'split, leaving none to train on'),
])
def test_holdout_bad_input(root, kwargs, text):
    with pytest.raises(ValueError) as e:
        make_dataset(root, **kwargs)
    assert text in str(e.value) and '\n' not in str(e.value)


def test_check_disjoint_subsets_on_a_holdout():
    """A validation set on the flow detector's training clips must be
    their held-out part (check_disjoint_subsets, run by every tool)."""
    from mmengine.config import Config

    from fsat.datasets.subsets import check_disjoint_subsets
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/supervision_transfer/table3_synth/flow_det.py'))
    test = cfg.test_dataloader.dataset
    val = dict(test, subset='train', holdout=0.2, use_holdout=True)
    held = {'train_dataloader.dataset.holdout': 0.2}
    check_disjoint_subsets(cfg, 'flow_det.py')
    cfg.val_dataloader = dict(cfg.test_dataloader, dataset=val)

    def with_options(**options):
        out = cfg.copy()
        out.merge_from_dict(options)
        return out

    check_disjoint_subsets(with_options(**held), 'flow_det.py')
    with pytest.raises(ValueError) as e:
        check_disjoint_subsets(with_options(**dict(held, **{
            'val_dataloader.dataset.holdout_seed': 1})), 'flow_det.py')
    assert str(e.value).startswith(
        'flow_det.py: val_dataloader.dataset draws from the same clips as '
        'train_dataloader.dataset (split 1) with another held-out pick')
    with pytest.raises(ValueError, match='which holds none of them out'):
        check_disjoint_subsets(with_options(**dict(held, **{
            'train_dataloader.dataset.holdout': 0.0})), 'flow_det.py')
    # another split's test clips: not the training clips
    check_disjoint_subsets(with_options(**dict(held, **{
        'val_dataloader.dataset.subset': 'test',
        'val_dataloader.dataset.use_holdout': False,
        'val_dataloader.dataset.holdout': 0.0})), 'flow_det.py')


def test_missing_flow_folder_and_pair(root, tmp_path):
    flow = tmp_path / 'flow'
    flow.mkdir()
    with pytest.raises(FileNotFoundError) as e:
        make_dataset(root, modality='flow',
                                   flow_root=str(flow))
    assert 'No flow folder for JHMDB clip' in str(e.value)
    assert '\n' not in str(e.value)
    for name in os.listdir(osp.join(root, 'flow')):
        os.symlink(osp.join(root, 'flow', name), flow / name)
    data = make_dataset(root, modality='flow',
                                      flow_root=str(flow))
    video = data.data_list[0]['video']
    os.remove(flow / video)
    (flow / video).mkdir()
    with pytest.raises(FileNotFoundError, match=r'lacks flow_x_000\d\d\.jpg '
                       r'\(the clip has \d+ frames'):
        make_dataset(root, modality='flow',
                                   flow_root=str(flow))


def write_splits(root, lines):
    """Split 1 files for all 21 classes; ``lines``: class -> text."""
    os.makedirs(osp.join(root, 'splits'), exist_ok=True)
    for class_name in JHMDB_ALL_CLASSES:
        with open(osp.join(root, 'splits', f'{class_name}_test_split1.txt'),
                  'w') as f:
            f.write(lines.get(class_name, ''))


def test_real_frames(tmp_path, monkeypatch):
    frames = real_sample('jhmdb', 'frames', 'catch', CATCH)
    root = str(tmp_path / 'jhmdb')
    os.makedirs(osp.join(root, 'Rename_Images', 'catch'))
    os.symlink(frames, osp.join(root, 'Rename_Images', 'catch', CATCH))
    # no annotation ships with the real frames: a hand-made 40-frame mask
    mask = np.zeros((40, 240, 320), bool)
    mask[:, 60:200, 100:180] = True
    path = osp.join(root, 'puppet_mask', 'catch', CATCH, 'puppet_mask.mat')
    os.makedirs(osp.dirname(path))
    with open(path, 'wb') as f:
        f.write(format_puppet_mask(mask))
    write_splits(root, {'catch': f'{CATCH}.avi 2\n'})
    logs = capture_logs(monkeypatch)
    data = make_dataset(root, subset='test')
    # 00001-00003 and 00040 exist; the 36 others are left out and counted
    assert [d['frame_index'] for d in data.data_list] == [1, 2, 3, 40]
    assert logs == [f'JHMDBFrameDetectionDataset({root}, split 1, test): '
                    'left out 36 frames without a file']
    for i, frame in enumerate((1, 2, 3, 40)):
        item = data[i]
        check_item(item, 'rgb')
        assert item['img_id'] == f'catch/{CATCH}/{frame:05d}'
        assert item['gt_labels'].tolist() == [JHMDB_CLASSES.index('catch')]
        np.testing.assert_array_equal(item['gt_bboxes'],
                                      [[100, 60, 180, 200]])
        real = cv2.imread(osp.join(frames, f'{frame:05d}.png'))
        np.testing.assert_array_equal(item['img'], real[..., ::-1])


def test_real_joints_give_the_boxes(tmp_path):
    root = str(tmp_path / 'jhmdb')
    blank = cv2.imencode('.png', np.zeros((240, 320, 3), np.uint8))[1]
    for video in BRUSH:
        joint_file = real_sample('jhmdb', 'joint_positions', 'brush_hair',
                                 video, 'joint_positions.mat')
        folder = osp.join(root, 'joint_positions', 'brush_hair', video)
        os.makedirs(folder)
        os.symlink(joint_file, osp.join(folder, 'joint_positions.mat'))
        frames = osp.join(root, 'Rename_Images', 'brush_hair', video)
        os.makedirs(frames)
        for t in range(1, 41):
            blank.tofile(osp.join(frames, f'{t:05d}.png'))
    write_splits(root, {'brush_hair': f'{BRUSH[0]}.avi 1\n'
                        f'{BRUSH[1]}.avi 2\n{BRUSH[2]}.avi 1\n'})
    data = make_dataset(root, split=1, subset='train',
                                      frame_interval=10)
    assert [d['img_id'] for d in data.data_list] == [
        f'brush_hair/{v}/{t:05d}' for v in (BRUSH[0], BRUSH[2])
        for t in (1, 11, 21, 31)]
    for d in data.data_list:
        joints = read_joint_positions(osp.join(
            root, 'joint_positions', 'brush_hair', d['video'],
            'joint_positions.mat')).pos_img
        t = d['frame_index'] - 1
        np.testing.assert_array_equal(d['gt_bboxes'],
                                      boxes_from_joints(joints[t:t + 1])[0])
    check_item(data[0], 'rgb')
    assert data[0]['gt_labels'].tolist() == [0]
