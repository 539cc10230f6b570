# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the JHMDB-format synthetic world, read back by fsat's real
JHMDB readers (fsat.datasets.jhmdb): layout, joints against masks, the
short-mask clamp, splits by actor, AppleDouble forks, determinism, the
command line and bad presets."""
import hashlib
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

import fsat.datasets.jhmdb.layout as layout_module
from fsat.datasets.jhmdb import (
    JHMDB_CLASSES,
    JHMDB_JOINTS,
    JHMDB_VIEWPOINTS,
    boxes_from_mask,
    load_jhmdb_split,
    pos_world_from_img,
    read_joint_positions,
    read_puppet_mask,
    read_split_file,
    scan_jhmdb,
    video_ground_truth,
)
from fsat.datasets.synthetic import WorldExistsError, custom_preset
from fsat.datasets.synthetic.jhmdb_writer import (
    COMPASS,
    JHMDB_ALL_CLASSES,
    JHMDB_JOINT_NAMES,
    compass,
    format_split,
    generate_jhmdb_world,
    plan_jhmdb,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
# A world small enough to make three times: 1 class x 3 clips of 4 frames.
MINI = dict(classes='wave', videos_per_class=3, num_actors=3, test_actors=1,
            action_frames=4, frames_range='4,4', idle_frames='0,0')


@pytest.fixture(scope='module')
def world_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('jhmdb') / 'world')
    generate_jhmdb_world(custom_preset('jhmdb_unit', {}), out, seed=0,
                         progress=False)
    return out


@pytest.fixture(scope='module')
def world(world_dir):
    with open(osp.join(world_dir, 'world.json'), encoding='utf-8') as f:
        return json.load(f)


def tree_digest(root):
    """SHA-256 of every file under ``root`` (relative path and bytes)."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = osp.join(folder, name)
            digest.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


def test_layout_read_back_by_the_readers(world_dir, world, monkeypatch):
    logs = []
    monkeypatch.setattr(layout_module, 'print_log',
                        lambda msg, **kwargs: logs.append(msg))
    videos = scan_jhmdb(world_dir, split=1)
    assert len(videos) == world['count'] == 6
    assert {v.class_name for v in videos} == {'clap', 'walk'}
    assert all(v.label == JHMDB_CLASSES.index(v.class_name) for v in videos)
    # the .AppleDouble folder of Rename_Images/clap is skipped and counted
    assert logs == [f'scan_jhmdb({world_dir}): 6 videos; 1 hidden entries '
                    '(.AppleDouble ...) ignored']
    records = {r['name']: r for r in world['videos']}
    for video in videos:
        record = records[video.name]
        assert video.num_frames == record['frames']
        assert 10 <= video.num_frames <= 12
        assert video.num_missing_frames == 0
        assert video.joint_path and video.mask_path
        assert video.subset in ('train', 'test')
        frames = [cv2.imread(video.frame_path(t), cv2.IMREAD_UNCHANGED)
                  for t in range(video.num_frames)]
        assert frames[-1].shape == (240, 320, 3)
        assert frames[-1].dtype == np.uint8
        # the lossless video holds the same frames
        capture = cv2.VideoCapture(osp.join(world_dir, 'videos',
                                            video.class_name,
                                            video.name + '.avi'))
        decoded = []
        ok, image = capture.read()
        while ok:
            decoded.append(image)
            ok, image = capture.read()
        capture.release()
        np.testing.assert_array_equal(np.stack(decoded), np.stack(frames))
    assert world['rgb']['codec'] == ['FFV1']


def test_joints_lie_on_the_mask(world_dir, world):
    assert JHMDB_JOINT_NAMES == JHMDB_JOINTS
    assert set(COMPASS) == set(JHMDB_VIEWPOINTS)
    inside = total = on_mask = 0
    for video in scan_jhmdb(world_dir):
        joints = read_joint_positions(video.joint_path)
        T = video.num_frames
        assert joints.pos_img.shape == (T, 15, 2)
        assert joints.scale.shape == (T, ) and (joints.scale > 0).all()
        assert joints.viewpoint in JHMDB_VIEWPOINTS
        # pos_world is the official normalisation of pos_img (W=320, H=240)
        np.testing.assert_allclose(
            pos_world_from_img(joints.pos_img, joints.scale),
            joints.pos_world, rtol=0, atol=1e-12)
        mask = read_puppet_mask(video.mask_path)
        assert mask.shape[1:] == (240, 320) and len(mask) in (T - 1, T)
        boxes, valid = boxes_from_mask(mask)
        assert valid.all()
        # pos_img is 1-based (pixel centres at integers from 1); the box
        # is in continuous 0-based coordinates: subtract 0.5
        xy = joints.pos_img[:len(mask)] - 0.5
        x, y = xy[..., 0], xy[..., 1]
        ok = ((x >= boxes[:, :1] - 1) & (x <= boxes[:, 2:3] + 1)
              & (y >= boxes[:, 1:2] - 1) & (y <= boxes[:, 3:] + 1))
        inside += ok.sum()
        total += ok.size
        # the trunk joints (neck, belly) fall on mask pixels
        for j in (0, 1):
            cols = np.clip(np.floor(x[:, j]).astype(int), 0, 319)
            rows = np.clip(np.floor(y[:, j]).astype(int), 0, 239)
            on_mask += mask[np.arange(len(mask)), rows, cols].sum()
    frames = total // 15
    assert inside >= 0.95 * total
    assert on_mask >= 0.95 * 2 * frames


def test_short_mask_is_clamped(world_dir, world):
    short = world['short_masks']
    assert len(short) == 1
    for video in scan_jhmdb(world_dir):
        gt = video_ground_truth(video)
        expected = 1 if video.name in short else 0
        assert gt.num_clamped == expected
        assert gt.num_unboxed == 0 and not gt.from_joints.any()
        assert gt.frame_inds.tolist() == list(range(video.num_frames))
        if expected:
            assert len(read_puppet_mask(video.mask_path)) == (
                video.num_frames - 1)
            np.testing.assert_array_equal(gt.boxes[-1], gt.boxes[-2])


def test_splits_are_by_actor(world_dir, world):
    actor = {r['name']: r['actor'] for r in world['videos']}
    partitions = []
    for k in (1, 2, 3):
        subsets = load_jhmdb_split(world_dir, split=k)
        assert len(subsets) == 6
        sides = {'train': set(), 'test': set()}
        for (class_name, video), subset in subsets.items():
            sides[subset].add(actor[video])
        assert not sides['train'] & sides['test']
        assert sides['test'] == set(world['splits'][str(k)]['test_actors'])
        for class_name in ('clap', 'walk'):
            got = {s for (c, _), s in subsets.items() if c == class_name}
            assert got == {'train', 'test'}
        partitions.append(frozenset(v for v, s in subsets.items()
                                    if s == 'test'))
    assert len(set(partitions)) == 3
    # a file for each of the 21 classes; empty for the absent ones
    for class_name in JHMDB_ALL_CLASSES:
        path = osp.join(world_dir, 'splits', f'{class_name}_test_split2.txt')
        assert (read_split_file(path) == {}) == (
            class_name not in ('clap', 'walk'))
    assert format_split([('b', 2), ('a', 1)], [2]) == 'a.avi 1\nb.avi 2\n'


def test_appledouble_forks_are_ignored(world_dir, world):
    forks = world['appledouble']
    assert len(forks) == 2
    for rel in forks:
        assert osp.getsize(osp.join(world_dir, rel)) == 741
    with pytest.raises(ValueError, match='AppleDouble resource fork'):
        read_joint_positions(osp.join(world_dir, forks[0]))


def test_world_geometry_varies(world):
    # the person's size and place differ from clip to clip
    heights = [r['height_px'] for r in world['videos']]
    assert max(heights) > 1.3 * min(heights)
    assert all(0.5 < r['joints_inside'] <= 1 for r in world['videos'])
    assert compass(0) == 'S' and compass(90) == 'E' and compass(-90) == 'W'
    assert compass(180) == 'N' and compass(11) == 'S'


def test_same_seed_same_bytes(tmp_path):
    preset = custom_preset('jhmdb_unit', MINI)
    a, b, c = (str(tmp_path / n) for n in 'abc')
    generate_jhmdb_world(preset, a, seed=3, progress=False)
    generate_jhmdb_world(preset, b, seed=3, workers=2, progress=False)
    generate_jhmdb_world(preset, c, seed=4, progress=False)
    assert tree_digest(a) == tree_digest(b)
    frame = osp.join('Rename_Images', 'wave')
    assert tree_digest(osp.join(a, frame)) != tree_digest(osp.join(c, frame))
    # the same world is reused, another one is refused
    assert generate_jhmdb_world(preset, a, seed=3, progress=False)[
        'params_hash'] == generate_jhmdb_world(preset, b, seed=3,
                                               progress=False)['params_hash']
    with pytest.raises(WorldExistsError, match='different synthetic world'):
        generate_jhmdb_world(preset, a, seed=4, progress=False)
    assert not [n for n in os.listdir(tmp_path) if 'partial' in n]


def test_cli_writes_the_world(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'synthesize', osp.join(REPO, 'tools', 'data', 'synthesize.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = str(tmp_path / 'cli')
    argv = ['--preset', 'jhmdb_unit', '--out', out, '--quiet', '--set']
    argv += [f'{k}={v}' for k, v in MINI.items()] + ['appledouble=false']
    assert module.main(argv) == 0
    with open(osp.join(out, 'world.json'), encoding='utf-8') as f:
        world = json.load(f)
    assert world['format'] == 'jhmdb'
    assert world['preset']['name'] == 'jhmdb_unit-custom'
    assert world['appledouble'] == [] and world['count'] == 3
    assert module.main(['--preset', 'jhmdb_unit', '--out', out, '--set',
                        'camera_shift=-1']) == 2
    assert 'camera_shift=-1 is out of range' in capsys.readouterr().err


def test_preset_checks():
    with pytest.raises(ValueError, match="unknown classes \\['dive'\\]"):
        custom_preset('jhmdb_unit', dict(classes='dive'))
    with pytest.raises(ValueError, match='videos_per_class must be >= '
                       'num_actors'):
        custom_preset('jhmdb_unit', dict(num_actors=4))
    with pytest.raises(ValueError, match='3 different test sets'):
        custom_preset('jhmdb_unit', dict(num_actors=2, test_actors=1))
    with pytest.raises(ValueError, match="appledouble='maybe': expected true "
                       'or false'):
        custom_preset('jhmdb_unit', dict(appledouble='maybe'))
    jobs = plan_jhmdb(custom_preset('jhmdb', {}), 0)
    assert len(jobs) == 120 and sum(j.short_mask for j in jobs) == 1
    # every actor performs every class
    for name in ('clap', 'wave'):
        assert {j.actor for j in jobs if j.cls.name == name} == set(
            range(1, 11))


def test_generate_world_sends_a_jhmdb_preset_to_its_writer(tmp_path):
    from fsat.datasets.synthetic import generate_world
    out = str(tmp_path / 'world')
    world = generate_world(custom_preset('jhmdb_unit', MINI), out,
                           progress=False)
    assert world['format'] == 'jhmdb'
    assert osp.isdir(osp.join(out, 'Rename_Images', 'wave'))
