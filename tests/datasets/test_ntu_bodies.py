# Copyright (c) fsat contributors. All rights reserved.
"""Body selection of the NTU ``.skeleton`` reader, against hand-computed
expectations and against mmaction2 1.1's converter (``read_xyz`` of
``tools/data/skeleton/gen_ntu_rgbd_raw.py``), on hand-written files in the
real grammar (CRLF, 10 body fields, 25 lines of 12 joint fields)."""
import importlib.util
import os.path as osp
from pathlib import Path

import numpy as np
import pytest

from fsat.datasets.ntu import parse_skeleton_file, read_skeleton
from fsat.datasets.transforms import count_frames


def write_frames(path: Path, frames) -> Path:
    """Write a ``.skeleton`` file; ``frames``: per frame, the listed bodies
    as ``(body_id, xyz)`` with every one of the 25 joints at ``xyz``."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, xyz in bodies:
            lines += [f'{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2', '25']
            x, y, z = (repr(float(v)) for v in xyz)
            lines += [f'{x} {y} {z} 277.4 191.8 1036.2 519.2 -0.2 0.05 0.9 '
                      '0 2'] * 25
    path.write_bytes(('\r\n'.join(lines) + '\r\n').encode('ascii'))
    return path


def mmaction_read_xyz():
    """mmaction2's own converter function, loaded from its installed tools.
    """
    import mmaction
    path = osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'tools', 'data', 'skeleton',
        'gen_ntu_rgbd_raw.py')
    if not osp.isfile(path):
        pytest.skip(f'mmaction2 tools not installed: {path}')
    spec = importlib.util.spec_from_file_location('_mma_gen_ntu_raw', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_xyz


# Three bodies, two frames, listed in the same order in both frames. Each
# body sits at centre + s * amp with s = +1 in frame 1 and -1 in frame 2,
# so per axis the variance over frames and joints is amp**2 and the
# standard deviation |amp|:
#   body 101: amp (2, 0, 0)       -> variance sum 4.00, std sum 2.0
#   body 102: amp (1, 1, 1)       -> variance sum 3.00, std sum 3.0
#   body 103: amp (0.9, 0.9, 0.9) -> variance sum 2.43, std sum 2.7
CENTRES = {101: (1.0, 1.0, 3.0), 102: (2.0, 1.0, 3.0), 103: (3.0, 1.0, 3.0)}
AMPS = {101: (2.0, 0.0, 0.0), 102: (1.0, 1.0, 1.0), 103: (0.9, 0.9, 0.9)}


def pose(body_id: int, sign: int) -> np.ndarray:
    return np.add(CENTRES[body_id], np.multiply(sign, AMPS[body_id]))


@pytest.fixture
def three_bodies(tmp_path):
    frames = [[(b, pose(b, sign)) for b in (101, 102, 103)]
              for sign in (1, -1)]
    return str(write_frames(tmp_path / 'S001C001P001R001A050.skeleton',
                            frames))


def expected(body_id: int) -> np.ndarray:
    """(T=2, 25, 3) joints of a body."""
    return np.stack([np.tile(pose(body_id, s), (25, 1)) for s in (1, -1)])


def test_three_bodies_fsat_keeps_the_two_largest_variances(three_bodies):
    skeleton = parse_skeleton_file(three_bodies, max_bodies=2)
    # variance sums 4 > 3 > 2.43: bodies 101 and 102, 103 dropped
    assert skeleton.slot_body_ids == (('101', ), ('102', ))
    assert skeleton.num_dropped_bodies == 1
    np.testing.assert_allclose(skeleton.joints[0], expected(101), atol=1e-6)
    np.testing.assert_allclose(skeleton.joints[1], expected(102), atol=1e-6)
    # with room for all three, slots follow the variance order
    joints = read_skeleton(three_bodies, max_bodies=3)
    for slot, body_id in enumerate((101, 102, 103)):
        np.testing.assert_allclose(joints[slot], expected(body_id),
                                   atol=1e-6)


def test_three_bodies_mmaction2_keeps_other_people(three_bodies):
    # std sums 3 > 2.7 > 2: mmaction2 keeps 102 then 103 and drops the body
    # fsat ranks first
    data = mmaction_read_xyz()(three_bodies, max_body=4, num_joint=25)
    assert data.shape == (2, 2, 25, 3)
    np.testing.assert_allclose(data[0], expected(102), atol=1e-6)
    np.testing.assert_allclose(data[1], expected(103), atol=1e-6)


# Two people whose listing order swaps after frame 2: A (bodyID 7) walks
# along x (0.5, 0.7, 0.9, 1.1), B (bodyID 8) stands at (-0.5, 0.2, 3.1).
A_X = (0.5, 0.7, 0.9, 1.1)
B_POSE = (-0.5, 0.2, 3.1)


def a_pose(t: int) -> tuple:
    return (A_X[t], 0.1, 3.0)


@pytest.fixture
def swapped(tmp_path):
    frames = [[(7, a_pose(0)), (8, B_POSE)], [(7, a_pose(1)), (8, B_POSE)],
              [(8, B_POSE), (7, a_pose(2))], [(8, B_POSE), (7, a_pose(3))]]
    return str(write_frames(tmp_path / 'S001C001P001R001A051.skeleton',
                            frames))


def test_swapped_order_fsat_keeps_each_person_in_one_slot(swapped):
    skeleton = parse_skeleton_file(swapped, max_bodies=2)
    # A moves (variance of x 0.05), B does not: A in slot 0, B in slot 1
    assert skeleton.slot_body_ids == (('7', ), ('8', ))
    for t in range(4):
        np.testing.assert_allclose(skeleton.joints[0, t],
                                   np.tile(a_pose(t), (25, 1)), atol=1e-6)
        np.testing.assert_allclose(skeleton.joints[1, t],
                                   np.tile(B_POSE, (25, 1)), atol=1e-6)


def test_swapped_order_mmaction2_mixes_two_people_in_a_slot(swapped):
    # By list position: position 1 holds A, A, B, B and position 2 holds
    # B, B, A, A. Std sums: position 1, x (0.5, 0.7, -0.5, -0.5) -> 0.5545
    # plus 0.05 (y) + 0.05 (z) = 0.6545; position 2, x (-0.5, -0.5, 0.9,
    # 1.1) -> 0.7533 + 0.1 = 0.8533; so position 2 comes first.
    data = mmaction_read_xyz()(swapped, max_body=4, num_joint=25)
    assert data.shape == (2, 4, 25, 3)
    first = [B_POSE, B_POSE, a_pose(2), a_pose(3)]
    second = [a_pose(0), a_pose(1), B_POSE, B_POSE]
    for t in range(4):
        np.testing.assert_allclose(data[0, t], np.tile(first[t], (25, 1)),
                                   atol=1e-6)
        np.testing.assert_allclose(data[1, t], np.tile(second[t], (25, 1)),
                                   atol=1e-6)


def test_empty_and_binary_files_name_the_file(tmp_path):
    empty = tmp_path / 'S001C001P001R001A001.skeleton'
    empty.write_bytes(b'')
    with pytest.raises(ValueError) as info:
        read_skeleton(str(empty))
    assert str(empty) in str(info.value)
    assert 'line 1: expected the frame count' in str(info.value)
    assert 'end of file' in str(info.value)

    binary = tmp_path / 'S001C001P001R001A002.skeleton'
    binary.write_bytes(b'\x89PNG\r\n\x1a\n\xff\xfe')
    with pytest.raises(ValueError) as info:
        read_skeleton(str(binary))
    assert str(info.value) == (
        f'Malformed NTU skeleton file {str(binary)!r}: not a text file '
        '(byte 0 is not UTF-8)')


def test_frame_counting_names_empty_and_binary_files(tmp_path):
    """Paired datasets count frames (first line only) before reading."""
    empty = tmp_path / 'S001C001P001R001A001.skeleton'
    empty.write_bytes(b'')
    with pytest.raises(ValueError) as info:
        count_frames('skeleton', str(empty))
    assert str(info.value) == (
        f'Malformed NTU skeleton file {str(empty)!r}, line 1: expected the '
        'frame count, got an empty file')
    for name in ('S001C001P001R001A002.skeleton', 'A01N01-L.txt'):
        binary = tmp_path / name
        binary.write_bytes(b'\xff\xfe\x00garbage')
        with pytest.raises(ValueError) as info:
            count_frames('skeleton', str(binary))
        assert f'{str(binary)!r}: not a text file (byte 0 is not UTF-8)' in (
            str(info.value))
