# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the NYUD2-format indoor world: the rasteriser against
hand-computed projections, the files against fsat's real NYUD2 readers,
boxes against the rendered objects, splits, holes and determinism; the
indoor presets as presets of the world tools (get_preset, custom_preset,
generate_world, synthesize.py)."""
import importlib.util
import json
import math
import os.path as osp

import numpy as np
import pytest
import scipy.io

from fsat.datasets.nyud2 import (
    NYUD2_DET_RAW_NAMES,
    NYUD2Labeled,
    boxes_from_instances,
    read_nyud2_splits,
)
from fsat.datasets.nyud2._files import mat_version
from fsat.datasets.synthetic import (
    INDOOR_CLASSES,
    INDOOR_NAMES,
    INDOOR_PRESETS,
    INDOOR_VERSION,
    IndoorPreset,
    WorldExistsError,
    custom_preset,
    generate_nyud2_world,
    generate_world,
    get_indoor_preset,
    get_preset,
    plan_indoor,
    render_view,
)
from fsat.datasets.synthetic.indoor import Boxes, look_at_pose, raycast_boxes
from fsat.datasets.synthetic.indoor_writer import params_hash
from fsat.datasets.synthetic.presets import (
    INDOOR_PARAMETERS,
    parameters_of,
    preset_names,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TINY = INDOOR_PRESETS['nyud2_tiny']
CLASSES = {c: NYUD2_DET_RAW_NAMES[c] for c in INDOOR_CLASSES}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('indoor') / 'world')
    info = generate_nyud2_world('nyud2_tiny', out, seed=3, progress=False)
    return out, info


def _one_box_scene(x_offset):
    """Camera at (5, 1.5, 0.5) looking along +z (yaw = pitch = roll = 0) in
    a 10 x 3 x 10 room; one 1.0 x 0.5 x 0.5 box whose front face is 2 m
    in front of the camera, shifted by ``x_offset`` along world x."""
    origin = np.array([5., 1.5, 0.5])
    rot = look_at_pose(0., 0., 0.)
    boxes = Boxes(centers=np.array([[5. + x_offset, 1.5, 2.75]]),
                  halves=np.array([[0.5, 0.25, 0.25]]), yaws=np.zeros(1),
                  objects=np.zeros(1, np.int64),
                  materials=np.zeros(1, np.int64))
    return raycast_boxes(origin, rot, (10., 3., 10.), boxes)


def test_look_at_pose_axes():
    rot = look_at_pose(0., 0., 0.)
    # camera x (right), y (down), z (forward) in the world (y up)
    np.testing.assert_allclose(rot, [[-1, 0, 0], [0, -1, 0], [0, 0, 1]],
                               atol=1e-12)
    rot = look_at_pose(math.pi / 2, math.radians(-30), 0.)
    np.testing.assert_allclose(rot[:, 2], [math.cos(math.radians(30)),
                                           -0.5, 0.], atol=1e-12)


def test_raycast_one_box_hand_computed():
    # fx, fy, cx, cy = 518.858, 519.470, 325.582, 253.736; 0-based column
    # j is u = j + 1. The box is hit where |x_cam| <= 0.5 at z = 2, i.e.
    # |u - cx| <= fx / 4 = 129.71: u in [195.87, 455.30], j = 195..454;
    # rows |v - cy| <= fy / 8 = 64.93: v in [188.80, 318.67], i = 188..317.
    cast = _one_box_scene(0.)
    rows, cols = np.nonzero(cast['hit'] == 0)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (195, 454,
                                                                188, 317)
    assert rows.size == 260 * 130
    np.testing.assert_allclose(cast['depth'][cast['hit'] == 0], 2.0,
                               rtol=1e-6)
    np.testing.assert_allclose(cast['normal'][250, 300], [0, 0, -1])
    # the bottom row's rays hit the floor (face 2) at z = 1.5 fy / (480 -
    # cy) = 3.4438; the ceiling (face 3) is 1.5 m above the camera
    assert cast['hit'][479, 320] == -3
    assert cast['depth'][479, 320] == pytest.approx(3.44378, abs=1e-4)
    assert cast['hit'][0, 320] == -4
    assert cast['depth'][0, 320] == pytest.approx(1.5 * 519.46961 /
                                                  (253.73617 - 1), rel=1e-5)
    # world -x is the camera's right (no mirroring): a box 0.3 m towards
    # -x spans x_cam in [-0.2, 0.8], u in [cx - 0.1 fx, cx + 0.4 fx] =
    # [273.70, 533.13], columns 273..532
    cols = np.nonzero(_one_box_scene(-0.3)['hit'] == 0)[1]
    assert (cols.min(), cols.max()) == (273, 532)


def test_plan_splits_rooms_and_order():
    preset = get_indoor_preset('nyud2')
    views = plan_indoor(preset, 0)
    assert [v.index for v in views] == list(range(360))
    train = [v for v in views if v.split == 'train']
    assert (len(train), len(views) - len(train)) == (200, 160)
    rooms = {s: {v.scene for v in views if v.split == s}
             for s in ('train', 'test')}
    assert not rooms['train'] & rooms['test']
    assert all(1 <= v.num_views <= 3 for v in views)
    # the splits interleave in the file, as NYUD2's
    test = [v.index for v in views if v.split == 'test']
    assert min(test) < train[-1].index and train[0].index < max(test)
    assert plan_indoor(preset, 0) == views
    assert plan_indoor(preset, 1) != views


def test_world_files_read_by_the_nyud2_readers(world):
    out, info = world
    path = osp.join(out, 'nyu_depth_v2_labeled.mat')
    assert mat_version(path, 'x') == 'v7.3'
    assert mat_version(osp.join(out, 'splits.mat'), 'x') == 'v5'
    with NYUD2Labeled(path) as reader:
        assert len(reader) == 6 and reader.image_size == (480, 640)
        assert reader.names == list(INDOOR_NAMES)
        assert len(reader.scenes) == len(reader.scene_types) == 6
        rgb, depth = reader.rgb(0), reader.depth(0)
        assert rgb.shape == (480, 640, 3) and rgb.dtype == np.uint8
        assert depth.dtype == np.float32 and depth.shape == (480, 640)
        assert reader.labels(0).dtype == np.uint16
        assert reader.instances(0).dtype == np.uint8
        scenes = reader.scenes
    # every raw detection name is in the table, so the 19-class mapping
    # works with strict=True
    raw = {r for names in NYUD2_DET_RAW_NAMES.values() for r in names}
    assert raw <= set(INDOOR_NAMES)
    mat = scipy.io.loadmat(osp.join(out, 'splits.mat'))
    assert mat['trainNdxs'].dtype == np.uint16
    assert mat['trainNdxs'].shape == (4, 1) and mat['testNdxs'].shape == (
        2, 1)
    sets = read_nyud2_splits(osp.join(out, 'splits.mat'), num_images=6)
    assert np.intersect1d(sets['train'], sets['test']).size == 0
    np.testing.assert_array_equal(
        np.union1d(sets['train'], sets['test']), np.arange(6))
    assert not ({scenes[i] for i in sets['train']}
                & {scenes[i] for i in sets['test']})
    with open(osp.join(out, 'world.json'), encoding='utf-8') as f:
        assert json.load(f) == info
    assert info['splits'] == dict(train=dict(images=4, rooms=info['splits'][
        'train']['rooms']), test=dict(images=2,
                                       rooms=info['splits']['test']['rooms']))


def test_boxes_match_the_rendered_objects(world):
    out, info = world
    views = plan_indoor(TINY, 3)
    counts = {s: dict.fromkeys(INDOOR_CLASSES, 0) for s in ('train', 'test')}
    total = 0
    with NYUD2Labeled(osp.join(out, 'nyu_depth_v2_labeled.mat')) as reader:
        for view in views:
            sample = render_view(TINY, 3, view)
            labels = reader.labels(view.index)
            instances = reader.instances(view.index)
            # the file holds exactly what the renderer made (determinism)
            np.testing.assert_array_equal(labels, sample['labels'])
            np.testing.assert_array_equal(reader.rgb(view.index),
                                          sample['rgb'])
            found = boxes_from_instances(labels, instances, INDOOR_NAMES,
                                         CLASSES)
            assert found.num_dropped == 0
            b = found.boxes
            assert np.all(b[:, :2] >= 0) and np.all(b[:, 2] <= 640)
            assert np.all(b[:, 3] <= 480) and np.all(b[:, 2:] > b[:, :2])
            objects = {(o['name'], o['instance']): o
                       for o in sample['objects']}
            for box, label, inst, area, cls in zip(
                    b, found.label_ids, found.instance_ids, found.areas,
                    found.class_ids):
                obj = objects[(INDOOR_NAMES[label - 1], int(inst))]
                assert obj['pixels'] == area
                counts[view.split][INDOOR_CLASSES[cls]] += 1
                corners = obj['corners'].reshape(-1, 3)
                if np.any(corners[:, 2] <= 0):
                    continue
                # the visible pixels lie inside the projected 3-D boxes
                u = 518.858 * corners[:, 0] / corners[:, 2] + 325.582 - 1
                v = 519.470 * corners[:, 1] / corners[:, 2] + 253.736 - 1
                assert box[0] >= math.floor(u.min()) - 1
                assert box[2] <= math.ceil(u.max()) + 2
                assert box[1] >= math.floor(v.min()) - 1
                assert box[3] <= math.ceil(v.max()) + 2
            total += len(b)
    assert counts == info['boxes']
    assert total >= 6  # the tiny world is not empty


def test_raw_depth_holes_and_noise(world):
    out, _ = world
    with NYUD2Labeled(osp.join(out, 'nyu_depth_v2_labeled.mat')) as reader:
        for i in range(len(reader)):
            depth, raw = reader.depth(i), reader.raw_depth(i)
            assert np.all(depth > 0) and np.all(np.isfinite(depth))
            assert depth.max() < 12.
            missing = raw == 0
            # the border band: top and left, as in NYUD2's raw depths
            assert missing[:38].all() and missing[:, :32].all()
            assert missing[:, -4:].all() and missing[-4:].all()
            inner = missing[60:-20, 60:-20]
            assert 0.001 < inner.mean() < 0.6  # holes inside too
            ok = ~missing
            err = np.abs(raw[ok] - depth[ok])
            assert np.all(err <= 8 * 1.4e-3 * depth[ok]**2 + 5e-4)
            assert np.any(err > 0)  # noisy
            # millimetre steps
            np.testing.assert_allclose(raw[ok] * 1000,
                                       np.round(raw[ok] * 1000), atol=2e-3)


def test_determinism_and_reuse(tmp_path):
    views = plan_indoor(TINY, 3)
    a = render_view(TINY, 3, views[1])
    b = render_view(TINY, 3, views[1])
    for key in ('rgb', 'depth', 'raw_depth', 'labels', 'instances'):
        np.testing.assert_array_equal(a[key], b[key])
    other = render_view(TINY, 4, plan_indoor(TINY, 4)[1])
    assert not np.array_equal(a['depth'], other['depth'])
    # one or two rendering processes write the same bytes
    mini = get_indoor_preset(TINY, num_train=1, num_test=1)
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    info = generate_nyud2_world(mini, one, seed=3, progress=False)
    assert generate_nyud2_world(mini, two, seed=3, workers=2,
                                progress=False) == info
    for name in ('nyu_depth_v2_labeled.mat', 'splits.mat', 'world.json'):
        with open(osp.join(one, name), 'rb') as f1, open(
                osp.join(two, name), 'rb') as f2:
            assert f1.read() == f2.read(), name
    # the same world is reused, another one is refused
    assert generate_nyud2_world(mini, two, seed=3, progress=False) == info
    with pytest.raises(WorldExistsError, match='different synthetic world'
                       r'.*seed=4, version=' + INDOOR_VERSION):
        generate_nyud2_world(mini, two, seed=4, progress=False)
    assert not list(tmp_path.glob('*.partial-*'))


def test_preset_errors():
    with pytest.raises(ValueError, match="unknown indoor preset 'nope'"):
        get_indoor_preset('nope')
    with pytest.raises(ValueError, match="parameter 'rooms'"):
        get_indoor_preset('nyud2', rooms=3)
    with pytest.raises(ValueError, match='num_train and num_test'):
        IndoorPreset(num_train=0)
    with pytest.raises(ValueError, match=r'room_height=\(3.0, 2.4\) must'):
        IndoorPreset(room_height=(3.0, 2.4), camera_height=(1.0, 1.5))
    custom = get_indoor_preset('nyud2_tiny', num_test=1)
    assert custom.name == 'nyud2_tiny-custom' and custom.num_images == 5


def test_indoor_presets_are_world_presets():
    assert get_preset('nyud2_tiny') is TINY
    assert get_preset('nyud2') is INDOOR_PRESETS['nyud2']
    names = preset_names()
    assert set(INDOOR_PRESETS) <= set(names) and 'tiny' in names
    with pytest.raises(ValueError, match='choose one of: .*jhmdb_unit, '
                       'nyud2, nyud2_tiny'):
        get_preset('nyud3')
    # custom_preset types the values (as --set) and names the world as
    # get_indoor_preset does, so both hash the same world
    custom = custom_preset('nyud2_tiny', dict(num_test='1', shadow='false',
                                              objects_per_room=[2, 3]))
    assert custom == get_indoor_preset('nyud2_tiny', num_test=1,
                                       shadow=False, objects_per_room=(2, 3))
    assert custom.name == 'nyud2_tiny-custom'
    assert params_hash(custom, 0) == params_hash(
        get_indoor_preset(TINY, num_test=1, shadow=False,
                          objects_per_room=(2, 3)), 0)
    assert custom_preset('nyud2', {}) is INDOOR_PRESETS['nyud2']
    assert parameters_of(IndoorPreset) == INDOOR_PARAMETERS
    assert 'objects_per_room' in INDOOR_PARAMETERS
    assert 'name' not in INDOOR_PARAMETERS
    with pytest.raises(ValueError, match="unknown world parameter 'rooms'; "
                       'known: ambient, border, camera_height'):
        custom_preset('nyud2', dict(rooms=3))
    with pytest.raises(ValueError, match=r'objects_per_room=3: expected 2 '
                       r'integers min,max \(e.g. objects_per_room=2,4\)'):
        custom_preset('nyud2', dict(objects_per_room=3))
    with pytest.raises(ValueError, match='num_train and num_test'):
        custom_preset('nyud2_tiny', dict(num_train=0))


def test_generate_world_writes_the_same_bytes(world, tmp_path):
    """generate_world hands an indoor preset to generate_nyud2_world: the
    same files as the fixture's generate_nyud2_world('nyud2_tiny', seed=3)
    and the same world.json."""
    ref, info = world
    out = str(tmp_path / 'via_generate_world')
    assert generate_world(get_preset('nyud2_tiny'), out, seed=3,
                          progress=False) == info
    for name in ('nyu_depth_v2_labeled.mat', 'splits.mat', 'world.json'):
        with open(osp.join(ref, name), 'rb') as f1, open(
                osp.join(out, name), 'rb') as f2:
            assert f1.read() == f2.read(), name
    # reused by name as well
    assert generate_world('nyud2_tiny', out, seed=3, progress=False) == info


def _synthesize_cli():
    spec = importlib.util.spec_from_file_location(
        'synthesize', osp.join(REPO, 'tools', 'data', 'synthesize.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthesize_cli_writes_the_indoor_world(tmp_path, capsys):
    tool = _synthesize_cli()
    out = str(tmp_path / 'cli')
    argv = ['--preset', 'nyud2_tiny', '--out', out, '--quiet', '--set',
            'num_train=1', 'num_test=1', 'objects_per_room=2,3']
    assert tool.main(argv) == 0
    with open(osp.join(out, 'world.json'), encoding='utf-8') as f:
        world = json.load(f)
    assert world['kind'] == 'nyud2'
    assert world['preset']['name'] == 'nyud2_tiny-custom'
    assert world['num_images'] == 2
    assert world['preset']['objects_per_room'] == [2, 3]
    with NYUD2Labeled(osp.join(out, 'nyu_depth_v2_labeled.mat')) as reader:
        assert len(reader) == 2
    sets = read_nyud2_splits(osp.join(out, 'splits.mat'), num_images=2)
    assert (sets['train'].size, sets['test'].size) == (1, 1)
    # a different world into the same folder: one line, status 2
    assert tool.main(['--preset', 'nyud2_tiny', '--out', out,
                      '--quiet']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and '\n' not in err
    assert 'different synthetic world' in err
    # bad --set values: argparse's one line, status 2
    with pytest.raises(SystemExit) as e:
        tool.parse_args(['--preset', 'nyud2', '--out', out, '--set',
                         'objects_per_room=3'])
    assert e.value.code == 2
    assert ('--set objects_per_room=3: expected 2 integers min,max'
            in capsys.readouterr().err)
    with pytest.raises(SystemExit):
        tool.parse_args(['--preset', 'nyud2', '--out', out, '--set',
                         'rooms=3'])
    assert 'FIELD one of ambient, border,' in capsys.readouterr().err
    # a value the preset refuses: one line, status 2, nothing written
    bad = str(tmp_path / 'bad')
    assert tool.main(['--preset', 'nyud2_tiny', '--out', bad, '--quiet',
                      '--set', 'num_train=0']) == 2
    assert capsys.readouterr().err.strip() == (
        "error: indoor preset 'nyud2_tiny-custom': num_train and num_test "
        'must be >= 1')
    assert not osp.exists(bad)
