# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the NTU RGB+D annotation layer (fsat.datasets.ntu)."""
import os
import os.path as osp
import time
from pathlib import Path

import numpy as np
import pytest

from fsat.datasets.ntu import (
    MISSING_SKELETON_FILES,
    NTU60_CLASSES,
    NTU120_CLASSES,
    NTU120_MINUS_60_CLASSES,
    NTU120_XSUB_TRAIN_PERFORMERS,
    NTU_BENCHMARKS,
    NtuName,
    build_ntu_annotations,
    export_pose_pkl,
    get_ntu_benchmark,
    load_missing_skeletons,
    load_pose_pkl,
    parse_ntu_name,
    parse_skeleton_file,
    read_missing_skeleton_list,
    read_skeleton,
    scan_ntu_root,
)
from fsat.testing import real_sample

REAL_SKELETON = 'S001C001P001R001A001'


def body_line(body_id: str) -> str:
    return f'{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2'


def joint_line(xyz) -> str:
    x, y, z = (repr(float(v)) for v in xyz)
    return f'{x} {y} {z} 277.419 191.8218 1036.233 519.1677 -0.2 0.05 0.9 0 2'


def write_skeleton(path: Path, frames) -> Path:
    """Write a ``.skeleton`` file in the real grammar with CRLF endings.

    Args:
        frames: Per frame, a list of ``(body_id, xyz (25, 3))``.
    """
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, xyz in bodies:
            lines += [body_line(body_id), '25']
            lines += [joint_line(joint) for joint in xyz]
    path.write_bytes(('\r\n'.join(lines) + '\r\n').encode('ascii'))
    return path


def moving_body(num_frames: int, amplitude: float, seed: int) -> np.ndarray:
    """(T, 25, 3) joints: a compact body swinging with ``amplitude``."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.01, (25, 3)) + [0, 0, 3]
    swing = amplitude * np.sin(np.linspace(0, 6, num_frames))
    return (base[None] + swing[:, None, None]).astype(np.float32)


# ---------------------------------------------------------------------------
# Names, classes, benchmarks
# ---------------------------------------------------------------------------


def test_parse_ntu_name():
    sample = parse_ntu_name('S001C002P003R002A013')
    assert sample == NtuName(1, 2, 3, 2, 13)
    assert sample.label == 12
    assert str(sample) == sample.name == 'S001C002P003R002A013'
    assert parse_ntu_name('S032C003P106R002A120').label == 119


@pytest.mark.parametrize('name', [
    'S001C002P003R002A01', 'S001C002P003R002A013.skeleton',
    's001c002p003r002a013', 'S001C002P003R002', '', 'S000C002P003R002A013',
    'S001C002P003R002A000', ' S001C002P003R002A013', 'S001C002P003R002A0x3'
])
def test_parse_ntu_name_malformed(name):
    with pytest.raises(ValueError, match='Malformed NTU RGB\\+D sample name'):
        parse_ntu_name(name)


def test_class_tables():
    assert len(NTU60_CLASSES) == 60
    assert len(NTU120_MINUS_60_CLASSES) == 60
    assert len(NTU120_CLASSES) == 120
    assert len(set(NTU120_CLASSES)) == 120
    assert NTU120_CLASSES[:60] == NTU60_CLASSES
    assert NTU60_CLASSES[0] == 'drink water'
    assert NTU60_CLASSES[1] == 'eat meal/snack'
    assert NTU60_CLASSES[2] == 'brushing teeth'
    assert NTU60_CLASSES[24].startswith('put something inside pocket')
    assert NTU60_CLASSES[48] == 'use a fan (with hand or paper)/feeling warm'
    assert NTU60_CLASSES[59] == 'walking apart from each other'
    assert NTU120_CLASSES[60] == 'put on headphone'
    assert NTU120_CLASSES[99] == 'butt kicks (kick backward)'
    assert NTU120_CLASSES[119] == (
        'finger-guessing game (playing rock-paper-scissors)')


def test_official_id_lists():
    bench = get_ntu_benchmark('ntu60_xsub')
    train = {p for p in range(1, 41) if bench.split_of(f'S001C001P{p:03d}'
                                                        'R001A001') == 'train'}
    assert train == {
        1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35,
        38
    }
    assert set(range(1, 41)) - train == {
        3, 6, 7, 10, 11, 12, 20, 21, 22, 23, 24, 26, 29, 30, 32, 33, 36, 37,
        39, 40
    }
    assert len(NTU120_XSUB_TRAIN_PERFORMERS) == 53
    # The NTU-60 training subjects are the NTU-120 ones below 41.
    assert {p for p in NTU120_XSUB_TRAIN_PERFORMERS if p <= 40} == train


XSUB120 = {
    1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38,
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103
}
XSUB60 = {p for p in XSUB120 if p <= 40}


def expected_split(bench_name, s, c, p, r, a):
    """An independent statement of the official rules."""
    if bench_name.startswith('ntu60'):
        valid = s <= 17 and c <= 3 and p <= 40 and r <= 2 and a <= 60
        train = p in XSUB60 if bench_name.endswith('xsub') else c in (2, 3)
    else:
        actions = range(61, 121) if 'minus' in bench_name else range(1, 121)
        valid = s <= 32 and c <= 3 and p <= 106 and r <= 2 and a in actions
        train = s % 2 == 0 if bench_name.endswith('xset') else p in XSUB120
    if not valid:
        return None
    return 'train' if train else 'val'


@pytest.mark.parametrize('bench_name', NTU_BENCHMARKS)
def test_split_membership_of_every_setup_camera_performer(bench_name):
    bench = get_ntu_benchmark(bench_name)
    action = 61 if 'minus' in bench_name else 1
    counts = {'train': 0, 'val': 0, None: 0}
    for s in range(1, 34):
        for c in range(1, 5):
            for p in range(1, 108):
                for r in range(1, 4):
                    name = f'S{s:03d}C{c:03d}P{p:03d}R{r:03d}A{action:03d}'
                    split = bench.split_of(name)
                    assert split == expected_split(bench_name, s, c, p, r,
                                                   action), name
                    counts[split] += 1
    in_scope = 17 * 3 * 40 * 2 if bench_name.startswith('ntu60') else \
        32 * 3 * 106 * 2
    assert counts['train'] + counts['val'] == in_scope


@pytest.mark.parametrize('bench_name', NTU_BENCHMARKS)
def test_split_membership_of_every_setup_action(bench_name):
    bench = get_ntu_benchmark(bench_name)
    for s in range(1, 34):
        for a in range(1, 122):
            for c, p in ((1, 1), (2, 3), (3, 103)):
                name = f'S{s:03d}C{c:03d}P{p:03d}R002A{a:03d}'
                split = bench.split_of(name)
                assert split == expected_split(bench_name, s, c, p, 2, a)
                label = bench.label_of(name)
                if split is None:
                    assert label is None
                else:
                    first = 61 if 'minus' in bench_name else 1
                    assert label == a - first


def test_ntu120_minus_60():
    bench = get_ntu_benchmark('ntu120_minus_60')
    assert bench.rule == 'xsub' and bench.dataset == 'ntu120'
    assert bench.actions == tuple(range(61, 121))
    assert [bench.label_of(f'S018C001P001R001A{a:03d}')
            for a in range(61, 121)] == list(range(60))
    assert all(
        bench.label_of(f'S001C001P001R001A{a:03d}') is None
        for a in range(1, 61))
    assert bench.classes == NTU120_MINUS_60_CLASSES
    assert bench.split_names == ('xsub_train', 'xsub_val')
    xset = get_ntu_benchmark('ntu120_minus_60', split_rule='xset')
    assert xset.split_of('S002C001P003R001A061') == 'train'
    assert xset.split_of('S001C001P001R001A061') == 'val'
    with pytest.raises(ValueError, match='not official'):
        get_ntu_benchmark('ntu120_minus_60', split_rule='xview')


def test_benchmark_arguments():
    assert get_ntu_benchmark('ntu60_xview', split_rule='xview').rule == 'xview'
    with pytest.raises(ValueError, match='fixed split rule'):
        get_ntu_benchmark('ntu60_xview', split_rule='xsub')
    with pytest.raises(ValueError, match='Unknown NTU benchmark'):
        get_ntu_benchmark('ntu60_xset')
    bench = get_ntu_benchmark('ntu60_xview', classes=[3, 1, 2])
    assert bench.classes == ('brushing teeth', 'drink water',
                             'eat meal/snack')
    assert bench.label_of('S001C001P001R001A003') == 0
    assert bench.label_of('S001C001P001R001A001') == 1
    assert bench.label_of('S001C001P001R001A004') is None
    for bad in ([61], [1, 1], []):
        with pytest.raises(ValueError, match='distinct action ids'):
            get_ntu_benchmark('ntu60_xsub', classes=bad)


# ---------------------------------------------------------------------------
# Missing-skeleton lists
# ---------------------------------------------------------------------------


def test_shipped_missing_skeleton_lists():
    ntu60 = load_missing_skeletons('ntu60')
    ntu120 = load_missing_skeletons('ntu120')
    assert len(ntu60) == 302 and len(ntu120) == 535
    assert ntu60 <= ntu120
    for dataset, path in MISSING_SKELETON_FILES.items():
        lines = Path(path).read_text().splitlines()
        assert lines == sorted(load_missing_skeletons(dataset))
        assert all(len(line) == 20 for line in lines)  # no preamble
    with pytest.raises(ValueError, match='Unknown NTU dataset'):
        load_missing_skeletons('ntu61')


def test_shipped_lists_equal_official_ones():
    root = real_sample()
    for dataset, official in (
        ('ntu60', 'NTU_RGBD_samples_with_missing_skeletons.txt'),
        ('ntu120', 'NTU_RGBD120_samples_with_missing_skeletons.txt'),
    ):
        names = read_missing_skeleton_list(osp.join(root, 'ntu', official))
        assert len(names) == len(set(names))
        assert frozenset(names) == load_missing_skeletons(dataset)


def test_read_missing_skeleton_list_rejects_garbage(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('A sentence.\nAn instruction.\n\nS001C002P005R002A008\n'
                    'not a name\n')
    with pytest.raises(ValueError, match='line 5'):
        read_missing_skeleton_list(str(path))


# ---------------------------------------------------------------------------
# Annotation builder
# ---------------------------------------------------------------------------

MISSING = 'S001C002P005R002A008'  # in both official lists


def make_root(tmp_path: Path, names, modalities=('rgb', 'skeleton')):
    root = tmp_path / 'ntu'
    for folder in ('nturgb+d_rgb', 'nturgb+d_skeletons',
                   'nturgb+d_depth_masked', 'nturgb+d_flow'):
        (root / folder).mkdir(parents=True)
    for i, name in enumerate(names):
        if 'rgb' in modalities:
            (root / 'nturgb+d_rgb' / f'{name}_rgb.avi').write_bytes(b'')
        if 'depth' in modalities:
            (root / 'nturgb+d_depth_masked' / name).mkdir()
        if 'flow' in modalities:
            (root / 'nturgb+d_flow' / name).mkdir()
        if 'skeleton' in modalities:
            body = moving_body(4 + i % 3, 0.1 * (i + 1), seed=i)
            write_skeleton(root / 'nturgb+d_skeletons' / f'{name}.skeleton',
                           [[('7', joints)] for joints in body])
    return root


def test_scan_ntu_root(tmp_path):
    root = make_root(tmp_path, ['S001C001P001R001A001'],
                     ('rgb', 'depth', 'flow', 'skeleton'))
    (root / 'nturgb+d_rgb' / 'notes.txt').write_text('x')
    (root / 'nturgb+d_depth_masked' / 'S001C001P001R001A002.png').write_text(
        'a file where a folder is expected')
    found = scan_ntu_root(str(root))
    assert list(found) == ['S001C001P001R001A001']
    assert found['S001C001P001R001A001'] == {
        'rgb': str(root / 'nturgb+d_rgb/S001C001P001R001A001_rgb.avi'),
        'depth': str(root / 'nturgb+d_depth_masked/S001C001P001R001A001'),
        'flow': str(root / 'nturgb+d_flow/S001C001P001R001A001'),
        'skeleton': str(
            root / 'nturgb+d_skeletons/S001C001P001R001A001.skeleton'),
    }
    with pytest.raises(FileNotFoundError):
        scan_ntu_root(str(tmp_path / 'absent'))


def test_build_ntu_annotations(tmp_path):
    names = [
        'S001C001P001R001A001',  # xview val, xsub train
        'S001C002P003R001A002',  # xview train, xsub val
        'S002C003P002R002A060',  # train in both
        'S018C002P001R001A001',  # NTU-120 only setup
        'S001C002P001R001A061',  # NTU-120 only action
        MISSING,
    ]
    root = make_root(tmp_path, names)
    os.remove(root / 'nturgb+d_rgb' / 'S002C003P002R002A060_rgb.avi')

    ann = build_ntu_annotations('ntu60_xview', root=str(root))
    assert [r['name'] for r in ann['train']] == [
        'S001C002P003R001A002', MISSING, 'S002C003P002R002A060'
    ]
    assert [r['name'] for r in ann['val']] == ['S001C001P001R001A001']
    record = ann['val'][0]
    assert record['label'] == 0 and record['action'] == 1
    assert set(record['paths']) == {'rgb', 'skeleton'}

    ann = build_ntu_annotations(
        'ntu60_xview', root=str(root), required_modalities=('skeleton', ))
    assert MISSING not in [r['name'] for r in ann['train']]
    ann = build_ntu_annotations(
        'ntu60_xview', root=str(root), required_modalities=('rgb', ))
    assert [r['name'] for r in ann['train']] == [
        'S001C002P003R001A002', MISSING
    ]
    ann = build_ntu_annotations(
        'ntu60_xsub', root=str(root), exclude_missing_skeletons=True)
    assert [r['name'] for r in ann['val']] == ['S001C002P003R001A002']

    ann = build_ntu_annotations('ntu120_minus_60', root=str(root))
    assert ann['val'] == [] and len(ann['train']) == 1
    assert ann['train'][0]['label'] == 0

    with pytest.raises(ValueError, match='Unknown NTU modalities'):
        build_ntu_annotations('ntu60_xsub', root=str(root),
                              required_modalities=('ir', ))
    with pytest.raises(ValueError, match='needs a root or names'):
        build_ntu_annotations('ntu60_xsub')


def test_build_ntu_annotations_from_names_with_classes():
    """A synthetic world: target classes A001..A003, source A061..A063."""
    names = [
        f'S{s:03d}C{c:03d}P{p:03d}R001A{a:03d}' for s in (1, 2)
        for c in (1, 2, 3) for p in (1, 3) for a in (1, 2, 3, 61, 62, 63)
    ] + [MISSING]
    target = build_ntu_annotations(
        'ntu60_xview', names=names, classes=[1, 2, 3],
        required_modalities=('skeleton', ))
    assert len(target['train']) == 2 * 2 * 2 * 3
    assert len(target['val']) == 2 * 1 * 2 * 3
    assert all(r['paths'] == {} for r in target['train'])
    assert {r['label'] for r in target['val']} == {0, 1, 2}
    assert MISSING not in {r['name'] for r in target['train']}
    source = build_ntu_annotations(
        'ntu120_minus_60', names=names, classes=[61, 62, 63],
        split_rule='xset')
    assert {r['name'][:4] for r in source['train']} == {'S002'}
    assert {(r['action'], r['label'])
            for r in source['val']} == {(61, 0), (62, 1), (63, 2)}
    with pytest.raises(ValueError, match='Malformed'):
        build_ntu_annotations('ntu60_xview', names=['x.skeleton'])


# ---------------------------------------------------------------------------
# .skeleton reader
# ---------------------------------------------------------------------------


def simple_parse_xyz(path: str) -> np.ndarray:
    """An independent reading of a one-body file: (T, 25, 3)."""
    lines = Path(path).read_text().split('\n')
    frames, pos = [], 1
    for _ in range(int(lines[0])):
        assert int(lines[pos]) == 1
        frames.append([[float(v) for v in line.split()[:3]]
                       for line in lines[pos + 3:pos + 28]])
        pos += 28
    return np.array(frames, dtype=np.float32)


def test_read_real_skeleton():
    path = osp.join(real_sample(), 'ntu', f'{REAL_SKELETON}.skeleton')
    one = read_skeleton(path, max_bodies=1)
    assert one.shape == (1, 103, 25, 3) and one.dtype == np.float32
    np.testing.assert_array_equal(one[0, 0, 0],
                                  np.float32([0.2181153, 0.1725972, 3.785547]))
    np.testing.assert_array_equal(one[0], simple_parse_xyz(path))
    two = read_skeleton(path)
    assert two.shape == (2, 103, 25, 3)
    np.testing.assert_array_equal(two[0], one[0])
    assert not two[1].any()
    full = parse_skeleton_file(path, fields='all')
    assert full.joints.shape == (2, 103, 25, 12)
    np.testing.assert_array_equal(full.joints[..., :3], two)
    np.testing.assert_allclose(
        full.joints[0, 0, 0],
        [0.2181153, 0.1725972, 3.785547, 277.419, 191.8218, 1036.233,
         519.1677, -0.2059419, 0.05349901, 0.9692109, -0.1239193, 2],
        rtol=1e-7)
    assert full.slot_body_ids == (('72057594037931101', ), ())
    assert full.num_empty_frames == full.num_nonfinite == 0


def test_read_real_skeleton_is_fast():
    path = osp.join(real_sample(), 'ntu', f'{REAL_SKELETON}.skeleton')
    best = min(timed(read_skeleton, path) for _ in range(3))
    assert best < 0.05


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def test_read_300_frame_two_body_file_is_fast(tmp_path):
    a, b = moving_body(300, 0.3, 0), moving_body(300, 0.1, 1)
    path = write_skeleton(tmp_path / 'long.skeleton',
                          [[('1', a[t]), ('2', b[t])] for t in range(300)])
    best = min(timed(read_skeleton, str(path)) for _ in range(3))
    # Typically ~25 ms on one shared core; the bound leaves room for load.
    assert best < 0.25


def test_zero_body_frames(tmp_path):
    body = moving_body(5, 0.2, 0)
    frames = [[('1', body[0])], [], [('1', body[2])], [], [('1', body[4])]]
    path = write_skeleton(tmp_path / 'gaps.skeleton', frames)
    skeleton = parse_skeleton_file(str(path))
    assert skeleton.joints.shape == (2, 5, 25, 3)
    assert skeleton.num_empty_frames == 2
    np.testing.assert_array_equal(skeleton.joints[0, [0, 2, 4]],
                                  body[[0, 2, 4]])
    assert not skeleton.joints[0, [1, 3]].any()
    assert not skeleton.joints[1].any()
    empty = write_skeleton(tmp_path / 'empty.skeleton', [[], []])
    assert not read_skeleton(str(empty)).any()
    assert read_skeleton(str(empty)).shape == (2, 2, 25, 3)


def test_more_bodies_than_slots_keeps_most_active(tmp_path):
    still = moving_body(6, 0.001, 0)
    lively = moving_body(6, 0.5, 1)
    medium = moving_body(6, 0.1, 2)
    frames = [[('10', still[t]), ('20', lively[t]), ('30', medium[t])]
              for t in range(6)]
    path = str(write_skeleton(tmp_path / 'three.skeleton', frames))
    two = parse_skeleton_file(path)
    assert two.slot_body_ids == (('20', ), ('30', ))
    assert two.num_dropped_bodies == 1
    np.testing.assert_array_equal(two.joints[0], lively)
    np.testing.assert_array_equal(two.joints[1], medium)
    one = read_skeleton(path, max_bodies=1)
    np.testing.assert_array_equal(one[0], lively)
    four = parse_skeleton_file(path, max_bodies=4)
    assert four.slot_body_ids == (('20', ), ('30', ), ('10', ), ())
    assert not four.joints[3].any()


def test_changed_body_id_stays_in_one_slot(tmp_path):
    body = moving_body(6, 0.3, 0)
    other = moving_body(6, 0.05, 1)
    frames = [[('1', body[t]), ('9', other[t])] for t in range(3)]
    frames += [[('2', body[t]), ('9', other[t])] for t in range(3, 6)]
    skeleton = parse_skeleton_file(
        str(write_skeleton(tmp_path / 'switch.skeleton', frames)))
    assert [set(ids) for ids in skeleton.slot_body_ids] == [{'1', '2'},
                                                            {'9'}]
    np.testing.assert_array_equal(skeleton.joints[0], body)
    np.testing.assert_array_equal(skeleton.joints[1], other)


def test_nan_values_are_zeroed_and_counted(tmp_path):
    body = moving_body(3, 0.2, 0)
    path = write_skeleton(tmp_path / 'nan.skeleton',
                          [[('1', joints)] for joints in body])
    text = path.read_bytes().decode()
    lines = text.split('\r\n')
    first_joint = lines[4].split(' ')
    lines[4] = ' '.join(['NaN', 'nan'] + first_joint[2:])
    path.write_bytes('\r\n'.join(lines).encode())
    with pytest.warns(UserWarning, match='replaced 2 NaN'):
        joints = read_skeleton(str(path))
    assert np.isfinite(joints).all()
    np.testing.assert_array_equal(joints[0, 0, 0], [0, 0, body[0, 0, 2]])
    np.testing.assert_array_equal(joints[0, 1:], body[1:])
    assert parse_skeleton_file(str(path)).num_nonfinite == 2


def test_all_fields(tmp_path):
    body = moving_body(2, 0.2, 0)
    path = write_skeleton(tmp_path / 'all.skeleton',
                          [[('1', joints)] for joints in body])
    joints = read_skeleton(str(path), max_bodies=1, fields='all')
    assert joints.shape == (1, 2, 25, 12)
    np.testing.assert_array_equal(joints[0, :, :, :3], body)
    np.testing.assert_allclose(
        joints[0, 1, 7, 3:],
        [277.419, 191.8218, 1036.233, 519.1677, -0.2, 0.05, 0.9, 0, 2])
    with pytest.raises(ValueError, match="'xyz' or 'all'"):
        read_skeleton(str(path), fields='xy')
    with pytest.raises(ValueError, match='max_bodies'):
        read_skeleton(str(path), max_bodies=0)


def _malformed(tmp_path, lines, name='bad.skeleton'):
    path = tmp_path / name
    path.write_bytes(('\r\n'.join(lines) + '\r\n').encode())
    return str(path)


def test_truncated_file_names_file_and_line(tmp_path):
    body = moving_body(3, 0.2, 0)
    good = write_skeleton(tmp_path / 'good.skeleton',
                          [[('1', joints)] for joints in body])
    lines = good.read_bytes().decode().split('\r\n')[:40]  # mid frame 2
    path = _malformed(tmp_path, lines, 'S001C001P001R001A001.skeleton')
    with pytest.raises(ValueError) as error:
        read_skeleton(path)
    message = str(error.value)
    assert 'S001C001P001R001A001.skeleton' in message
    assert 'line 41' in message
    assert '12 joint values' in message and 'frame 2' in message
    assert 'end of file' in message


@pytest.mark.parametrize('lines, lineno, expected', [
    (['x'], 1, 'frame count'),
    (['1', '2', body_line('1'), '25'], 5, 'joint values'),
    (['1', '1', body_line('1'), '24'], 4, 'joint count 25'),
    (['1', '1', '1 0 1'], 3, '10 body fields'),
    (['1', '1', body_line('1'), '25', joint_line([0, 0, 0])] +
     [joint_line([0, 0, 1]).replace('1.0', 'a', 1)] +
     [joint_line([0, 0, 0])] * 23, 6, 'joint values'),
    (['1', '0', '3'], 3, 'end of the file after 1 frames'),
])
def test_malformed_files(tmp_path, lines, lineno, expected):
    path = _malformed(tmp_path, lines)
    with pytest.raises(ValueError, match=f'bad.skeleton.*line {lineno}: '
                       f'expected .*{expected}'):
        read_skeleton(path)


# ---------------------------------------------------------------------------
# mmaction2 pose annotation pickle
# ---------------------------------------------------------------------------


def test_export_pose_pkl_loads_in_mmaction_pose_dataset(tmp_path):
    from mmaction.datasets import PoseDataset
    from mmaction.datasets.transforms import FormatGCNInput

    names = ['S001C001P001R001A001', 'S001C002P003R001A002',
             'S002C003P004R002A060']
    root = make_root(tmp_path, names)
    # A two-body sample.
    a, b = moving_body(5, 0.3, 5), moving_body(5, 0.1, 6)
    write_skeleton(root / 'nturgb+d_skeletons' / f'{names[2]}.skeleton',
                   [[('1', a[t]), ('2', b[t])] for t in range(5)])
    xsub = build_ntu_annotations('ntu60_xsub', root=str(root))
    xview = build_ntu_annotations('ntu60_xview', root=str(root))
    ann_file = str(tmp_path / 'ntu60_3d.pkl')
    export_pose_pkl(
        {
            'xsub_train': xsub['train'],
            'xsub_val': xsub['val'],
            'xview_train': xview['train'],
            'xview_val': xview['val'],
        }, ann_file)

    dataset = PoseDataset(ann_file=ann_file, pipeline=[], split='xsub_train')
    assert len(dataset) == len(xsub['train']) == 2
    for index, record in enumerate(xsub['train']):
        data = dataset[index]
        assert data['frame_dir'] == record['name']
        assert data['label'] == record['label']
        expected = read_skeleton(record['paths']['skeleton'])
        if record['name'] != names[2]:
            expected = expected[:1]  # empty body slots are dropped
        np.testing.assert_array_equal(data['keypoint'], expected)
        assert data['keypoint'].dtype == np.float32
        assert data['total_frames'] == expected.shape[1]

    padded = PoseDataset(
        ann_file=ann_file,
        pipeline=[FormatGCNInput(num_person=2)],
        split='xview_val')
    record = xview['val'][0]
    np.testing.assert_array_equal(padded[0]['keypoint'][0],
                                  read_skeleton(record['paths']['skeleton']))

    annotations = load_pose_pkl(ann_file, split='xview_train')
    assert sorted(x['frame_dir'] for x in annotations) == [
        r['name'] for r in xview['train']
    ]
    assert len(load_pose_pkl(ann_file)) == 3  # each sample stored once
    with pytest.raises(KeyError, match='no split'):
        load_pose_pkl(ann_file, split='xset_train')


def test_export_real_skeleton_to_pose_dataset(tmp_path):
    from mmaction.datasets import PoseDataset

    real = osp.join(real_sample(), 'ntu', f'{REAL_SKELETON}.skeleton')
    folder = tmp_path / 'nturgb+d_skeletons'
    folder.mkdir()
    os.symlink(real, folder / f'{REAL_SKELETON}.skeleton')
    ann = build_ntu_annotations(
        'ntu60_xsub', root=str(tmp_path), required_modalities=('skeleton', ))
    ann_file = str(tmp_path / 'real.pkl')
    export_pose_pkl({'xsub_train': ann['train']}, ann_file)
    dataset = PoseDataset(ann_file=ann_file, pipeline=[], split='xsub_train')
    keypoint = dataset[0]['keypoint']
    assert keypoint.shape == (1, 103, 25, 3)
    np.testing.assert_array_equal(keypoint[0], simple_parse_xyz(real))
    assert dataset[0]['label'] == 0


def test_export_pose_pkl_errors(tmp_path):
    record = dict(name='S001C001P001R001A001', label=0, action=1, paths={})
    with pytest.raises(ValueError, match='no skeleton path'):
        export_pose_pkl({'xsub_train': [record]}, str(tmp_path / 'a.pkl'))
    with pytest.raises(ValueError, match='.pkl'):
        export_pose_pkl({'xsub_train': [record]}, str(tmp_path / 'a.json'))
