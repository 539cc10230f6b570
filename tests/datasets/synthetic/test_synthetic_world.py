# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the synthetic world: formats, projections, protocols, PKU-MMD,
determinism and bad inputs.

The NTU ``.skeleton`` grammar is checked with a minimal parser written
here, independently of the generator, and applied both to generated files
and to the real sample ``$FSAT_REAL_SAMPLES/ntu/S001C001P001R001A001
.skeleton`` (skipped when the variable is unset).
"""
import glob
import hashlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
from dataclasses import replace

import cv2
import numpy as np
import pytest

from fsat.datasets.synthetic import (
    PRESETS,
    WorldExistsError,
    build_class_table,
    generate_world,
    get_preset,
)
from fsat.datasets.synthetic import generate as generate_module
from fsat.datasets.synthetic.runner import JobError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
NAME_RE = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')
# NTU-60 cross-subject training performers (the official protocol).
CS_TRAIN = {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31,
            34, 35, 38}


# ------------------------------------------------------------ helpers
def parse_skeleton(path):
    """Minimal, strict reader of the NTU ``.skeleton`` grammar.

    Returns a list of frames; a frame is a list of bodies; a body is
    ``(header_fields, joints [25, 12] array)``.
    """
    with open(path, 'rb') as f:
        raw = f.read()
    assert raw.endswith(b'\r\n'), 'last line must end with CRLF'
    lines = raw[:-2].split(b'\r\n')
    assert not any(b'\n' in ln or b'\r' in ln for ln in lines), \
        'bare LF or CR inside the file'
    pos = 0

    def take():
        nonlocal pos
        pos += 1
        return lines[pos - 1].decode('ascii')

    frames = []
    for _ in range(int(take())):
        bodies = []
        for _ in range(int(take())):
            head = take().split(' ')
            assert len(head) == 10, head
            assert re.fullmatch(r'\d{17}', head[0]), head[0]
            for field in head[1:7] + head[9:]:
                int(field)
            float(head[7]), float(head[8])
            assert int(take()) == 25
            joints = []
            for _ in range(25):
                fields = take().split(' ')
                assert len(fields) == 12, fields
                assert fields[11] in ('0', '1', '2')
                joints.append([float(x) for x in fields])
            bodies.append((head, np.array(joints)))
        frames.append(bodies)
    assert pos == len(lines), 'trailing lines after the last frame'
    return frames


def file_digests(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


def count_video_frames(path):
    import decord
    n_decord = len(decord.VideoReader(path))
    cap = cv2.VideoCapture(path)
    n_cv2 = 0
    while cap.read()[0]:
        n_cv2 += 1
    cap.release()
    return n_decord, n_cv2


def micro_preset(**kw):
    """A preset that generates in about a second."""
    base = dict(name='micro', num_classes=1, cameras=(1, 2),
                frames_range=(32, 34), action_frames=24, pku_sequences=2,
                pku_instances=(1, 1))
    return replace(get_preset('tiny'), **{**base, **kw})


# ------------------------------------------------------------ fixtures
@pytest.fixture(scope='module')
def world_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    generate_world('tiny', out, seed=0, workers=1, progress=False)
    return out


@pytest.fixture(scope='module')
def world(world_dir):
    with open(osp.join(world_dir, 'world.json')) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def ntu_names(world_dir):
    skel = sorted(glob.glob(osp.join(world_dir, 'ntu', 'nturgb+d_skeletons',
                                     '*.skeleton')))
    return [osp.basename(p)[:-len('.skeleton')] for p in skel]


# ------------------------------------------------------------ classes
def test_class_table_halves_and_primitives():
    for k in (1, 3, 10, 20, 21, 60):
        table = build_class_table(k)
        target = [c for c in table if c.half == 'target']
        source = [c for c in table if c.half == 'source']
        assert [c.action_id for c in target] == list(range(1, k + 1))
        assert [c.action_id for c in source] == list(range(61, 61 + k))
        assert [c.label for c in target] == list(range(k))
        assert [c.label for c in source] == list(range(k))
        names = [c.name for c in table]
        assert len(set(names)) == len(names)
        specs = [(c.actor, c.partner) for c in table]
        assert len(set(specs)) == len(specs), 'two classes move the same way'
        tp = {p for c in target for p in c.primitives}
        sp = {p for c in source for p in c.primitives}
        assert tp <= sp, f'K={k}: target-only primitives {tp - sp}'
    with pytest.raises(ValueError):
        build_class_table(61)


def test_world_json_describes_the_files(world, world_dir, ntu_names):
    assert world['preset']['name'] == 'tiny' and world['seed'] == 0
    assert re.fullmatch(r'[0-9a-f]{64}', world['params_hash'])
    k = world['num_classes']
    assert k == PRESETS['tiny'].num_classes == 3
    halves = {c['id']: c['half'] for c in world['classes']}
    assert halves == {**{f'A{i:03d}': 'target' for i in range(1, k + 1)},
                      **{f'A{i:03d}': 'source' for i in range(61, 61 + k)}}
    assert all(c['name'] and c['primitives'] for c in world['classes'])
    assert [s['name'] for s in world['ntu']['samples']] == ntu_names
    assert world['ntu']['count'] == len(ntu_names) == 72
    assert world['pku_mmd']['count'] == 6
    assert set(world['ntu_camera_azimuth_deg']) == {'C001', 'C002', 'C003'}
    assert world['depth']['intrinsics']['width'] == 64
    assert world['rgb']['intrinsics']['width'] == 96


# ------------------------------------------------------------ NTU format
def test_names_and_class_sets(world_dir, ntu_names):
    target, source = set(), set()
    for name in ntu_names:
        m = NAME_RE.match(name)
        assert m, name
        s, c, p, r, a = map(int, m.groups())
        assert 1 <= s <= 32 and c in (1, 2, 3) and 1 <= p <= 40
        assert r in (1, 2)
        (target if a <= 60 else source).add(a)
    assert target == {1, 2, 3} and source == {61, 62, 63}
    assert not target & source


def test_skeleton_grammar_and_two_bodies(world_dir, ntu_names):
    root = osp.join(world_dir, 'ntu', 'nturgb+d_skeletons')
    for name in ntu_names:
        frames = parse_skeleton(osp.join(root, name + '.skeleton'))
        n_bodies = {len(f) for f in frames}
        # A003 (handshake) and A063 (fist bump) are two-person classes;
        # fewer bodies where the tracker lost one (``skeleton_loss``)
        most = 2 if name[-4:] in ('A003', 'A063') else 1
        assert max(n_bodies) == most and n_bodies <= set(range(most + 1))
        q = np.stack([b[1][:, 7:11] for f in frames for b in f])
        np.testing.assert_allclose(np.linalg.norm(q, axis=-1), 1.0,
                                   atol=1e-5)
        xyz = np.stack([b[1][:, :3] for f in frames for b in f])
        assert 1.5 < np.median(xyz[..., 2]) < 5.0  # metres from the camera


def test_real_and_generated_skeletons_parse_alike(world_dir, ntu_names):
    real_root = os.environ.get('FSAT_REAL_SAMPLES')
    if not real_root:
        pytest.skip('FSAT_REAL_SAMPLES is not set (folder of real samples)')
    real = parse_skeleton(osp.join(real_root, 'ntu',
                                   'S001C001P001R001A001.skeleton'))
    assert len(real) == 103 and all(len(f) == 1 for f in real)
    ours = parse_skeleton(osp.join(world_dir, 'ntu', 'nturgb+d_skeletons',
                                   ntu_names[0] + '.skeleton'))
    for frames in (real, ours):
        head, joints = frames[0][0]
        assert len(head) == 10 and joints.shape == (25, 12)
        # Same conventions: y up (head above the spine base), z > 0,
        # image rows grow downwards (depthY of the head is smaller).
        assert joints[3, 1] > joints[0, 1] and joints[0, 2] > 0
        assert joints[3, 4] < joints[0, 4]
        # Kinect images are mirrored: the left shoulder of a person facing
        # the camera has the smaller x, as in the real file.
    assert real[0][0][1][4, 0] < real[0][0][1][8, 0]


def _depth_pngs(world_dir, name):
    return sorted(glob.glob(osp.join(world_dir, 'ntu',
                                     'nturgb+d_depth_masked', name,
                                     'MDepth-*.png')))


def test_depth_pngs_and_joint_projections(world_dir, ntu_names):
    hits = total = 0
    for name in ntu_names[::3]:
        pngs = _depth_pngs(world_dir, name)
        assert [osp.basename(p) for p in pngs] == [
            f'MDepth-{i:08d}.png' for i in range(1, len(pngs) + 1)]
        frames = parse_skeleton(osp.join(world_dir, 'ntu',
                                         'nturgb+d_skeletons',
                                         name + '.skeleton'))
        assert len(frames) == len(pngs)
        for png, bodies in zip(pngs, frames):
            depth = cv2.imread(png, cv2.IMREAD_UNCHANGED)
            assert depth.dtype == np.uint16 and depth.shape == (53, 64)
            person = depth[depth > 0]
            assert 0 < person.size < 0.5 * depth.size  # masked: mostly 0
            assert np.percentile(person, 1) > 1500
            assert np.percentile(person, 99) < 5000
            for _, joints in bodies:
                col = np.round(joints[:, 3]).astype(int)
                row = np.round(joints[:, 4]).astype(int)
                inside = ((col >= 0) & (col < 64) & (row >= 0)
                          & (row < 53))
                hits += int((depth[row[inside], col[inside]] > 0).sum())
                total += 25
    assert hits / total >= 0.9, hits / total


def test_colour_projection_matches_rgb_frame(world_dir, ntu_names):
    # colorX/colorY address the written 96x54 frames: the joints of a
    # standing body lie inside them and spread over many pixels.
    frames = parse_skeleton(osp.join(world_dir, 'ntu', 'nturgb+d_skeletons',
                                     ntu_names[0] + '.skeleton'))
    uv = np.concatenate([b[1][:, 5:7] for f in frames for b in f])
    assert (uv[:, 0] > 0).all() and (uv[:, 0] < 96).all()
    assert (uv[:, 1] > 0).all() and (uv[:, 1] < 54).all()
    assert np.ptp(uv[:, 1]) > 15


def test_avi_decodes_with_frame_count_of_depth_and_skeleton(
        world_dir, ntu_names):
    for name in ntu_names[::4]:
        avi = osp.join(world_dir, 'ntu', 'nturgb+d_rgb', name + '_rgb.avi')
        n_decord, n_cv2 = count_video_frames(avi)
        n_depth = len(_depth_pngs(world_dir, name))
        with open(osp.join(world_dir, 'ntu', 'nturgb+d_skeletons',
                           name + '.skeleton'), 'rb') as f:
            n_skel = int(f.readline())
        assert n_decord == n_cv2 == n_depth == n_skel
        assert 32 <= n_skel <= 40 and n_skel // 16 >= 2
    cap = cv2.VideoCapture(avi)
    ok, frame = cap.read()
    assert ok and frame.shape == (54, 96, 3) and frame.std() > 5


def test_protocols_split_every_class(ntu_names):
    rules = {
        'xview60': lambda s, c, p: c in (2, 3),
        'xsub60': lambda s, c, p: p in CS_TRAIN,
        'xset120': lambda s, c, p: s % 2 == 0,
    }
    for protocol, is_train in rules.items():
        sides = {True: set(), False: set()}
        for name in ntu_names:
            s, c, p, r, a = map(int, NAME_RE.match(name).groups())
            sides[is_train(s, c, p)].add(a)
        assert sides[True] == sides[False] == {1, 2, 3, 61, 62, 63}, \
            protocol
    # The three cameras film the same performance.
    performances = {}
    for name in ntu_names:
        performances.setdefault(name[:4] + name[8:], set()).add(name[4:8])
    assert all(c == {'C001', 'C002', 'C003'}
               for c in performances.values())


# ------------------------------------------------------------ PKU-MMD
def test_pku_split_files(world_dir):
    split = osp.join(world_dir, 'pku_mmd', 'Split')
    ids = sorted(osp.basename(p)[:-4] for p in glob.glob(osp.join(
        world_dir, 'pku_mmd', 'Data', 'PKU_Skeleton_Renew', '*.txt')))
    assert ids == ['0002-L', '0002-M', '0002-R', '0003-L', '0003-M',
                   '0003-R']
    for name in ('cross-subject.txt', 'cross-view.txt'):
        with open(osp.join(split, name)) as f:
            lines = f.read().split('\n')
        assert lines[0] == 'Training videos: '
        assert lines[2] == 'Validataion videos: '
        train = lines[1].split(', ')
        val = lines[3].split(', ')
        assert not set(train) & set(val)
        assert sorted(train + val) == ids
        if name == 'cross-view.txt':
            assert all(v.endswith('-L') for v in val)
        else:  # by performer: all views of a sequence on one side
            assert {v[:4] for v in train} == {'0002'}
            assert {v[:4] for v in val} == {'0003'}


def test_pku_labels_skeletons_and_videos(world_dir):
    root = osp.join(world_dir, 'pku_mmd')
    k = PRESETS['tiny'].num_classes
    for skel in sorted(glob.glob(osp.join(root, 'Data',
                                          'PKU_Skeleton_Renew', '*.txt'))):
        vid = osp.basename(skel)[:-4]
        assert re.fullmatch(r'\d{4}-[LMR]', vid)
        rows = np.loadtxt(skel)
        assert rows.ndim == 2 and rows.shape[1] == 150
        T = len(rows)
        depth = sorted(glob.glob(osp.join(root, 'Data', 'DEPTH', vid,
                                          'Depth-*.png')))
        assert len(depth) == T
        full = cv2.imread(depth[0], cv2.IMREAD_UNCHANGED)
        assert full.dtype == np.uint16 and (full > 0).mean() > 0.9
        assert count_video_frames(osp.join(root, 'Data', 'RGB_VIDEO',
                                           vid + '.avi')) == (T, T)
        with open(osp.join(root, 'Label', 'Train_Label_PKU_final',
                           vid + '.txt')) as f:
            labels = [tuple(int(x) for x in line.split(','))
                      for line in f.read().splitlines()]
        assert len(labels) == 3
        prev_end = -1
        for label, start, end, conf in labels:
            assert 1 <= label <= k and conf in (1, 2)
            assert prev_end < start <= end < T
            prev_end = end
        body2 = np.abs(rows[:, 75:]).sum()
        two_person = any(label == 3 for label, *_ in labels)  # handshake
        assert (body2 > 0) == two_person
        with open(skel) as f:
            line = f.readline()
        assert line.endswith('\n') and '  ' not in line


# ------------------------------------------------------------ determinism
def test_same_seed_same_bytes_different_seed_different(tmp_path):
    preset = micro_preset()
    a = generate_world(preset, str(tmp_path / 'a'), seed=3, workers=1,
                       progress=False)
    b = generate_world(preset, str(tmp_path / 'b'), seed=3, workers=2,
                       progress=False)
    c = generate_world(preset, str(tmp_path / 'c'), seed=4, workers=1,
                       progress=False)
    assert a == b and a['ntu']['count'] == 16
    da, db, dc = (file_digests(str(tmp_path / x)) for x in 'abc')
    assert da == db
    assert a['params_hash'] != c['params_hash']
    # Another seed draws other sessions, lengths and noise: files with the
    # same name hold other bytes.
    common = [p for p in set(da) & set(dc)
              if p.endswith(('.avi', '.skeleton', '.png'))]
    assert len(common) > 100
    assert sum(da[p] != dc[p] for p in common) > 0.95 * len(common)


# ------------------------------------------------------------ bad input
def test_existing_folders(tmp_path, capsys):
    preset = micro_preset()
    out = str(tmp_path / 'w')
    first = generate_world(preset, out, seed=0, progress=False)
    before = file_digests(out)
    # Same data: reused, nothing rewritten.
    assert generate_world(preset, out, seed=0, progress=True) == first
    assert 'already there' in capsys.readouterr().err
    assert file_digests(out) == before
    # Different seed / preset: a clear error, the folder is untouched.
    with pytest.raises(WorldExistsError, match='different synthetic world'):
        generate_world(preset, out, seed=1, progress=False)
    with pytest.raises(WorldExistsError, match='preset=micro'):
        generate_world(micro_preset(clutter=0.1), out, seed=0,
                       progress=False)
    assert file_digests(out) == before
    # A folder with other files is never mixed with a world.
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'notes.txt').write_text('mine')
    with pytest.raises(WorldExistsError, match='not empty'):
        generate_world(preset, str(other), seed=0, progress=False)
    assert os.listdir(other) == ['notes.txt']
    # No partial folders are left behind.
    assert not glob.glob(str(tmp_path / '*.partial-*'))


@pytest.mark.parametrize('workers', [1, 2])
def test_failure_leaves_nothing(tmp_path, monkeypatch, workers):
    def boom(self, job):
        raise RuntimeError('renderer failed')

    # Worker processes are forked, so they see the patched method.
    monkeypatch.setattr(generate_module.Renderer, 'pku', boom)
    # one worker fails on the first job; with two, whichever of the first
    # two jobs finishes first is reported (the order of completion)
    job = '0002' if workers == 1 else '000[23]'
    with pytest.raises(JobError, match=f'^synthesize micro: PkuJob {job} '
                       'failed: RuntimeError: renderer failed$'):
        generate_world(micro_preset(), str(tmp_path / 'w'), workers=workers,
                       progress=False)
    assert os.listdir(tmp_path) == []


def test_unknown_preset():
    with pytest.raises(ValueError,
                       match='demo, full, smarthome, smarthome_unit, tiny'):
        generate_world('huge', '/nonexistent/never', progress=False)


def _cli(*args):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'data', 'synthesize.py'),
         *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_bad_inputs(tmp_path):
    res = _cli('--preset', 'huge', '--out', str(tmp_path / 'x'))
    assert res.returncode == 2
    assert "invalid choice: 'huge'" in res.stderr
    assert ("'demo', 'full', 'smarthome', 'smarthome_unit', 'tiny'"
            in res.stderr)
    assert not (tmp_path / 'x').exists()
    out = tmp_path / 'taken'
    out.mkdir()
    (out / 'world.json').write_text(json.dumps(
        {'params_hash': 'x', 'preset': {'name': 'demo'}, 'seed': 7,
         'version': '0.9'}))
    res = _cli('--preset', 'tiny', '--out', str(out), '--quiet')
    assert res.returncode == 2
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ')
    assert 'different synthetic world' in err[0] and 'seed=7' in err[0]


def test_halves_use_the_setups_of_their_real_counterparts():
    """TARGET in NTU-60's S001-S017 (so NTU-60 protocols keep every target
    sample), SOURCE in the NTU-120 extension's S018-S032."""
    from fsat.datasets.ntu import get_ntu_benchmark
    from fsat.datasets.synthetic import get_preset, plan_ntu
    jobs = plan_ntu(get_preset('demo'), 0)
    xview = get_ntu_benchmark('ntu60_xview',
                              classes=list(range(1, 11)))
    for job in jobs:
        name = (f'S{job.setup:03d}C001P{job.performer:03d}R001'
                f'A{job.cls.action_id:03d}')
        if job.cls.half == 'target':
            assert job.setup <= 17 and xview.label_of(name) is not None
        else:
            assert job.setup >= 18


@pytest.mark.slow
def test_cli_set_overrides_physical_parameters(tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tools', 'data'))
    try:
        import synthesize
    finally:
        sys.path.pop(0)
    got = synthesize.parse_overrides(
        ['clutter=0.2', 'camera_distance=2.5,3', 'cycle_jitter=2'])
    assert got == dict(clutter=0.2, camera_distance=(2.5, 3.0),
                       cycle_jitter=2)
    res = _cli('--preset', 'tiny', '--out', str(tmp_path / 'x'), '--set',
               'clutterr=0.2')
    assert res.returncode == 2 and "--set 'clutterr=0.2'" in res.stderr
    assert 'clutter,' in res.stderr  # the known fields are listed
    res = _cli('--preset', 'tiny', '--out', str(tmp_path / 'x'), '--set',
               'clutter=lots')
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1] == (
        "synthesize.py: error: --set clutter='lots': expected a number")
    res = _cli('--preset', 'tiny', '--out', str(tmp_path / 'x'), '--set',
               'num_classes=0')
    assert res.returncode == 2
    assert 'num_classes must be in [1, 60]' in res.stderr
    assert not (tmp_path / 'x').exists()


def test_cli_unwritable_out_is_one_line(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    res = _cli('--preset', 'tiny', '--out', str(blocker / 'world'))
    assert res.returncode == 2 and 'Traceback' not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f'error: cannot write the world to {blocker / "world"}: {blocker}: ')


@pytest.mark.parametrize('option,message', [
    ('camera_distance=3.0',
     'synthesize.py: error: --set camera_distance=3.0: expected 2 numbers '
     'min,max (e.g. camera_distance=2.8,3.3), got 1 value(s)'),
    ('clutter=-5', "error: preset 'tiny-custom': clutter=-5.0 is out of "
     'range: expected a number in [0, 1]'),
    ('depth_holes=2', "error: preset 'tiny-custom': depth_holes=2.0 is out "
     'of range: expected a number in [0, 1]'),
    ('camera_distance=3.3,2.8', "error: preset 'tiny-custom': "
     'camera_distance=3.3,2.8 must be (min, max) with min <= max'),
    ('depth_size=0,0', "error: preset 'tiny-custom': depth_size=0,0 is out "
     'of range: expected each of a number in [16, 4096]'),
    ('num_classes=2.5', "synthesize.py: error: --set num_classes='2.5': "
     'expected an integer'),
    ('fps=0', "error: preset 'tiny-custom': fps=0.0 is out of range: "
     'expected a number > 0'),
    ('cameras=1,x', 'synthesize.py: error: --set cameras=1,x: expected a '
     'comma-separated list of integers'),
])
def test_cli_bad_parameter_values_are_one_line(tmp_path, option, message):
    res = _cli('--preset', 'tiny', '--out', str(tmp_path / 'x'), '--set',
               option)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == message
    assert 'Traceback' not in res.stderr
    assert not (tmp_path / 'x').exists()


def test_skeleton_drift_is_slow_and_scaled():
    from fsat.datasets.synthetic.sensors import smooth_noise
    rng = np.random.default_rng(0)
    n = smooth_noise(rng, (4000, 25, 3), 10)
    assert abs(n.std() - 1) < 0.02  # unit variance
    lag = lambda k: np.mean(n[k:] * n[:-k])  # noqa: E731
    # moving average of 10: correlation 1 - k/10 at lag k < 10, 0 after
    assert abs(lag(1) - 0.9) < 0.03 and abs(lag(5) - 0.5) < 0.03
    assert abs(lag(12)) < 0.03
    assert smooth_noise(rng, (7, 2), 1).shape == (7, 2)


def test_skeleton_drift_moves_joints(tmp_path):
    """A world with drift reports joints further from the clean ones,
    mostly along the depth camera's axis (``skeleton_lateral``)."""
    errors = []
    for drift in (0.0, 0.05):
        out = str(tmp_path / f'd{drift}')
        generate_world(micro_preset(skeleton_jitter=0.0,
                                    skeleton_drift=drift,
                                    skeleton_lateral=0.2,
                                    skeleton_loss=0.0,
                                    pku_sequences=0),
                       out, seed=0, progress=False)
        errors.append(sorted(glob.glob(
            osp.join(out, 'ntu', 'nturgb+d_skeletons', '*.skeleton'))))
    from fsat.datasets.ntu import read_skeleton
    clean = read_skeleton(errors[0][0], max_bodies=1)
    noisy = read_skeleton(errors[1][0], max_bodies=1)
    err = noisy - clean  # camera space: x, y across the view, z along it
    # 5 cm along z (x1.5 hands, x2 occluded), 0.2 of that across
    z = np.median(np.abs(err[..., 2]))
    xy = np.median(np.abs(err[..., :2]))
    assert 0.03 < z < 0.1, z  # median |N(0, 5 cm)| = 3.4 cm, more on hands
    assert 0.12 < xy / z < 0.3, xy / z
    # slow: the error changes between frames by about sqrt(2 * 0.1) of
    # its size (moving average of 10), white noise would by sqrt(2)
    step = np.median(np.abs(np.diff(err[..., 2], axis=1)))
    assert step < 0.6 * z


def test_skeleton_swap_exchanges_left_and_right_for_a_stretch(tmp_path):
    from fsat.datasets.ntu import read_skeleton
    from fsat.datasets.synthetic.body import J
    files = []
    for swap in (0.0, 1.0):
        out = str(tmp_path / f's{swap}')
        generate_world(micro_preset(skeleton_jitter=0.0, skeleton_drift=0.0,
                                    skeleton_swap=swap, skeleton_loss=0.0,
                                    pku_sequences=0),
                       out, seed=0, progress=False)
        files.append(sorted(glob.glob(
            osp.join(out, 'ntu', 'nturgb+d_skeletons', '*.skeleton'))))
    for plain_file, swapped_file in zip(*files):
        plain = read_skeleton(plain_file, max_bodies=1)[0]
        swapped = read_skeleton(swapped_file, max_bodies=1)[0]
        T = len(plain)
        left, right = J['HandLeft'], J['HandRight']
        crossed = np.all(np.isclose(swapped[:, left], plain[:, right]),
                         axis=-1)
        same = np.all(np.isclose(swapped, plain), axis=(1, 2))
        # one contiguous stretch of a quarter to three quarters of the video
        assert np.array_equal(crossed | same, np.ones(T, bool))
        n = int(crossed.sum())
        assert 0.2 * T <= n <= 0.8 * T, (n, T)
        frames = np.flatnonzero(crossed)
        assert frames[-1] - frames[0] + 1 == n
        # the spine is never touched
        np.testing.assert_allclose(swapped[:, J['SpineMid']],
                                   plain[:, J['SpineMid']])


def test_skeleton_loss_drops_bodies_for_stretches(tmp_path):
    """The tracker loses bodies for stretches; the joints it does report,
    the RGB and the depth stay byte for byte those of a world without
    losses."""
    from fsat.datasets.pku_mmd import read_pku_skeleton
    roots = []
    for loss in (0.0, 2.0):
        out = str(tmp_path / f'l{loss}')
        generate_world(micro_preset(skeleton_loss=loss, num_classes=3,
                                    cameras=(1, 2, 3)),
                       out, seed=0, progress=False)
        roots.append(out)
    plain, lossy = (file_digests(r) for r in roots)
    assert plain.keys() == lossy.keys()
    for path in plain:
        if 'keleton' not in path and path != 'world.json':
            assert plain[path] == lossy[path], path
    skel = osp.join('ntu', 'nturgb+d_skeletons')
    lost = frames = 0
    for name in sorted(os.listdir(osp.join(roots[0], skel))):
        full = parse_skeleton(osp.join(roots[0], skel, name))
        cut = parse_skeleton(osp.join(roots[1], skel, name))
        assert len(cut) == len(full)
        for before, after in zip(full, cut):
            ids = [head[0] for head, _ in after]
            kept = [(h, j) for h, j in before if h[0] in ids]
            assert len(kept) == len(after)  # a body is reported or not
            for (h0, j0), (h1, j1) in zip(kept, after):
                assert h0 == h1
                np.testing.assert_array_equal(j0, j1)
        # every body of a video: present, lost in stretches, present
        for body in range(max(len(f) for f in full)):
            bid = full[0][body][0][0]
            seen = np.array([any(h[0] == bid for h, _ in f) for f in cut])
            lost += int((~seen).sum())
            frames += len(seen)
            # 2 per 24 frames, 5..14 frames each, in a 32..34-frame video:
            # if a body is lost, for at least 5 frames in a row
            gaps = np.flatnonzero(np.diff(np.r_[1, seen.astype(int), 1]))
            runs = np.diff(gaps)[::2] if len(gaps) else []
            assert all(r >= 5 for r in runs), runs
    assert 0.2 < lost / frames < 0.9, lost / frames
    # PKU-MMD: a lost body is a block of zero rows (150 values per line)
    pku = osp.join('pku_mmd', 'Data', 'PKU_Skeleton_Renew')
    zero = 0
    for name in sorted(os.listdir(osp.join(roots[1], pku))):
        full = read_pku_skeleton(osp.join(roots[0], pku, name))
        cut = read_pku_skeleton(osp.join(roots[1], pku, name))
        gone = np.all(cut[0] == 0, axis=(1, 2))
        np.testing.assert_array_equal(cut[0][~gone], full[0][~gone])
        zero += int(gone.sum())
    assert zero > 0
