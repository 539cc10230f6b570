# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the JHMDB readers (fsat.datasets.jhmdb)."""
import os
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import scipy.io

import fsat.datasets.jhmdb.boxes as boxes_module
import fsat.datasets.jhmdb.layout as layout_module
import fsat.datasets.jhmdb.splits as splits_module
from fsat.datasets.jhmdb import (
    JHMDB_CLASSES,
    JHMDB_JOINTS,
    JHMDB_VIEWPOINTS,
    JhmdbVideo,
    boxes_from_joints,
    boxes_from_mask,
    detection_ground_truth,
    jhmdb_label,
    jhmdb_source_video,
    jhmdb_split_path,
    load_jhmdb_split,
    mask_for_frames,
    pos_world_from_img,
    read_joint_positions,
    read_puppet_mask,
    read_split_file,
    scan_jhmdb,
    video_ground_truth,
)
from fsat.testing import real_sample

BRUSH = 'brush_hair'
APRIL = 'April_09_brush_hair_u_nm_np1_ba_goo_0'
BETH = 'Brushing_Hair_with_Beth_brush_hair_h_nm_np1_le_goo_0'
ROUTINE = 'My_Hair_Routine_brush_hair_h_nm_np1_le_goo_0'
CATCH = 'Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2'
# viewpoint and (min x, max x, min y, max y) of pos_img over the clip,
# read once with scipy.io.loadmat directly.
REAL_CLIPS = {
    APRIL: ('S', (84.13635659522186, 251.1176147265536, 67.9923757132774,
                  416.5618573394076)),
    BETH: ('NE', (25.726347351609906, 380.43050708815264, 83.36870888228968,
                  553.0941088061178)),
    ROUTINE: ('NW', (40.39514975782426, 238.0568291025603,
                     -2.2456470097713854, 470.94863250839563)),
}


def real_joint_file(video: str) -> str:
    return real_sample('jhmdb', 'joint_positions', BRUSH, video,
                       'joint_positions.mat')


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def save_mask(path: Path, mask_thw: np.ndarray) -> str:
    """A puppet_mask.mat in the real grammar: part_mask as H x W x T."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(str(path),
                     {'part_mask': mask_thw.transpose(1, 2, 0).astype(
                         np.uint8)})
    return str(path)


def appledouble(path: Path) -> str:
    """A 741-byte macOS resource fork (AppleDouble magic 0x00051607)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = b'\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02'
    path.write_bytes(head + bytes(741 - len(head)))
    return str(path)


def capture_logs(monkeypatch, module) -> list:
    messages = []
    monkeypatch.setattr(module, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------


def test_classes_and_joints():
    assert len(JHMDB_CLASSES) == 21 == len(set(JHMDB_CLASSES))
    assert JHMDB_CLASSES == tuple(sorted(JHMDB_CLASSES))
    assert jhmdb_label('brush_hair') == 0
    assert jhmdb_label('catch') == 1
    assert jhmdb_label('swing_baseball') == 17
    assert jhmdb_label('wave') == 20
    with pytest.raises(ValueError, match="'dive' is not a JHMDB class"):
        jhmdb_label('dive')
    # 1-based numbers of README_joint_positions.txt
    assert len(JHMDB_JOINTS) == 15
    assert JHMDB_JOINTS[1 - 1] == 'neck'
    assert JHMDB_JOINTS[3 - 1] == 'face'
    assert JHMDB_JOINTS[4 - 1] == 'right_shoulder'
    assert JHMDB_JOINTS[9 - 1] == 'left_elbow'
    assert JHMDB_JOINTS[12 - 1] == 'right_wrist'
    assert JHMDB_JOINTS[15 - 1] == 'left_ankle'


# ---------------------------------------------------------------------------
# Real joint files
# ---------------------------------------------------------------------------


@pytest.mark.parametrize('video', sorted(REAL_CLIPS))
def test_read_real_joint_positions(video):
    path = real_joint_file(video)
    raw = scipy.io.loadmat(path)
    joints = read_joint_positions(path)
    viewpoint, (x_min, x_max, y_min, y_max) = REAL_CLIPS[video]
    assert raw['pos_img'].shape == (2, 15, 40)
    assert joints.num_frames == raw['pos_img'].shape[2] == 40
    assert joints.pos_img.shape == joints.pos_world.shape == (40, 15, 2)
    assert joints.scale.shape == (40, )
    assert joints.viewpoint == viewpoint and viewpoint in JHMDB_VIEWPOINTS
    # frame t, joint j, coordinate c is MATLAB's pos_img(c, j, t)
    assert joints.pos_img[7, 11, 1] == raw['pos_img'][1, 11, 7]
    assert joints.pos_world[39, 0, 0] == raw['pos_world'][0, 0, 39]
    assert joints.scale[5] == raw['scale'][0, 5]
    x, y = joints.pos_img[..., 0], joints.pos_img[..., 1]
    assert (x.min(), x.max(), y.min(), y.max()) == (x_min, x_max, y_min,
                                                    y_max)
    # The readme's normalisation, by hand, with W=320 and H=240.
    scale = joints.scale[:, None]
    np.testing.assert_allclose((x / 320 - 0.5) * 320 / 240 / scale,
                               joints.pos_world[..., 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose((y / 240 - 0.5) / scale,
                               joints.pos_world[..., 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        pos_world_from_img(joints.pos_img, joints.scale), joints.pos_world,
        rtol=0, atol=1e-12)
    # the transposed frame size does not reproduce the file
    swapped = pos_world_from_img(joints.pos_img, joints.scale, 240, 320)
    assert np.abs(swapped - joints.pos_world).max() > 0.05


def test_real_joint_boxes_contain_the_joints():
    joints = read_joint_positions(real_joint_file(ROUTINE))
    x, y = joints.pos_img[..., 0], joints.pos_img[..., 1]
    loose, valid = boxes_from_joints(joints.pos_img, frame_size=None)
    assert valid.all() and loose.dtype == np.float32
    eps = 1e-4  # float32 rounding of the box
    assert (x >= loose[:, :1] - eps).all() and (x <= loose[:, 2:3] + eps).all()
    assert (y >= loose[:, 1:2] - eps).all() and (y <= loose[:, 3:] + eps).all()
    boxes, valid = boxes_from_joints(joints.pos_img)
    assert valid.all()
    assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= 320).all()
    assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= 240).all()
    # Joints inside the 320 x 240 frame lie inside the clipped box.
    inside = (x >= 0) & (x <= 320) & (y >= 0) & (y <= 240)
    assert inside.sum() > 300
    in_x = (x >= boxes[:, :1] - eps) & (x <= boxes[:, 2:3] + eps)
    in_y = (y >= boxes[:, 1:2] - eps) & (y <= boxes[:, 3:] + eps)
    assert (in_x & in_y)[inside].all()
    # y min of the clip is -2.2457: that frame's box starts at row 0;
    # the lower body is at neutral positions below the frame (y up to 471).
    t = int(np.argmin(y.min(axis=1)))
    assert boxes[t, 1] == 0 and loose[t, 1] == np.float32(-2.2456470097713854)
    assert (boxes[:, 3] == 240).all()
    # frame 0 by hand
    expected = [x[0].min(), max(y[0].min(), 0), min(x[0].max(), 320), 240]
    np.testing.assert_allclose(boxes[0], expected, rtol=1e-6)


# ---------------------------------------------------------------------------
# Real frames and the scanner
# ---------------------------------------------------------------------------


def test_scan_real_frames(tmp_path, monkeypatch):
    import cv2
    frames = real_sample('jhmdb', 'frames', 'catch', CATCH)
    video_file = real_sample('jhmdb', 'videos', 'catch', CATCH + '.avi')
    class_dir = tmp_path / 'Rename_Images' / 'catch'
    class_dir.mkdir(parents=True)
    os.symlink(frames, class_dir / CATCH)
    (class_dir / '.AppleDouble').mkdir()
    (tmp_path / 'Rename_Images' / '.AppleDouble').mkdir()
    (tmp_path / 'Rename_Images' / 'dive').mkdir()
    logs = capture_logs(monkeypatch, layout_module)
    videos = scan_jhmdb(str(tmp_path))
    assert len(videos) == 1
    video = videos[0]
    # 00001-00003 and 00040 are present: length 40, 36 missing
    assert (video.name, video.class_name, video.label) == (CATCH, 'catch', 1)
    assert (video.num_frames, video.num_missing_frames) == (40, 36)
    assert video.joint_path is None and video.mask_path is None
    assert video.subset is None
    assert logs == [
        f'scan_jhmdb({tmp_path}): 1 videos; 2 hidden entries (.AppleDouble '
        '...) ignored; 1 folders that are not a JHMDB class; 36 missing '
        'frame files'
    ]
    first = cv2.imread(video.frame_path(0), cv2.IMREAD_UNCHANGED)
    last = cv2.imread(video.frame_path(39), cv2.IMREAD_UNCHANGED)
    assert first.shape == last.shape == (240, 320, 3)
    assert first.dtype == np.uint8
    assert video.frame_path(39).endswith('00040.png')
    with pytest.raises(IndexError, match='has 40 frames, no index 40'):
        video.frame_path(40)
    # The clip's video has 40 frames too, and its first frame is the PNG
    # up to compression.
    capture = cv2.VideoCapture(video_file)
    decoded = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        decoded.append(image)
    capture.release()
    assert len(decoded) == video.num_frames
    diff = np.abs(decoded[0].astype(int) - first.astype(int)).mean()
    assert diff < 4


def make_root(tmp_path: Path, frames_dir: str = 'Frames') -> Path:
    """A JHMDB root: 2 brush_hair clips with real joints, a catch clip with
    a written mask only, split 1 files for all classes."""
    root = tmp_path / 'jhmdb'
    for class_name, video, count in [(BRUSH, APRIL, 40), (BRUSH, ROUTINE, 40),
                                     ('catch', 'clip_c', 5)]:
        folder = root / frames_dir / class_name / video
        folder.mkdir(parents=True)
        for i in range(1, count + 1):
            (folder / f'{i:05d}.png').touch()
        (folder / '._00001.png').touch()  # ignored: not %05d.png
    for video in (APRIL, ROUTINE):
        folder = root / 'joint_positions' / BRUSH / video
        folder.mkdir(parents=True)
        os.symlink(real_joint_file(video), folder / 'joint_positions.mat')
        appledouble(folder / '.AppleDouble' / 'joint_positions.mat')
    mask = np.zeros((3, 240, 320), bool)
    mask[:, 100:140, 50:90] = True
    save_mask(root / 'puppet_mask' / 'catch' / 'clip_c' / 'puppet_mask.mat',
              mask)
    for class_name in JHMDB_CLASSES:
        write(root / 'splits' / f'{class_name}_test_split1.txt', '')
    write(root / 'splits' / 'brush_hair_test_split1.txt',
          f'{APRIL}.avi 1\n{ROUTINE}.avi 2\n')
    write(root / 'splits' / 'catch_test_split1.txt', 'clip_c.avi 2\n'
          'gone.avi 1\n')
    return root


def test_scan_layout_and_split(tmp_path, monkeypatch):
    root = make_root(tmp_path)
    logs = capture_logs(monkeypatch, layout_module)
    videos = scan_jhmdb(str(root), split=1)
    assert [(v.label, v.name, v.num_frames, v.subset) for v in videos] == [
        (0, APRIL, 40, 'train'), (0, ROUTINE, 40, 'test'),
        (1, 'clip_c', 5, 'test')
    ]
    assert all(v.num_missing_frames == 0 for v in videos)
    assert videos[0].frame_dir == str(root / 'Frames' / BRUSH / APRIL)
    assert videos[0].joint_path == str(root / 'joint_positions' / BRUSH /
                                       APRIL / 'joint_positions.mat')
    assert videos[0].mask_path is None and videos[2].joint_path is None
    assert videos[2].mask_path == str(root / 'puppet_mask' / 'catch' /
                                      'clip_c' / 'puppet_mask.mat')
    assert logs == [f'scan_jhmdb({root}): 3 videos; 1 split-file videos '
                    'without frames']


def test_scan_prefers_rename_images_and_needs_frames(tmp_path):
    root = make_root(tmp_path, 'Rename_Images')
    (root / 'Frames' / 'catch' / 'other').mkdir(parents=True)
    (root / 'Frames' / 'catch' / 'other' / '00001.png').touch()
    videos = scan_jhmdb(str(root))
    assert [v.name for v in videos] == [APRIL, ROUTINE, 'clip_c']
    assert videos[0].frame_dir.startswith(str(root / 'Rename_Images'))
    with pytest.raises(FileNotFoundError,
                       match='No JHMDB frame folder under .*Rename_Images or '
                       'Frames'):
        scan_jhmdb(str(tmp_path / 'nowhere'))


# ---------------------------------------------------------------------------
# Puppet masks and boxes
# ---------------------------------------------------------------------------


def test_read_puppet_mask_and_clamp(tmp_path):
    rng = np.random.default_rng(0)
    mask = rng.random((3, 240, 320)) < 0.1
    path = save_mask(tmp_path / 'puppet_mask.mat', mask)
    raw = scipy.io.loadmat(path)['part_mask']
    assert raw.shape == (240, 320, 3)
    read = read_puppet_mask(path)
    assert read.shape == (3, 240, 320) and read.dtype == bool
    np.testing.assert_array_equal(read, mask)
    assert read[2, 17, 300] == bool(raw[17, 300, 2])
    # fewer mask frames than the clip's 5 images: 2 clamped to the last
    aligned = mask_for_frames(read, 5)
    assert (aligned.num_clamped, aligned.num_dropped) == (2, 0)
    assert aligned.array.shape == (5, 240, 320)
    np.testing.assert_array_equal(aligned.array[:3], mask)
    np.testing.assert_array_equal(aligned.array[3], mask[2])
    np.testing.assert_array_equal(aligned.array[4], mask[2])
    aligned = mask_for_frames(read, 2)
    assert (aligned.num_clamped, aligned.num_dropped) == (0, 1)
    np.testing.assert_array_equal(aligned.array, mask[:2])
    assert mask_for_frames(read, 3).num_clamped == 0
    with pytest.raises(ValueError, match='to 0 image frames'):
        mask_for_frames(read, 0)
    # a one-frame mask is stored as H x W by MATLAB
    one = tmp_path / 'one.mat'
    scipy.io.savemat(str(one), {'part_mask': mask[0].astype(np.uint8)})
    np.testing.assert_array_equal(read_puppet_mask(str(one)), mask[:1])


def test_boxes_from_hand_made_mask():
    mask = np.zeros((4, 240, 320), np.uint8)
    mask[0, 10:20, 30:50] = 1  # rows 10..19, columns 30..49
    mask[1, 5, 7] = 3  # one pixel, any nonzero value
    mask[2, 239, 319] = 1  # the bottom-right pixel
    mask[2, 200, 100] = 1
    boxes, valid = boxes_from_mask(mask)  # frame 3 is empty
    np.testing.assert_array_equal(
        boxes, [[30, 10, 50, 20], [7, 5, 8, 6], [100, 200, 320, 240],
                [0, 0, 0, 0]])
    assert valid.tolist() == [True, True, True, False]
    assert boxes.dtype == np.float32


def test_detection_ground_truth_by_hand():
    mask = np.zeros((3, 240, 320), bool)
    mask[0, 10:20, 30:50] = True
    mask[2, 100:200, 60:61] = True  # frame 1 empty
    pos_img = np.zeros((2, 15, 2))
    pos_img[:, :, 0] = np.linspace(-10, 100, 15)  # x from -10 to 100
    pos_img[:, :, 1] = np.linspace(50, 300, 15)  # y from 50 to 300
    pos_img[1, :, 1] = 400  # frame 1 all below the frame: no joint box
    gt = detection_ground_truth(label=7, num_frames=5, mask=mask,
                                pos_img=pos_img)
    # frames 3 and 4 repeat the mask's last frame; frame 1's mask is empty
    # and its joints give no box inside the frame.
    assert gt.frame_inds.tolist() == [0, 2, 3, 4]
    np.testing.assert_array_equal(
        gt.boxes, [[30, 10, 50, 20], [60, 100, 61, 200], [60, 100, 61, 200],
                   [60, 100, 61, 200]])
    assert gt.labels.tolist() == [7] * 4 and gt.labels.dtype == np.int64
    assert not gt.from_joints.any()
    assert (gt.num_clamped, gt.num_dropped, gt.num_unboxed) == (2, 0, 1)
    # with usable joints in frame 1, its box comes from the joints
    pos_img[1, :, 1] = np.linspace(50, 300, 15)
    gt = detection_ground_truth(7, 5, mask, pos_img)
    assert gt.frame_inds.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(gt.boxes[1], [0, 50, 100, 240])
    assert gt.from_joints.tolist() == [False, True, False, False, False]
    # joints only: 2 joint frames for 3 images
    gt = detection_ground_truth(2, 3, pos_img=pos_img)
    np.testing.assert_array_equal(gt.boxes, [[0, 50, 100, 240]] * 3)
    assert gt.from_joints.all() and gt.num_clamped == 1
    with pytest.raises(ValueError, match='needs a puppet mask or joints'):
        detection_ground_truth(0, 3)
    with pytest.raises(ValueError, match=r'size \(240, 100\) \(H, W\) for '
                       r'frames of size \(240, 320\)'):
        detection_ground_truth(0, 3, mask=mask[:, :, :100])


def test_video_ground_truth_from_files(tmp_path, monkeypatch):
    root = make_root(tmp_path)
    april, routine, clip_c = scan_jhmdb(str(root))
    logs = capture_logs(monkeypatch, boxes_module)
    # clip_c: mask of 3 frames for 5 images, box rows 100..139 cols 50..89
    gt = video_ground_truth(clip_c)
    assert gt.frame_inds.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(gt.boxes, [[50, 100, 90, 140]] * 5)
    assert gt.labels.tolist() == [1] * 5
    assert gt.num_clamped == 2
    assert logs == ['JHMDB video clip_c (5 frames): 2 frames past the mask '
                    'given its last frame']
    # real joints, no mask: boxes are the clipped joint ranges
    logs.clear()
    gt = video_ground_truth(routine)
    joints = read_joint_positions(routine.joint_path).pos_img
    assert gt.frame_inds.tolist() == list(range(40))
    assert gt.from_joints.all() and gt.labels.tolist() == [0] * 40
    x, y = joints[0, :, 0], joints[0, :, 1]
    np.testing.assert_allclose(
        gt.boxes[0], [x.min(), max(y.min(), 0), x.max(), 240], rtol=1e-6)
    assert logs == []
    # a joint-less, mask-less clip is an error naming it
    bare = JhmdbVideo('v', 'run', 11, str(tmp_path), 3)
    with pytest.raises(ValueError, match="'v' \\(run\\) has neither"):
        video_ground_truth(bare)


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------


def test_read_split_file(tmp_path, monkeypatch):
    path = tmp_path / 'splits' / 'pour_test_split2.txt'
    path.parent.mkdir()
    path.write_bytes(b'a_pour_f_cm_np1_fr_med_0.avi 1 \r\n'
                     b'b_pour_u_nm_np1_ba_goo_1.avi 2\r\n\r\n'
                     b'  c_pour.avi  1\r\n')
    assert read_split_file(str(path)) == {
        'a_pour_f_cm_np1_fr_med_0': 'train',
        'b_pour_u_nm_np1_ba_goo_1': 'test',
        'c_pour': 'train'
    }
    logs = capture_logs(monkeypatch, splits_module)
    write(path, 'a.avi 1\nb.avi 0\nc.avi 2\n')
    assert read_split_file(str(path)) == {'a': 'train', 'c': 'test'}
    assert logs == [f'JHMDB split file {path}: left out 1 video(s) marked 0 '
                    '(not in this split)']


@pytest.mark.parametrize('text,lineno,got', [
    ('a.avi 1\nb.avi 3\n', 2, "'b.avi 3'"),
    ('a.avi 1\n\nb.avi\n', 3, "'b.avi'"),
    ('a.avi 1 2\n', 1, "'a.avi 1 2'"),
    ('a.avi train\n', 1, "'a.avi train'"),
])
def test_read_split_file_malformed(tmp_path, text, lineno, got):
    path = write(tmp_path / 'run_test_split1.txt', text)
    with pytest.raises(ValueError) as e:
        read_split_file(path)
    assert str(e.value) == (
        f'Malformed JHMDB split file {path!r}, line {lineno}: expected '
        f'"<video>.avi <1|2>", got {got}')


def test_read_split_file_duplicate_and_missing(tmp_path):
    path = write(tmp_path / 'run_test_split1.txt', 'a.avi 1\nb.avi 2\na 2\n')
    with pytest.raises(ValueError, match="line 3: video 'a' is already "
                       'listed on line 1'):
        read_split_file(path)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        read_split_file(str(tmp_path / 'nope.txt'))
    binary = tmp_path / 'bin.txt'
    binary.write_bytes(b'a.avi 1\n\xff\xfe')
    with pytest.raises(ValueError, match=r"bin.txt', line 2: not UTF-8"):
        read_split_file(str(binary))


def test_load_jhmdb_split(tmp_path, monkeypatch):
    for k in (1, 2, 3):
        for i, class_name in enumerate(JHMDB_CLASSES):
            lines = [f'{class_name}_v{j}.avi {1 + (i + j + k) % 2}'
                     for j in range(4)]
            write(tmp_path / 'splits' / f'{class_name}_test_split{k}.txt',
                  '\n'.join(lines) + '\n')
    split2 = load_jhmdb_split(str(tmp_path), split=2)
    assert len(split2) == 84
    assert split2[('brush_hair', 'brush_hair_v0')] == 'train'  # 1+(0+0+2)%2
    assert split2[('brush_hair', 'brush_hair_v1')] == 'test'
    assert split2[('catch', 'catch_v0')] == 'test'  # 1 + (1+0+2)%2
    assert sum(s == 'train' for s in split2.values()) == 42
    split3 = load_jhmdb_split(str(tmp_path), split=3)
    assert split3[('brush_hair', 'brush_hair_v0')] == 'test'
    assert jhmdb_split_path('r', 'golf', 3) == osp.join(
        'r', 'splits', 'golf_test_split3.txt')
    with pytest.raises(ValueError, match='must be 1, 2 or 3, got 4'):
        load_jhmdb_split(str(tmp_path), split=4)
    os.remove(tmp_path / 'splits' / 'wave_test_split1.txt')
    with pytest.raises(FileNotFoundError, match='wave_test_split1.txt'):
        load_jhmdb_split(str(tmp_path), split=1)
    # the same video under two classes
    write(tmp_path / 'splits' / 'wave_test_split1.txt', 'golf_v0.avi 1\n')
    with pytest.raises(ValueError, match="'golf_v0' is also listed for "
                       "class 'golf'"):
        load_jhmdb_split(str(tmp_path), split=1)


def test_load_jhmdb_sub_split(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError,
                       match=r'sub_splits/brush_hair_test_split_1\.txt'):
        load_jhmdb_split(str(tmp_path), split=1, sub_split=True)
    write(tmp_path / 'sub_splits' / 'golf_test_split_2.txt', 'g.avi 2\n')
    write(tmp_path / 'sub_splits' / 'run_test_split_2.txt', 'r.avi 1\n')
    # the full-split naming (no underscore) is not read as a sub-split
    write(tmp_path / 'sub_splits' / 'walk_test_split2.txt', 'w.avi 1\n')
    logs = capture_logs(monkeypatch, splits_module)
    subsets = load_jhmdb_split(str(tmp_path), split=2, sub_split=True)
    assert subsets == {('golf', 'g'): 'test', ('run', 'r'): 'train'}
    assert len(logs) == 1 and 'no file for 19 class(es)' in logs[0]


# ---------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------


def test_appledouble_and_other_bad_mat_files(tmp_path):
    fork = appledouble(tmp_path / BRUSH / APRIL / '.AppleDouble' /
                       'joint_positions.mat')
    assert osp.getsize(fork) == 741
    with pytest.raises(ValueError) as e:
        read_joint_positions(fork)
    assert str(e.value) == (
        f'{fork!r} is a macOS AppleDouble resource fork (741 bytes), not a '
        'MAT file: read the file of the same name outside .AppleDouble/')
    with pytest.raises(ValueError, match='AppleDouble resource fork'):
        read_puppet_mask(fork)
    text = write(tmp_path / 'joint_positions.mat', 'pos_img = [1 2 3]\n')
    with pytest.raises(ValueError, match=r"joint_positions.mat' is not a "
                       'MATLAB v5 MAT file'):
        read_joint_positions(text)
    v73 = tmp_path / 'v73.mat'
    v73.write_bytes(b'MATLAB 7.3 MAT-file'.ljust(124) + b'\x00\x02IM' +
                    bytes(64))
    with pytest.raises(ValueError, match=r'version 0x0200 \(0x0200 is '
                       r'MATLAB v7.3/HDF5\)'):
        read_puppet_mask(str(v73))
    with pytest.raises(FileNotFoundError, match="missing.mat' does not"):
        read_joint_positions(str(tmp_path / 'missing.mat'))
    # a valid MAT file without the expected variables
    other = tmp_path / 'other.mat'
    scipy.io.savemat(str(other), {'pos_img': np.zeros((2, 15, 4))})
    with pytest.raises(ValueError, match='has no variable\\(s\\) pos_world, '
                       'scale, viewpoint'):
        read_joint_positions(str(other))
    with pytest.raises(ValueError, match='no variable\\(s\\) part_mask'):
        read_puppet_mask(str(other))
    bad = tmp_path / 'bad.mat'
    scipy.io.savemat(
        str(bad), {
            'pos_img': np.zeros((2, 14, 4)),
            'pos_world': np.zeros((2, 14, 4)),
            'scale': np.ones((1, 4)),
            'viewpoint': 'E'
        })
    with pytest.raises(ValueError, match=r'pos_img has shape \(2, 14, 4\), '
                       r'expected \(2, 15, T\)'):
        read_joint_positions(str(bad))


@pytest.mark.parametrize('name,class_name,source', [
    ('April_09_brush_hair_u_nm_np1_ba_goo_0', 'brush_hair', 'April_09'),
    ('Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2', 'catch',
     'Goal_Keeping_Tips'),
    ('My_Hair_Routine_brush_hair_h_nm_np1_le_goo_0', 'brush_hair',
     'My_Hair_Routine'),
    # the action's words may also be in the title
    ('Catch_and_catch_catch_l_nm_np2_ri_bad_11', 'catch', 'Catch_and_catch'),
    ('synth_p03_wave_f_nm_np1_fr_goo_0', 'wave', 'synth_p03'),
    # not HMDB's grammar: no source
    ('clip_a', 'wave', None),
    ('April_09_brush_hair_u_nm_np1_ba_goo_0', 'catch', None),
    ('April_09_brush_hair_x_nm_np1_ba_goo_0', 'brush_hair', None),
    ('April_09_brush_hair_u_nm_np1_ba_goo', 'brush_hair', None),
])
def test_jhmdb_source_video(name, class_name, source):
    assert jhmdb_source_video(name, class_name) == source

