# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the NYUD2 readers (fsat.datasets.nyud2)."""
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import scipy.io

from fsat.datasets.nyud2 import (
    GUPTA_CROP_LEFT,
    GUPTA_CROP_SIZE,
    GUPTA_CROP_TOP,
    NYUD2_DET_CLASSES,
    NYUD2_DET_RAW_NAMES,
    NYUD2Labeled,
    boxes_from_instances,
    det_label_map,
    gupta_crop,
    gupta_image_index,
    gupta_image_name,
    read_gupta_rgbd,
    read_gupta_splits,
    read_nyud2_labeled,
    read_nyud2_splits,
)
from fsat.datasets.nyud2._files import mat_version
from fsat.testing import real_sample

# --- a small labeled file in MATLAB v7.3's layout ---------------------------
N, H, W = 3, 4, 6  # H != W: a wrong transpose changes the shape
NAMES = ['wall', 'night stand', '', 'garbage bin', 'table']


def _true_arrays():
    """Per-image arrays in (N, H, W[, 3]) orientation, every pixel unique."""
    n, y, x = np.meshgrid(np.arange(N), np.arange(H), np.arange(W),
                          indexing='ij')
    rgb = np.stack([n * 50 + y * W + x, 200 - (n * 50 + y * W + x),
                    np.full_like(n, 7)], axis=-1).astype(np.uint8)
    rgb[:, 0, 0] = (255, 0, 0)  # top-left marked red
    depth = (1 + n + y * 0.1 + x * 0.01).astype(np.float32)
    raw = depth.copy()
    raw[:, 0, 1] = 0  # missing
    labels = ((y * W + x) % 6).astype(np.uint16)
    instances = ((x + n) % 3).astype(np.uint8)
    return dict(rgb=rgb, depth=depth, raw_depth=raw, labels=labels,
                instances=instances)


def _ref_names():
    """'a', 'b', ..., 'z', 'ba', ... as MATLAB names '#refs#' members."""
    k = 0
    while True:
        s, i = '', k
        while True:
            s = chr(ord('a') + i % 26) + s
            i //= 26
            if i == 0:
                break
        yield s
        k += 1


def write_v73(path, arrays, names=NAMES, skip=()):
    """Write a file the way MATLAB's ``save -v7.3`` lays it out."""
    h5py = pytest.importorskip('h5py')
    matlab = {  # key -> (variable, MATLAB class, h5py axes)
        'rgb': ('images', 'uint8', (0, 3, 2, 1)),
        'depth': ('depths', 'single', (0, 2, 1)),
        'raw_depth': ('rawDepths', 'single', (0, 2, 1)),
        'labels': ('labels', 'uint16', (0, 2, 1)),
        'instances': ('instances', 'uint8', (0, 2, 1)),
    }
    with h5py.File(path, 'w', userblock_size=512) as f:
        for key, (var, cls, axes) in matlab.items():
            if var in skip:
                continue
            ds = f.create_dataset(var, data=arrays[key].transpose(axes))
            ds.attrs['MATLAB_class'] = np.bytes_(cls)
        refs = f.create_group('#refs#')
        ref_names = _ref_names()
        cell = []
        for name in names:
            if name:
                item = refs.create_dataset(
                    next(ref_names),
                    data=np.array([ord(c) for c in name],
                                  dtype=np.uint16).reshape(-1, 1))
                item.attrs['MATLAB_int_decode'] = np.int32(2)
            else:
                item = refs.create_dataset(next(ref_names),
                                           data=np.zeros(2, np.uint64))
                item.attrs['MATLAB_empty'] = np.uint8(1)
            item.attrs['MATLAB_class'] = np.bytes_('char')
            cell.append(item.ref)
        if 'names' not in skip:
            ds = f.create_dataset('names',
                                  data=np.array(cell, dtype=h5py.ref_dtype
                                                ).reshape(1, -1))
            ds.attrs['MATLAB_class'] = np.bytes_('cell')
    text = (b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: '
            b'Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .')
    header = text.ljust(116) + bytes(8) + (0x0200).to_bytes(2, 'little')
    with open(path, 'r+b') as f:
        f.write(header + b'IM')
    return path


@pytest.fixture
def labeled_file(tmp_path):
    arrays = _true_arrays()
    return write_v73(str(tmp_path / 'nyu_depth_v2_labeled.mat'),
                     arrays), arrays


def test_v73_emulation_is_recognised(labeled_file):
    path, _ = labeled_file
    assert mat_version(path, 'x') == 'v7.3'


def test_labeled_orientation_and_values(labeled_file):
    path, want = labeled_file
    with NYUD2Labeled(path) as reader:
        assert len(reader) == N
        assert reader.image_size == (H, W)
        rgb = reader.rgb(1)
        assert rgb.shape == (H, W, 3) and rgb.dtype == np.uint8
        assert rgb[0, 0].tolist() == [255, 0, 0]  # top-left stays top-left
        assert rgb[0, 1].tolist() == [51, 149, 7]  # n=1, y=0, x=1
        assert rgb[1, 0].tolist() == [56, 144, 7]  # n=1, y=1, x=0
        assert rgb[H - 1, W - 1].tolist() == [73, 127, 7]
        for i in range(N):
            sample = reader[i]
            assert sample['index'] == i
            for key in ('rgb', 'depth', 'raw_depth', 'labels', 'instances'):
                np.testing.assert_array_equal(sample[key], want[key][i])
        depth = reader.depth(2)
        assert depth.dtype == np.float32 and depth.shape == (H, W)
        assert depth[3, 5] == pytest.approx(1 + 2 + 0.3 + 0.05)
        assert reader.raw_depth(0)[0, 1] == 0
        assert reader.labels(0).dtype == np.uint16
        assert reader.instances(0).dtype == np.uint8
        assert reader.names == NAMES
        with pytest.raises(IndexError, match='outside 0..2'):
            reader.rgb(3)


def test_read_nyud2_labeled_indices(labeled_file):
    path, want = labeled_file
    out = read_nyud2_labeled(path, indices=[2, 0], keys=('rgb', 'labels'))
    assert out['rgb'].shape == (2, H, W, 3)
    np.testing.assert_array_equal(out['rgb'], want['rgb'][[2, 0]])
    np.testing.assert_array_equal(out['labels'], want['labels'][[2, 0]])
    assert out['indices'].tolist() == [2, 0]
    assert out['names'] == NAMES
    assert 'depth' not in out
    full = read_nyud2_labeled(path)
    assert full['depth'].shape == (N, H, W)
    np.testing.assert_array_equal(full['raw_depth'], want['raw_depth'])


def test_labeled_missing_key(tmp_path):
    path = write_v73(str(tmp_path / 'nyu.mat'), _true_arrays(),
                     skip=('rawDepths', ))
    with NYUD2Labeled(path) as reader:
        assert reader.depth(0).shape == (H, W)  # present keys still read
        with pytest.raises(ValueError) as err:
            reader.raw_depth(0)
    assert "has no 'rawDepths' variable" in str(err.value)
    assert path in str(err.value)
    with pytest.raises(ValueError, match="no 'rawDepths'"):
        read_nyud2_labeled(path, keys=('raw_depth', ))
    path = write_v73(str(tmp_path / 'nonames.mat'), _true_arrays(),
                     skip=('names', ))
    with NYUD2Labeled(path) as reader, pytest.raises(ValueError,
                                                     match="no 'names'"):
        reader.names


def test_labeled_rejects_non_hdf5(tmp_path):
    v5 = real_sample('nyud2', 'splits', 'splits.mat')
    with pytest.raises(ValueError, match='MATLAB v5 MAT-file') as err:
        NYUD2Labeled(v5)
    assert 'v7.3' in str(err.value) and v5 in str(err.value)
    text = tmp_path / 'labeled.mat'
    text.write_text('not a mat file')
    with pytest.raises(ValueError, match='neither a MAT-file nor HDF5'):
        NYUD2Labeled(str(text))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        NYUD2Labeled(str(tmp_path / 'missing.mat'))


def test_labeled_rejects_wrong_layout(tmp_path):
    h5py = pytest.importorskip('h5py')
    path = str(tmp_path / 'bad.mat')
    with h5py.File(path, 'w') as f:
        f.create_dataset('images', data=np.zeros((2, 4, 6, 3), np.uint8))
    with NYUD2Labeled(path) as reader, pytest.raises(
            ValueError, match=r'expected \(N, 3, W, H\)'):
        reader.rgb(0)


# --- splits -----------------------------------------------------------------
def test_real_splits():
    path = real_sample('nyud2', 'splits', 'splits.mat')
    sets = read_nyud2_splits(path)
    train, test = sets['train'], sets['test']
    assert train.dtype == np.int64 and test.dtype == np.int64
    assert (train.size, test.size) == (795, 654)
    # values printed with scipy.io.loadmat(...)['trainNdxs'] - 1
    assert train[:5].tolist() == [2, 3, 4, 5, 6]
    assert (train[100], train[-1]) == (162, 1439)
    assert test[:5].tolist() == [0, 1, 8, 13, 14]
    assert (test[100], test[-1]) == (219, 1448)
    assert (train.min(), train.max(), test.min(), test.max()) == (2, 1439, 0,
                                                                  1448)
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(1449))


def _savemat(path, **variables):
    scipy.io.savemat(str(path), variables)
    return str(path)


def test_splits_bad_input(tmp_path):
    col = lambda *v: np.array(v, np.uint16).reshape(-1, 1)  # noqa: E731
    bad = _savemat(tmp_path / 'range.mat', trainNdxs=col(1, 1450),
                   testNdxs=col(2))
    with pytest.raises(ValueError, match='outside 1..1449, e.g. 1450') as e:
        read_nyud2_splits(bad)
    assert bad in str(e.value) and 'trainNdxs' in str(e.value)
    zero = _savemat(tmp_path / 'zero.mat', trainNdxs=col(1),
                    testNdxs=col(0))
    with pytest.raises(ValueError, match="'testNdxs'.*e.g. 0"):
        read_nyud2_splits(zero)
    both = _savemat(tmp_path / 'both.mat', trainNdxs=col(1, 5),
                    testNdxs=col(5))
    with pytest.raises(ValueError, match='share 1 image.*0-based 4'):
        read_nyud2_splits(both)
    missing = _savemat(tmp_path / 'missing.mat', trainNdxs=col(1))
    with pytest.raises(ValueError, match="no variable 'testNdxs'"):
        read_nyud2_splits(missing)
    ok = _savemat(tmp_path / 'ok.mat', trainNdxs=col(3, 1),
                  testNdxs=np.array([[2.0, 4.0]]))  # doubles, a row
    sets = read_nyud2_splits(ok, num_images=4)
    assert sets['train'].tolist() == [2, 0]
    assert sets['test'].tolist() == [1, 3]


def test_splits_reject_v73(labeled_file):
    path, _ = labeled_file
    with pytest.raises(ValueError, match='MATLAB v7.3 .*must be a MATLAB v5'):
        read_nyud2_splits(path)


def test_gupta_splits(tmp_path):
    path = _savemat(tmp_path / 'nyusplits.mat',
                    train=np.array([[5001], [5004]]),
                    val=np.array([[5002]]),
                    test=np.array([[6449], [5003]]),
                    trainval=np.array([[1]]))  # ignored, as getImageSet.m
    sets = read_gupta_splits(path)
    assert sets['train'].tolist() == [0, 3]
    assert sets['val'].tolist() == [1]
    assert sets['test'].tolist() == [1448, 2]
    assert sets['trainval'].tolist() == [0, 1, 3]
    bad = _savemat(tmp_path / 'bad.mat', train=np.array([[5000]]),
                   val=np.array([[5002]]), test=np.array([[5003]]))
    with pytest.raises(ValueError, match="'train'.*outside 5001..6449"):
        read_gupta_splits(bad)
    overlap = _savemat(tmp_path / 'overlap.mat', train=np.array([[5001]]),
                       val=np.array([[5001]]), test=np.array([[5003]]))
    with pytest.raises(ValueError, match='train and val share'):
        read_gupta_splits(overlap)


# --- detection classes and boxes --------------------------------------------
def test_det_classes():
    assert len(NYUD2_DET_CLASSES) == 19
    assert tuple(NYUD2_DET_RAW_NAMES) == NYUD2_DET_CLASSES
    assert NYUD2_DET_RAW_NAMES['garbage-bin'] == ('garbage bin', )
    assert NYUD2_DET_RAW_NAMES['night-stand'] == ('night stand', )
    names = ['wall', 'night stand', 'Table', 'table', 'garbage bin']
    lookup = det_label_map(names, strict=False)
    # label ids 0..5: unlabeled, wall, night stand, Table (no case
    # folding), table, garbage bin
    assert lookup.tolist() == [-1, -1, 12, -1, 16, 9]
    with pytest.raises(ValueError, match="not among the 5 NYUD2 names, "
                       "e.g. 'bathtub'"):
        det_label_map(names)
    all_raw = [r for raws in NYUD2_DET_RAW_NAMES.values() for r in raws]
    assert det_label_map(all_raw)[1:].tolist() == list(range(19))


def _hand_example():
    """Labels and instances of 6x8 pixels, with their hand-computed boxes.

    Names: 1 wall (no class), 2 chair, 3 table, 4 night stand, 5 lamp.
    """
    labels = np.array([
        [0, 0, 2, 2, 2, 0, 0, 0],
        [0, 0, 2, 2, 2, 0, 3, 3],
        [1, 1, 0, 0, 0, 0, 3, 3],
        [1, 1, 0, 2, 0, 0, 0, 0],
        [0, 0, 2, 2, 0, 5, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
    ], np.uint16)
    instances = np.array([
        [0, 0, 1, 1, 1, 0, 0, 0],
        [0, 0, 1, 1, 1, 0, 1, 1],
        [1, 1, 0, 0, 0, 0, 1, 1],
        [1, 1, 0, 2, 0, 0, 0, 0],
        [0, 0, 2, 2, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0],
    ], np.uint8)
    names = ['wall', 'chair', 'table', 'night stand', 'lamp']
    # (label, instance): box (x1, y1, x2, y2 exclusive), area, class
    expected = [
        ((2, 1), (2, 0, 5, 2), 6, NYUD2_DET_CLASSES.index('chair')),
        ((2, 2), (2, 3, 4, 5), 3, NYUD2_DET_CLASSES.index('chair')),
        ((3, 1), (6, 1, 8, 3), 4, NYUD2_DET_CLASSES.index('table')),
        ((5, 1), (5, 4, 6, 5), 1, NYUD2_DET_CLASSES.index('lamp')),
    ]
    return labels, instances, names, expected


def test_boxes_from_instances_hand_example():
    labels, instances, names, expected = _hand_example()
    out = boxes_from_instances(labels, instances, names, strict=False)
    assert out.num_dropped == 0
    assert out.boxes.dtype == np.float32
    np.testing.assert_array_equal(out.boxes, [e[1] for e in expected])
    assert out.areas.tolist() == [e[2] for e in expected]
    assert out.class_ids.tolist() == [e[3] for e in expected]
    assert out.class_ids.tolist() == [4, 4, 16, 10]
    assert out.label_ids.tolist() == [e[0][0] for e in expected]
    assert out.instance_ids.tolist() == [e[0][1] for e in expected]
    # min_area drops and counts: area 1 (lamp), then also area 3
    out = boxes_from_instances(labels, instances, names, min_area=2,
                               strict=False)
    assert out.num_dropped == 1 and out.label_ids.tolist() == [2, 2, 3]
    out = boxes_from_instances(labels, instances, names, min_area=4,
                               strict=False)
    assert out.num_dropped == 2
    np.testing.assert_array_equal(out.boxes, [[2, 0, 5, 2], [6, 1, 8, 3]])
    # a custom mapping: wall as the only class
    out = boxes_from_instances(labels, instances, names,
                               classes={'wall': ('wall', )})
    np.testing.assert_array_equal(out.boxes, [[0, 2, 2, 4]])
    assert out.class_ids.tolist() == [0] and out.areas.tolist() == [4]


def test_boxes_from_instances_bad_input():
    labels, instances, names, _ = _hand_example()
    with pytest.raises(ValueError, match='beyond the 4 names'):
        boxes_from_instances(labels, instances, names[:4], strict=False)
    with pytest.raises(ValueError, match='one shape'):
        boxes_from_instances(labels, instances[:, :4], names, strict=False)
    with pytest.raises(ValueError, match='not among'):
        boxes_from_instances(labels, instances, names)  # strict
    empty = boxes_from_instances(np.zeros((3, 3), np.uint16),
                                 np.zeros((3, 3), np.uint8), names,
                                 strict=False)
    assert empty.boxes.shape == (0, 4) and empty.num_dropped == 0


def test_boxes_from_labeled_file(labeled_file):
    path, want = labeled_file
    with NYUD2Labeled(path) as reader:
        out = boxes_from_instances(reader.labels(0), reader.instances(0),
                                   reader.names, strict=False)
    # image 0: label (y*6+x) % 6 = x, instance x % 3, so label 2 = column 2
    # (night stand, instance 2), 4 = garbage bin (col 4, inst 1), 5 = table
    # (col 5, inst 2); label 1 (wall) and 3 ('') are not classes.
    np.testing.assert_array_equal(
        out.boxes, [[2, 0, 3, 4], [4, 0, 5, 4], [5, 0, 6, 4]])
    assert out.class_ids.tolist() == [12, 9, 16]
    assert out.instance_ids.tolist() == [2, 1, 2]


# --- Gupta's layout ---------------------------------------------------------
def test_gupta_names():
    assert gupta_image_name(0) == 'img_5001'
    assert gupta_image_name(1448) == 'img_6449'
    assert gupta_image_index('img_6449.png') == 1448
    assert gupta_image_index('/data/images/img_5001') == 0
    with pytest.raises(ValueError, match='outside 0..1448'):
        gupta_image_name(1449)
    with pytest.raises(ValueError, match='not a Gupta NYUD2 image name'):
        gupta_image_index('img_5000.png')


def test_read_gupta_demo():
    folder = osp.dirname(
        real_sample('nyud2', 'rcnn-depth_demo-data', 'depth.png'))
    out = read_gupta_rgbd(folder)
    rgb, depth, raw = out['rgb'], out['depth_mm'], out['raw_depth_mm']
    assert rgb.shape == (425, 560, 3) and rgb.dtype == np.uint8
    assert depth.shape == raw.shape == (425, 560)
    assert depth.dtype == raw.dtype == np.uint16
    assert out['name'] is None
    # values read with PIL (RGB order) from the real files
    assert rgb[0, 0].tolist() == [103, 98, 104]
    assert rgb[-1, -1].tolist() == [249, 252, 251]
    assert rgb[200, 300].tolist() == [24, 3, 8]
    assert (depth[0, 0], depth[-1, -1], depth[200, 300]) == (5734, 1998,
                                                            2612)
    assert (depth.min(), depth.max()) == (1923, 9484)
    assert int(np.count_nonzero(raw == 0)) == 39646
    assert (raw[0, 0], raw[200, 300]) == (0, 2612)


def test_read_gupta_folder_layout(tmp_path):
    src = osp.dirname(real_sample('nyud2', 'rcnn-depth_demo-data',
                                  'depth.png'))
    for stem in ('images', 'depth', 'rawdepth'):
        (tmp_path / stem).mkdir()
        shutil.copy(osp.join(src, f'{stem}.png'),
                    tmp_path / stem / 'img_5002.png')
    demo = read_gupta_rgbd(src)
    for name in (1, 'img_5002', 'img_5002.png'):
        out = read_gupta_rgbd(str(tmp_path), name)
        assert out['name'] == 'img_5002'
        for key in ('rgb', 'depth_mm', 'raw_depth_mm'):
            np.testing.assert_array_equal(out[key], demo[key])
    with pytest.raises(FileNotFoundError, match='img_5003.png'):
        read_gupta_rgbd(str(tmp_path), 2)


def test_read_gupta_bad_png(tmp_path):
    src = osp.dirname(real_sample('nyud2', 'rcnn-depth_demo-data',
                                  'depth.png'))
    shutil.copy(osp.join(src, 'images.png'), tmp_path / 'images.png')
    shutil.copy(osp.join(src, 'rawdepth.png'), tmp_path / 'rawdepth.png')
    depth8 = str(tmp_path / 'depth.png')
    cv2.imwrite(depth8, np.full(GUPTA_CROP_SIZE, 20, np.uint8))
    with pytest.raises(ValueError, match='is uint8, expected uint16') as e:
        read_gupta_rgbd(str(tmp_path))
    assert depth8 in str(e.value)
    # an uncropped 480x640 depth is not Gupta's layout
    shutil.copy(real_sample('nyud2', 'Depth2HHA-python_demo', '0.png'),
                depth8)
    with pytest.raises(ValueError, match='is 480x640, expected 425x560'):
        read_gupta_rgbd(str(tmp_path))


def test_gupta_crop_on_real_frame():
    full = cv2.imread(real_sample('nyud2', 'Depth2HHA-python_demo', '0.png'),
                      cv2.IMREAD_UNCHANGED)
    raw = cv2.imread(
        real_sample('nyud2', 'Depth2HHA-python_demo', '0_raw.png'),
        cv2.IMREAD_UNCHANGED)
    crop = gupta_crop(full)
    assert crop.shape == GUPTA_CROP_SIZE
    assert (GUPTA_CROP_TOP, GUPTA_CROP_LEFT) == (45, 40)
    assert crop[0, 0] == full[45, 40] and crop[-1, -1] == full[469, 599]
    # the crop starts where image 0's raw depth becomes valid
    missing = raw == 0
    assert missing[:41].all() and missing[:, :35].all()
    assert missing[44].mean() > 0.25 and missing[45].mean() < 0.12
    assert missing[:, 39].mean() > 0.4 and missing[:, 40].mean() < 0.12
    with pytest.raises(ValueError, match='takes a 480x640 image'):
        gupta_crop(crop)
