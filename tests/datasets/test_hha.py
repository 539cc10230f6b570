# Copyright (c) fsat contributors. All rights reserved.
"""HHA encoding: the Depth2HHA-python demo outputs are reproduced, and
synthetic rooms give the hand-computed disparity, height and angle."""
import math
import os.path as osp

import cv2
import numpy as np
import pytest

from fsat.datasets.hha import (
    GUPTA_CROP,
    NYU_COLOR_CAMERA,
    DepthToHHA,
    crop_camera_matrix,
    depth_to_hha,
    gravity_direction,
    read_depth_image,
)
from fsat.registry import TRANSFORMS
from fsat.testing.samples import real_sample
from fsat.testing.tools import last_line, run_tool

DEMO = ('nyud2', 'Depth2HHA-python_demo')


def _rays(height=480, width=640, k=NYU_COLOR_CAMERA):
    """(X/Z, Y/Z) of every pixel, 1-based grids."""
    a = (np.arange(1, width + 1)[None, :] - k[0, 2]) / k[0, 0]
    b = (np.arange(1, height + 1)[:, None] - k[1, 2]) / k[1, 1]
    return a + 0 * b, b + 0 * a


def _room(pitch=40., cam_h=1.5, wall=None, k=NYU_COLOR_CAMERA,
          size=(480, 640)):
    """Depth (m) of a floor ``cam_h`` below a camera pitched down by
    ``pitch`` degrees, and of a vertical wall ``wall`` m ahead; also the
    unit gravity and forward vectors in camera coordinates."""
    _, b = _rays(*size, k=k)
    t = math.radians(pitch)
    down = np.array([0., math.cos(t), math.sin(t)])
    ahead = np.array([0., -math.sin(t), math.cos(t)])
    with np.errstate(divide='ignore'):
        to_floor = down[1] * b + down[2]
        depth = np.where(to_floor > 0, cam_h / to_floor, np.inf)
        if wall is not None:
            depth = np.minimum(depth, wall / (ahead[1] * b + ahead[2]))
    return depth, down, ahead


def _reference(name):
    """A demo HHA PNG as (disparity, height, angle)."""
    return cv2.imread(real_sample(*DEMO, name))[..., ::-1].astype(int)


def _demo_depth(name):
    return read_depth_image(real_sample(*DEMO, name), '0.1mm')


# -- the published outputs of Depth2HHA-python ------------------------------


def test_reproduces_the_demo_hha_of_the_filled_depth():
    depth = _demo_depth('0.png')
    ref = _reference('hha_complete.png')
    diff = np.abs(depth_to_hha(depth, depth == 0).astype(int) - ref)
    # measured: every pixel equal (1.0, 1.0)
    assert (diff == 0).all(-1).mean() >= 0.999
    assert (diff <= 1).all(-1).mean() >= 0.999


def test_reproduces_the_demo_hha_with_the_raw_depth_as_missing_mask():
    depth = _demo_depth('0.png')
    raw = _demo_depth('0_raw.png')
    assert (raw == 0).mean() == pytest.approx(73446 / 307200)
    ref = _reference('hha.png')
    out = depth_to_hha(depth, raw == 0).astype(int)
    diff = np.abs(out - ref)
    # measured: 99.50 % equal, 99.76 % within 1 grey level. The rest are
    # normals of windows whose valid pixels are collinear (no plane is
    # defined: the reference gets rounding noise, so do we, a different
    # one) and the +-1 height they move the gravity estimate by. That noise
    # follows the last bit of the input: depth * 1e-4 instead of / 10000
    # gives 98.7 % and 99.6 %, hence the margin
    assert (diff == 0).all(-1).mean() >= 0.98
    assert (diff <= 1).all(-1).mean() >= 0.99
    assert (diff[..., 0] == 0).all()  # disparity needs no normal
    # the mask matters: without it the hole-filled pixels are fitted too
    plain = np.abs(depth_to_hha(depth).astype(int) - ref)
    assert (plain[..., 2] == 0).mean() < (diff[..., 2] == 0).mean() - 0.05


def test_the_demo_gravity_is_nearly_the_image_down_axis():
    from fsat.datasets.hha import surface_normals
    depth = _demo_depth('0.png')
    n2 = surface_normals(depth * 100, depth == 0, NYU_COLOR_CAMERA, 10)
    y = gravity_direction(n2)
    assert np.linalg.norm(y) == pytest.approx(1.)
    assert math.degrees(math.acos(y[1])) < 5  # camera roughly level


# -- synthetic scenes with known answers -------------------------------------


def test_a_floor_seen_from_above_is_angle_38_and_height_0():
    depth, down, _ = _room(pitch=40., cam_h=1.5)
    hha = depth_to_hha(depth)
    # normal parallel to gravity: acos(1) + 128 - 90 = 38, every pixel
    assert (hha[..., 2] == 38).all()
    # every point is 150 cm below the camera: the lowest point, h = 0
    assert (hha[..., 1] == 0).all()
    # the estimated gravity is the floor normal (the camera's pitch)
    from fsat.datasets.hha import surface_normals
    n2 = surface_normals(depth * 100, depth == 0, NYU_COLOR_CAMERA, 10)
    assert np.allclose(gravity_direction(n2), down, atol=1e-9)


def test_a_low_camera_gets_the_130_cm_offset():
    # the floor 50 cm below: min(h) = -50 > -90, so h = -50 + 130 = 80
    depth, _, _ = _room(pitch=40., cam_h=0.5)
    assert (depth_to_hha(depth)[..., 1] == 80).all()


def test_floor_and_wall_angles_and_wall_heights():
    depth, down, ahead = _room(pitch=10., cam_h=1.5, wall=3.0)
    hha = depth_to_hha(depth)
    a, b = _rays()
    on_wall = np.isclose(depth * (ahead[1] * b + ahead[2]), 3.0)
    edge = np.nonzero(~on_wall[:, 0])[0][0]  # first floor row
    assert on_wall[:edge].all() and not on_wall[edge:].any()
    far = 4  # rows whose radius-3 window sees one plane only
    assert (hha[:edge - far, :, 2] == 128).all()  # normal ⟂ gravity: 90+38
    assert (hha[edge + far:, :, 2] == 38).all()
    # heights in cm above the floor: 150 - (gravity . P)
    z = depth * 100
    g_dot_p = down[0] * a * z + down[1] * b * z + down[2] * z
    want = np.clip(np.rint(150 - g_dot_p), 0, 255)
    rows = slice(0, edge - 12)  # the wall, away from the corner
    assert np.abs(hha[rows, :, 1].astype(int) - want[rows]).max() <= 1
    assert want[rows].max() - want[rows].min() > 200  # a real range


def test_disparity_is_31000_over_z_cm_clamped_at_1_m():
    for metres, level in ((2.5, 124), (3.1, 100), (1.0, 255), (0.8, 255),
                          (10.0, 31)):
        hha = depth_to_hha(np.full((40, 50), metres))
        assert (hha[..., 0] == level).all(), metres
        # a fronto-parallel wall: normal along the optical axis
        assert (hha[..., 2] == 128).all()
    depth, _, _ = _room(pitch=40.)
    want = np.clip(np.rint(31000 / np.maximum(depth * 100, 100)), 0, 255)
    assert np.array_equal(depth_to_hha(depth)[..., 0], want)


def test_missing_pixels_are_left_out_of_the_normals():
    depth, _, _ = _room(pitch=40.)
    rng = np.random.default_rng(0)
    depth[200:240, 300:360] = rng.uniform(0.5, 4., (40, 60))  # junk
    missing = np.zeros(depth.shape, bool)
    missing[200:240, 300:360] = True
    hha = depth_to_hha(depth, missing)
    angle = hha[..., 2]
    inside = np.zeros(depth.shape, bool)
    inside[203:237, 303:357] = True  # no valid pixel within radius 3
    assert (angle[inside] == 218).all()  # NaN normal -> 180 + 38
    assert (angle[~missing] == 38).all()  # the junk does not leak out
    # masked pixels get the normal of the valid pixels around them...
    band = missing.copy()
    band[202:238, 302:358] = False  # (>= 2 valid rows or columns)
    assert (angle[band] == 38).all()
    # ...but where those all lie on one image line no plane is defined:
    # the reference's rounding noise, and ours
    line = missing & ~band & ~inside
    assert line.sum() == 2 * (54 + 36)
    # its disparity is still the junk depth's (the mask is for normals)
    want = np.rint(31000 / np.maximum(depth * 100, 100)).clip(0, 255)
    assert np.array_equal(hha[..., 0], want)
    # without the mask, the junk bends the normals around it
    plain = depth_to_hha(depth)[..., 2]
    assert (plain[196:244, 296:364] != 38).mean() > 0.5
    # zero depth is missing by default
    zero = depth.copy()
    zero[missing] = 0
    assert np.array_equal(depth_to_hha(zero)[..., 2][~line], angle[~line])


def test_crops_need_the_shifted_principal_point():
    k = crop_camera_matrix(NYU_COLOR_CAMERA, *GUPTA_CROP)
    assert k[0, 2] == pytest.approx(NYU_COLOR_CAMERA[0, 2] - 40)
    assert k[1, 2] == pytest.approx(NYU_COLOR_CAMERA[1, 2] - 45)
    assert np.array_equal(k[:2, :2], NYU_COLOR_CAMERA[:2, :2])
    depth, _, _ = _room(pitch=10., wall=3.0)
    crop = depth[45:470, 40:600]
    assert crop.shape == (425, 560)
    wall = slice(0, 300)  # rows of the wall only (the floor starts at 363)
    right = depth_to_hha(crop, camera_matrix=k)[..., 2]
    assert (right[wall] == 128).all()  # perpendicular to the floor
    # the uncropped matrix shears the points: the wall is no longer at
    # 90 degrees to the floor
    wrong = depth_to_hha(crop)[..., 2]
    assert (wrong[wall] != 128).all()


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize('depth, match', [
    (np.ones((4, 4), np.uint16), 'floating-point array in metres, got uint16'),
    (np.ones((4, 4, 3)), r'2-D \(H, W\) array, got shape \(4, 4, 3\)'),
    (np.ones(4), r'2-D \(H, W\) array, got shape \(4,\)'),
    (np.zeros((4, 4)), 'no valid pixel'),
    (np.full((4, 4), np.nan), 'no valid pixel'),
    (-np.ones((4, 4)), 'negative values'),
    (np.full((4, 4), np.inf), 'infinite values'),
])
def test_bad_depth_is_one_clear_value_error(depth, match):
    with pytest.raises(ValueError, match=match) as info:
        depth_to_hha(depth)
    assert '\n' not in str(info.value)


def test_bad_mask_and_camera_are_refused():
    depth = np.ones((8, 8))
    with pytest.raises(ValueError, match=r'mask has shape \(8, 7\)'):
        depth_to_hha(depth, np.zeros((8, 7), bool))
    with pytest.raises(ValueError, match='mask must be boolean'):
        depth_to_hha(depth, np.full((8, 8), 0.5))
    with pytest.raises(ValueError, match='every pixel is missing'):
        depth_to_hha(depth, np.ones((8, 8), bool))
    with pytest.raises(ValueError, match='finite 3x3'):
        depth_to_hha(depth, camera_matrix=np.eye(2))
    with pytest.raises(ValueError, match='positive fx and fy'):
        depth_to_hha(depth, camera_matrix=np.diag([0., 1., 1.]))


# -- transform ----------------------------------------------------------------


def test_transform_reads_mm_frames():
    k = crop_camera_matrix(NYU_COLOR_CAMERA, 180, 240)  # centre crop
    depth, _, _ = _room(pitch=40., k=k, size=(120, 160))
    mm = np.rint(depth * 1000).astype(np.uint16)
    t = TRANSFORMS.build(dict(type='DepthToHHA', unit='mm',
                              camera_matrix=k.tolist()))
    assert isinstance(t, DepthToHHA)
    out = t(dict(imgs=[mm, mm[::-1].copy()]))['imgs']
    assert len(out) == 2 and out[0].shape == (120, 160, 3)
    assert out[0].dtype == np.uint8
    assert np.array_equal(out[0], depth_to_hha(mm / 1000., camera_matrix=k))
    # mm rounding makes the floor's normals wobble by a degree at most
    assert np.abs(out[0][..., 2].astype(int) - 38).max() <= 1
    # pixels <= 0 are missing (SpeckleNoise can make them negative)
    noisy = mm.astype(np.float32)
    noisy[50:70, 60:100] = -5.
    zero = noisy.copy()
    zero[50:70, 60:100] = 0
    want = depth_to_hha(zero.astype(np.float64) / 1000., None, k)
    assert np.array_equal(t.encode(noisy), want)
    assert np.array_equal(t.encode(noisy[..., None]), t.encode(noisy))
    assert "unit='mm'" in repr(t)
    with pytest.raises(ValueError, match="unit must be one of"):
        DepthToHHA(unit='cm')


# -- the conversion tool ------------------------------------------------------


def _write_depth(path, depth_m, scale=1000):
    assert cv2.imwrite(str(path), np.rint(depth_m * scale).astype(np.uint16))


def test_tool_converts_resumes_and_names_a_bad_file(tmp_path):
    k = crop_camera_matrix(NYU_COLOR_CAMERA, 180, 240)
    depth, _, _ = _room(pitch=40., k=k, size=(120, 160))
    src, raw, dst = tmp_path / 'depth', tmp_path / 'raw', tmp_path / 'hha'
    (src / 'sub').mkdir(parents=True)
    raw.joinpath('sub').mkdir(parents=True)
    _write_depth(src / 'a.png', depth)
    _write_depth(src / 'sub' / 'b.png', depth * 1.1)
    holes = depth.copy()
    holes[40:80, 60:100] = 0
    _write_depth(raw / 'a.png', holes)
    _write_depth(raw / 'sub' / 'b.png', depth * 1.1)
    args = [str(src), str(dst), '--unit', 'mm', '--raw-dir', str(raw),
            '--camera', *(str(v) for v in (k[0, 0], k[1, 1], k[0, 2],
                                           k[1, 2])), '--workers', '2']
    proc = run_tool('data/depth_to_hha.py', args, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '2 images: 2 done, 0 skipped, 0 failed' in proc.stdout
    a = cv2.imread(str(dst / 'a.png'))[..., ::-1]  # RGB = D, H, A
    stored = np.rint(depth * 1000) / 1000
    assert np.array_equal(a, depth_to_hha(stored, holes == 0, k))
    assert (a[50:70, 70:90, 2] == 218).all()  # the raw holes are missing
    assert (dst / 'sub' / 'b.png').is_file()
    assert sorted(p.name for p in dst.rglob('*')) == ['a.png', 'b.png',
                                                      'sub']  # no tmp file
    # resumable: a second run skips both; an 8-bit PNG fails with its
    # name, and the others still go through
    assert cv2.imwrite(str(src / 'c.png'), np.full((120, 160), 9, np.uint8))
    again = run_tool('data/depth_to_hha.py', args[:-2] + ['--no-progress'])
    assert again.returncode == 1
    assert '3 images: 0 done, 2 skipped, 1 failed' in again.stdout
    message = last_line(again.stdout)
    assert message.startswith('  failed: ' + osp.join(str(src), 'c.png'))
    assert 'got uint8' in message
    assert not (dst / 'c.png').exists()


def test_tool_refuses_a_missing_folder(tmp_path):
    proc = run_tool('data/depth_to_hha.py',
                    [str(tmp_path / 'nope'), str(tmp_path / 'out'),
                     '--unit', 'mm'])
    assert proc.returncode == 1
    assert last_line(proc.stderr) == (
        f'fsat depth_to_hha: error: {tmp_path / "nope"}: no such folder '
        '(in_dir)')
