# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the Toyota Smarthome-format synthetic world: names, the
LCR-Net skeleton JSON grammar (checked by a strict parser written here),
protocols, determinism, and the fine-grained pairs (same joints, other
pixels at the hand)."""
import glob
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
from numbers import Real

import cv2
import numpy as np
import pytest

from fsat.datasets.synthetic import (
    PRESETS,
    SmarthomePreset,
    WorldExistsError,
    custom_preset,
    generate_world,
    get_preset,
)
from fsat.datasets.synthetic.body import J
from fsat.datasets.synthetic.household import household_class
from fsat.datasets.synthetic.performers import performer_shape
from fsat.datasets.synthetic.rng import make_rng
from fsat.datasets.synthetic.runner import JobError
from fsat.datasets.synthetic.smarthome import (
    SmarthomeRenderer,
    camera_set,
    perform_household,
    place_object,
    plan_smarthome,
)
from fsat.datasets.synthetic.smarthome_writer import (
    LCRNET_FROM_BODY,
    smarthome_split,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
NAME_RE = re.compile(r'^([A-Za-z]+(?:\.[A-Za-z]+)?)_p(\d\d)_r(\d\d)_v(\d\d)'
                     r'_c(\d\d)$')
# Toyota Smarthome (DATASETS.md section 3).
CS_TRAIN = {3, 4, 6, 7, 9, 12, 13, 15, 17, 19, 25}
SUBJECTS = {2, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
            25}
CV19 = {'Cutbread', 'Drink.Frombottle', 'Drink.Fromcan', 'Drink.Fromcup',
        'Drink.Fromglass', 'Eat.Attable', 'Eat.Snack', 'Enter', 'Getup',
        'Leave', 'Pour.Frombottle', 'Pour.Fromcan', 'Readbook', 'Sitdown',
        'Takepills', 'Uselaptop', 'Usetablet', 'Usetelephone', 'Walk'}
# A world small enough to make twice in a test.
MINI = dict(classes='Drink.Fromcup,Walk', subjects='2,3', routines=1,
            cameras_per_clip=2)


def read_pose_json(path):
    """Strict reader of the LCR-Net JSON grammar.

    Returns a list of frames; a frame is a list of ``(pose2d [13, 2],
    pose3d [13, 3], cumscore)``.
    """
    with open(path, encoding='ascii') as f:
        data = json.load(f)
    assert set(data) == {'K', 'njts', 'frames'}
    assert data['njts'] == 13
    assert isinstance(data['K'], int)
    frames = []
    for dets in data['frames']:
        assert isinstance(dets, list)
        out = []
        for det in dets:
            assert set(det) == {'pose2d', 'pose3d', 'cumscore'}
            p2, p3 = det['pose2d'], det['pose3d']
            assert len(p2) == 26 and len(p3) == 39
            assert all(isinstance(v, Real) for v in p2 + p3)
            assert isinstance(det['cumscore'], float)
            # coordinate-major: 13 x, 13 y (, 13 z)
            out.append((np.array(p2).reshape(2, 13).T,
                        np.array(p3).reshape(3, 13).T, det['cumscore']))
        frames.append(out)
    return frames


def count_frames(path):
    cap = cv2.VideoCapture(path)
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def tree_digest(root):
    files = sorted(glob.glob(osp.join(root, '**', '*'), recursive=True))
    h = hashlib.sha256()
    for path in files:
        if osp.isfile(path):
            h.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


@pytest.fixture(scope='module')
def world_dir(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('smarthome') / 'world')
    generate_world('smarthome_unit', root, seed=0, progress=False)
    return root


@pytest.fixture(scope='module')
def world(world_dir):
    with open(osp.join(world_dir, 'world.json'), encoding='utf-8') as f:
        return json.load(f)


@pytest.fixture(scope='module')
def names(world_dir):
    return sorted(osp.basename(p)[:-4] for p in glob.glob(
        osp.join(world_dir, 'smarthome', 'mp4', '*.mp4')))


@pytest.fixture(scope='module')
def poses(world_dir, names):
    return {n: read_pose_json(osp.join(world_dir, 'smarthome', 'skeletonv12',
                                       f'{n}_pose3d.json'))
            for n in names}


def test_names_parse_and_every_clip_has_a_skeleton(world_dir, world, names):
    preset = PRESETS['smarthome_unit']
    assert len(names) == preset.num_clips == world['smarthome']['count']
    assert preset.num_clips == 4 * 4 * 2 * 3
    skeletons = sorted(osp.basename(p)[:-len('_pose3d.json')]
                       for p in glob.glob(osp.join(
                           world_dir, 'smarthome', 'skeletonv12', '*.json')))
    assert skeletons == names
    for name in names:
        m = NAME_RE.match(name)
        assert m, name
        assert m.group(1) in preset.classes and m.group(1) in CV19
        assert int(m.group(2)) in SUBJECTS
        assert 1 <= int(m.group(5)) <= 7
    # every performance is filmed by 3 distinct cameras
    perfs = {}
    for name in names:
        perfs.setdefault(name[:-4], []).append(name[-2:])
    assert len(perfs) == 4 * 4 * 2
    assert all(len(set(c)) == 3 for c in perfs.values())
    try:  # the Smarthome reader's own name parser, where it exists
        from fsat.datasets.smarthome.names import parse_smarthome_name
    except ImportError:
        return
    for name in names[:5]:
        parsed = parse_smarthome_name(name)
        assert parsed.subject == int(name.split('_')[1][1:])
        assert parsed.camera == int(name[-2:])


def test_pose_json_grammar_and_geometry(world_dir, world, names, poses):
    width = world['rgb']['intrinsics']['width']
    height = world['rgb']['intrinsics']['height']
    empty = multi = first_is_false = total = 0
    for name in names:
        frames = poses[name]
        total += len(frames)
        for dets in frames:
            empty += not dets
            scores = [d[2] for d in dets]
            if len(dets) > 1:
                multi += 1
                # one person (score >= 1), the false positive below it
                assert sum(s >= 1.0 for s in scores) == 1, (name, scores)
                assert max(scores) >= 1.0 > min(scores)
                first_is_false += scores[0] < 1.0
            for p2, p3, score in dets:
                assert score > 0
                assert (p2[:, 0] >= 0).all() and (p2[:, 0] <= width - 1).all()
                assert (p2[:, 1] >= 0).all() and (p2[:, 1] <= height - 1).all()
                # root-centred: the mid-hip (Rhip 4, Lhip 5) is the origin
                np.testing.assert_allclose(p3[4:6].mean(0), 0, atol=2e-4)
    assert empty > 0 and multi > 0 and first_is_false > 0
    assert empty / total < 0.2 and multi / total < 0.3
    sk = world['skeleton']
    assert (sk['frames'], sk['empty_frames'], sk['multi_detection_frames']) \
        == (total, empty, multi)


def test_skeleton_axes_and_frame_counts(world_dir, names, poses):
    """Head above the hips (y points down), 2-D and 3-D agree, and one
    skeleton frame per video frame."""
    head_y, head_above_2d = [], []
    for name in names:
        for dets in poses[name]:
            person = [d for d in dets if d[2] >= 1.0]
            if person:
                p2, p3, _ = person[0]
                head_y.append(p3[12, 1])
                head_above_2d.append(p2[12, 1] < p2[4:6, 1].mean())
    assert np.median(head_y) < -0.4  # about 0.6 m above the mid-hip
    assert np.mean(head_above_2d) > 0.95
    for name in names[::12]:
        n = count_frames(osp.join(world_dir, 'smarthome', 'mp4',
                                  f'{name}.mp4'))
        assert n == len(poses[name]) >= 32


def test_protocols_split_every_class(world, names):
    classes = PRESETS['smarthome_unit'].classes
    for protocol, sides in (('cs', ('train', 'test')),
                            ('cv1', ('train', 'val', 'test')),
                            ('cv2', ('train', 'val', 'test'))):
        found = {}
        for name in names:
            side = smarthome_split(name, protocol)
            found.setdefault(side, set()).add(name.split('_')[0])
        for side in sides:
            assert found[side] == set(classes), (protocol, side)
        assert world['protocols']['sizes'][protocol][sides[0]] > 0
    # independently of smarthome_split: subjects and cameras by hand
    cs_test = [n for n in names if int(n.split('_')[1][1:]) not in CS_TRAIN]
    assert {int(n.split('_')[1][1:]) for n in cs_test} == {2, 10}
    cv2_train = [n for n in names if int(n[-2:]) in (1, 3, 4, 6, 7)]
    assert len(cv2_train) == world['protocols']['sizes']['cv2']['train']
    # the cyclic camera design: every pair of cameras films together once
    pairs = {(a, b) for n in range(7) for a in camera_set(n, 3)
             for b in camera_set(n, 3) if a < b}
    assert len(pairs) == 21


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    preset = custom_preset('smarthome_unit', MINI)
    assert preset.num_clips == 2 * 2 * 1 * 2
    a, b, c = (str(tmp_path / x) for x in 'abc')
    generate_world(preset, a, seed=3, progress=False)
    generate_world(preset, b, seed=3, workers=2, progress=False)
    generate_world(preset, c, seed=4, progress=False)
    assert tree_digest(a) == tree_digest(b) != tree_digest(c)
    # the same world is reused; another world in its place is an error
    generate_world(preset, a, seed=3, progress=False)
    with pytest.raises(WorldExistsError):
        generate_world(preset, a, seed=4, progress=False)


@pytest.mark.parametrize('workers', [1, 2])
def test_failure_names_the_clip_and_leaves_nothing(tmp_path, monkeypatch,
                                                   workers):
    def boom(self, job):
        raise RuntimeError(f'cannot film {job.key}')

    # Worker processes are forked, so they see the patched method.
    monkeypatch.setattr(SmarthomeRenderer, 'render', boom)
    preset = custom_preset('smarthome_unit', MINI)
    with pytest.raises(JobError, match=r'^synthesize smarthome_unit-custom: '
                       r'SmarthomeJob (\S+) failed: RuntimeError: cannot '
                       r'film \1$'):
        generate_world(preset, str(tmp_path / 'w'), workers=workers,
                       progress=False)
    assert os.listdir(tmp_path) == []


def _performance(cls_name, rng_key='pair', T=48):
    preset = PRESETS['smarthome']
    shape = performer_shape(0, 'test-subject')
    joints, frames, tilt = perform_household(
        household_class(cls_name), shape, T, 4, 40, 1.0, 0.5, 2.6,
        (0.3, -0.2), make_rng(0, rng_key), preset)
    return shape, joints, frames, tilt


@pytest.mark.parametrize('group', [
    ('Drink.Fromcup', 'Drink.Fromglass', 'Drink.Frombottle'),
    ('Pour.Frombottle', 'Pour.Fromcan'),
    ('Uselaptop', 'Usetablet', 'Usetelephone'),
    ('Eat.Snack', 'Takepills')])
def test_paired_classes_move_the_skeleton_alike(group):
    """With the same random draws the 13 LCR-Net joints of a group are
    identical; only the hand differs (wrist motion) or nothing at all
    (held object)."""
    runs = [_performance(c) for c in group]
    lcr = list(LCRNET_FROM_BODY)
    for _, joints, _, _ in runs[1:]:
        np.testing.assert_array_equal(joints[:, lcr], runs[0][1][:, lcr])
    tips = [r[1][:, J['HandTipRight']] for r in runs]
    moved = max(np.abs(t - tips[0]).max() for t in tips[1:])
    if group[0] == 'Eat.Snack':
        assert moved > 0.05  # the wrist flexion moves the hand
    else:
        assert moved == 0
    # another performance of the same class moves differently
    other = _performance(group[0], rng_key='other')[1]
    assert np.abs(other[:, lcr] - runs[0][1][:, lcr]).max() > 0.05


@pytest.mark.parametrize('pair', [('Drink.Fromcup', 'Drink.Fromglass'),
                                  ('Pour.Frombottle', 'Pour.Fromcan'),
                                  ('Uselaptop', 'Usetelephone'),
                                  ('Eat.Snack', 'Takepills')])
def test_paired_classes_differ_in_rgb_only_at_the_hand(pair):
    preset = get_preset('smarthome', rgb_noise=0.0)
    renderer = SmarthomeRenderer(preset, 0, '')
    films, hands = [], None
    for name in pair:
        shape, joints, frames, tilt = _performance(name)
        obj = place_object(household_class(name), joints, frames, tilt,
                           make_rng(0, 'object'), 0.1)
        # camera 4 sees this performance from the front
        films.append(renderer.film(shape, joints, frames, obj, 4,
                                   make_rng(0, 'clip')).astype(int))
        cam = renderer.cameras[4]
        u, v = cam.project(cam.to_camera(
            joints[:, [J['HandRight'], J['HandLeft']]]))
        hands = np.stack([u, v], -1)  # [T, 2, 2]
    diff = np.abs(films[0] - films[1]).max(-1) > 8  # [T, H, W]
    t, row, col = np.nonzero(diff)
    assert len(t) > 20, 'the pair looks the same'
    # every differing pixel is within 12 pixels of a hand
    dist = np.min(np.hypot(col[:, None] - hands[t, :, 0],
                           row[:, None] - hands[t, :, 1]), 1)
    assert dist.max() < 12, dist.max()
    # and it is a small detail: under 1 % of the frame
    assert diff.mean() < 0.01


def test_preset_checks_and_unknown_class():
    with pytest.raises(ValueError, match='unknown classes'):
        custom_preset('smarthome_unit', dict(classes='Drink.Fromtap'))
    with pytest.raises(ValueError, match='train and test'):
        custom_preset('smarthome_unit', dict(subjects='3,4'))
    with pytest.raises(ValueError, match='cameras_per_clip'):
        custom_preset('smarthome_unit', dict(cameras_per_clip=8))
    assert isinstance(PRESETS['smarthome'], SmarthomePreset)
    assert PRESETS['smarthome'].num_clips == 13 * 18 * 3 * 3
    # every performance of a class, for all its subjects and routines
    jobs = plan_smarthome(PRESETS['smarthome_unit'], 0)
    assert len(jobs) == 4 * 4 * 2
    assert {j.video for j in jobs} == {1, 2, 3, 4}


def test_cli_and_prepare_step_make_the_world(tmp_path):
    out = str(tmp_path / 'cli')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'data', 'synthesize.py'),
           '--preset', 'smarthome_unit', '--out', out, '--quiet', '--set']
    cmd += [f'{k}={v}' for k, v in MINI.items()]
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    with open(osp.join(out, 'world.json'), encoding='utf-8') as f:
        cli_world = json.load(f)
    assert cli_world['format'] == 'toyota_smarthome'
    assert cli_world['preset']['name'] == 'smarthome_unit-custom'
    from fsat.datasets.prepare import prepare_synthetic_world
    done = prepare_synthetic_world(out, preset='smarthome_unit',
                                   overrides=MINI, flow='farneback',
                                   workers=1, progress=False)
    assert done['world']['params_hash'] == cli_world['params_hash']
    assert done['flow'] == 8
    assert len(os.listdir(osp.join(out, 'smarthome', 'flow'))) == 8
