# Copyright (c) fsat contributors. All rights reserved.
"""Tests of PairedImageFolderDataset on tiny image folders written here:
matching, skipping, ann_file, bad files, the detection pipeline and HHA
read exactly as NYUD2DetectionDataset reads its ``hha_root``."""
import logging
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from fsat.datasets import (
    NYUD2DetectionDataset,
    PairedImageFolderDataset,
    paired_images,
)
from fsat.datasets.hha import write_hha_png
from fsat.datasets.synthetic.indoor_writer import (
    LabeledMatWriter,
    write_splits_mat,
)
from fsat.registry import DATASETS, TRANSFORMS

H, W = 6, 8


def _pixels(seed, channels=3, size=(H, W), dtype=np.uint8):
    """A deterministic image (RGB order when 3 channels)."""
    rng = np.random.default_rng(seed)
    shape = size + ((channels, ) if channels > 1 else ())
    return rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype)


def _write(path, rgb):
    """Write an RGB (or grey) array with OpenCV (which stores BGR)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    bgr = rgb[..., ::-1] if rgb.ndim == 3 else rgb
    assert cv2.imwrite(str(path), np.ascontiguousarray(bgr))


def one_line(excinfo):
    text = str(excinfo.value)
    assert '\n' not in text
    return text


@pytest.fixture
def logged(monkeypatch):
    """The print_log calls of the dataset module: (message, level)."""
    calls = []
    monkeypatch.setattr(
        paired_images, 'print_log',
        lambda msg, **kwargs: calls.append((msg, kwargs.get('level'))))
    return calls


@pytest.fixture
def root(tmp_path):
    """rgb/hha pairs: nested folders, PNG and JPEG, upper-case suffix."""
    root = tmp_path / 'data'
    pairs = {  # id: (rgb file, hha file)
        'b/frame2': ('b/frame2.png', 'b/frame2.png'),
        'a/frame1': ('a/frame1.jpg', 'a/frame1.png'),
        'a/deep/x': ('a/deep/x.PNG', 'a/deep/x.png'),
        'top': ('top.png', 'top.jpeg'),
    }
    for k, (rgb, hha) in enumerate(pairs.values()):
        _write(str(root / 'rgb' / rgb), _pixels(2 * k))
        _write(str(root / 'hha' / hha), _pixels(2 * k + 1))
    # ignored: another suffix, a hidden temporary file, a hidden folder
    (root / 'rgb' / 'a' / 'notes.txt').write_text('not an image')
    _write(str(root / 'hha' / 'a' / '.frame9.123.png'), _pixels(9))
    _write(str(root / 'hha' / '.cache' / 'top.png'), _pixels(9))
    return str(root)


def test_matching_nested_folders_and_mixed_suffixes(root, logged):
    ds = PairedImageFolderDataset(data_root=root)
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == [
        'a/deep/x', 'a/frame1', 'b/frame2', 'top'
    ]
    assert ds.num_skipped == 0 and not logged
    assert ds.metainfo['classes'] == ()
    item = ds[3]  # 'top': rgb top.png (pair 3), hha top.jpeg
    assert item['modalities'] == ('rgb', 'hha') and 'img' not in item
    assert list(item['imgs']) == ['rgb', 'hha']
    np.testing.assert_array_equal(item['imgs']['rgb'], _pixels(6))
    assert item['imgs']['hha'].shape == (H, W, 3)  # lossy JPEG
    assert item['imgs']['hha'].dtype == np.uint8
    assert item['paths'] == dict(rgb=osp.join(root, 'rgb', 'top.png'),
                                 hha=osp.join(root, 'hha', 'top.jpeg'))
    assert item['ori_shape'] == item['img_shape'] == (H, W)
    assert item['scale_factor'] == (1., 1.)
    assert item['gt_bboxes'].shape == (0, 4)
    assert item['gt_bboxes'].dtype == np.float32
    assert item['gt_labels'].shape == (0, )
    assert item['gt_labels'].dtype == np.int64
    assert item['gt_difficult'].shape == (0, )
    assert item['gt_difficult'].dtype == np.bool_
    deep = ds[0]  # 'a/deep/x.PNG' (pair 2) found despite the upper case
    np.testing.assert_array_equal(deep['imgs']['rgb'], _pixels(4))
    np.testing.assert_array_equal(deep['imgs']['hha'], _pixels(5))
    # one modality gives 'img'; a sequence of names are the subfolders
    only = DATASETS.build(dict(type='PairedImageFolderDataset',
                               data_root=root, modalities=['hha']))
    assert len(only) == 4 and 'imgs' not in only[2]
    np.testing.assert_array_equal(only[2]['img'], _pixels(1))  # b/frame2
    # other subfolder names
    os.rename(osp.join(root, 'hha'), osp.join(root, 'HHA_png'))
    renamed = PairedImageFolderDataset(
        data_root=root, modalities=dict(rgb='rgb', hha='HHA_png'))
    assert len(renamed) == 4


def test_grey_images_have_one_channel(tmp_path):
    grey = _pixels(0, channels=1)
    _write(str(tmp_path / 'd' / 'f.png'), grey)
    _write(str(tmp_path / 'rgb' / 'f.png'), _pixels(1))
    ds = PairedImageFolderDataset(str(tmp_path), dict(rgb='rgb', d='d'))
    assert ds[0]['imgs']['d'].shape == (H, W, 1)
    np.testing.assert_array_equal(ds[0]['imgs']['d'][..., 0], grey)


def test_missing_partner_skipped_and_logged(root, logged):
    _write(osp.join(root, 'rgb', 'b', 'only_rgb.png'), _pixels(20))
    _write(osp.join(root, 'hha', 'only_hha.png'), _pixels(21))
    ds = PairedImageFolderDataset(data_root=root)
    assert len(ds) == 4 and ds.num_skipped == 2
    assert 'b/only_rgb' not in [d['img_id'] for d in ds]
    assert len(logged) == 1
    message, level = logged[0]
    assert level == logging.WARNING and isinstance(level, int)
    assert 'skipped 2 of 6 ids' in message
    assert 'hha: 1' in message and 'rgb: 1' in message
    assert "'b/only_rgb'" in message and "'only_hha'" in message
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=root, strict=True)
    msg = one_line(e)
    assert repr(osp.join(root, 'hha')) in msg  # folder lacking the file
    assert "'b/only_rgb'" in msg and '2 of 6 ids' in msg


def test_ann_file_orders_and_checks_ids(root, logged):
    _write(osp.join(root, 'rgb', 'unpaired.png'), _pixels(20))
    with open(osp.join(root, 'ids.txt'), 'w') as f:
        f.write('top\n\n  a/frame1  \nb/frame2\n')
    ds = PairedImageFolderDataset(data_root=root, ann_file='ids.txt')
    assert [d['img_id'] for d in ds] == ['top', 'a/frame1', 'b/frame2']
    assert not logged  # the unpaired id is not listed: nothing to skip
    np.testing.assert_array_equal(ds[1]['imgs']['hha'], _pixels(3))
    with open(osp.join(root, 'ids.txt'), 'a') as f:
        f.write('a/frame1\n')
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=root, ann_file='ids.txt')
    assert 'line 5' in one_line(e) and 'repeats line 3' in one_line(e)
    with open(osp.join(root, 'ids.txt'), 'w') as f:
        f.write('top\nunpaired\n')
    with pytest.raises(FileNotFoundError) as e:
        PairedImageFolderDataset(data_root=root, ann_file='ids.txt')
    msg = one_line(e)
    assert repr(osp.join(root, 'ids.txt')) in msg and 'line 2' in msg
    assert repr(osp.join(root, 'hha', 'unpaired')) in msg
    with pytest.raises(FileNotFoundError) as e:
        PairedImageFolderDataset(data_root=root, ann_file='nope.txt')
    assert 'nope.txt' in one_line(e)


def test_folder_errors(root, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        PairedImageFolderDataset(data_root=root,
                                 modalities=dict(rgb='rgb', hha='HHA'))
    assert repr(osp.join(root, 'HHA')) in one_line(e)
    _write(osp.join(root, 'hha', 'a', 'frame1.jpg'), _pixels(30))
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=root)
    msg = one_line(e)
    assert repr(osp.join(root, 'hha', 'a', 'frame1.jpg')) in msg
    assert repr(osp.join(root, 'hha', 'a', 'frame1.png')) in msg
    empty = tmp_path / 'empty'
    (empty / 'rgb').mkdir(parents=True)
    (empty / 'hha').mkdir()
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=str(empty))
    msg = one_line(e)
    assert repr(str(empty)) in msg and osp.join(str(empty), 'hha') in msg
    _write(str(empty / 'rgb' / 'x.png'), _pixels(0))
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=str(empty))
    assert 'none paired' in one_line(e)
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=root, modalities={})
    assert 'modalities' in one_line(e)
    with pytest.raises(ValueError) as e:
        PairedImageFolderDataset(data_root=root, suffixes=('png', ))
    assert 'suffixes' in one_line(e)


def test_shape_mismatch(root):
    _write(osp.join(root, 'hha', 'b', 'frame2.png'),
           _pixels(0, size=(H, W + 1)))
    ds = PairedImageFolderDataset(data_root=root)
    with pytest.raises(ValueError) as e:
        ds[2]
    msg = one_line(e)
    assert repr(osp.join(root, 'rgb', 'b', 'frame2.png')) in msg
    assert repr(osp.join(root, 'hha', 'b', 'frame2.png')) in msg
    assert f'({H}, {W})' in msg and f'({H}, {W + 1})' in msg


def test_16_bit_and_unreadable_files(root):
    path = osp.join(root, 'hha', 'b', 'frame2.png')
    assert cv2.imwrite(path, _pixels(0, channels=1, dtype=np.uint16))
    ds = PairedImageFolderDataset(data_root=root)
    with pytest.raises(ValueError) as e:
        ds[2]
    assert repr(path) in one_line(e) and 'uint16' in one_line(e)
    # a truncated PNG: OpenCV cannot decode it
    data = open(osp.join(root, 'rgb', 'top.png'), 'rb').read()
    with open(osp.join(root, 'rgb', 'top.png'), 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError) as e:
        ds[3]
    assert repr(osp.join(root, 'rgb', 'top.png')) in one_line(e)
    assert 'could not be decoded' in one_line(e)
    # a truncated JPEG: OpenCV decodes it silently, the dataset refuses
    jpeg = osp.join(root, 'hha', 'top.jpeg')
    _write(jpeg, _pixels(0, size=(32, 32)))
    data = open(jpeg, 'rb').read()
    with open(jpeg, 'wb') as f:
        f.write(data[:-2])
    assert cv2.imread(jpeg, cv2.IMREAD_UNCHANGED) is not None
    with pytest.raises(ValueError) as e:
        paired_images.read_8bit_image(jpeg)
    assert repr(jpeg) in one_line(e) and 'truncated JPEG' in one_line(e)


def test_items_through_the_detection_pipeline(root):
    pipeline = [
        TRANSFORMS.build(dict(type='Det2DResize', short_side=3)),
        TRANSFORMS.build(dict(type='Det2DRandomFlip', prob=1.0)),
        TRANSFORMS.build(dict(type='PackDet2DInputs')),
    ]
    ds = PairedImageFolderDataset(data_root=root, pipeline=pipeline)
    out = ds[1]  # 'a/frame1'
    # shorter side 6 -> 3: factor 0.5, 8 -> 4
    assert set(out['inputs']) == {'rgb', 'hha'}
    for m in ('rgb', 'hha'):
        assert out['inputs'][m].shape == (3, 3, 4)
        assert out['inputs'][m].dtype == torch.uint8
    sample = out['data_samples']
    assert sample.img_id == 'a/frame1'
    assert sample.ori_shape == (H, W) and sample.img_shape == (3, 4)
    assert sample.scale_factor == (0.5, 0.5) and sample.flip
    assert sample.gt_instances.bboxes.shape == (0, 4)
    assert sample.gt_instances.labels.shape == (0, )
    assert sample.gt_instances.difficult.shape == (0, )
    # the hha tensor is the hand-made array resized, flipped and transposed
    want = cv2.resize(_pixels(3), (4, 3), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(
        out['inputs']['hha'].numpy(),
        want[:, ::-1].transpose(2, 0, 1))


def test_hha_read_as_nyud2_detection_reads_it(tmp_path):
    """A hand-built HHA array written by write_hha_png: the same pixels
    here as in NYUD2DetectionDataset(hha_root=...) and as built."""
    size = (12, 16)
    hha = np.zeros(size + (3, ), np.uint8)
    hha[..., 0] = np.arange(16, dtype=np.uint8)[None] * 10  # disparity
    hha[..., 1] = np.arange(12, dtype=np.uint8)[:, None] * 20  # height
    hha[3:5, 2:9, 2] = 200  # angle
    hha[0, 0] = (1, 2, 3)
    # a two-image NYUD2-layout labeled file (image 0 trains) and HHA
    image = dict(rgb=_pixels(0, size=size),
                 depth=np.full(size, 2.0, np.float32),
                 raw_depth=np.full(size, 2.0, np.float32),
                 labels=np.ones(size, np.uint16),
                 instances=np.ones(size, np.uint8))
    with LabeledMatWriter(str(tmp_path / 'nyu_depth_v2_labeled.mat'), 2,
                          ['wall'], image_size=size) as writer:
        writer.write(0, image)
        writer.write(1, image)
    write_splits_mat(str(tmp_path / 'splits.mat'), (0, ), (1, ))
    write_hha_png(str(tmp_path / 'hha' / '0000.png'), hha)
    _write(str(tmp_path / 'rgb' / '0000.png'), image['rgb'])
    nyud2 = NYUD2DetectionDataset(data_root=str(tmp_path), hha_root='hha',
                                  modalities=('rgb', 'hha'),
                                  strict_names=False)
    ours = PairedImageFolderDataset(data_root=str(tmp_path))
    assert ours[0]['img_id'] == nyud2[0]['img_id'] == '0000'
    np.testing.assert_array_equal(ours[0]['imgs']['hha'], hha)
    np.testing.assert_array_equal(ours[0]['imgs']['hha'],
                                  nyud2[0]['imgs']['hha'])
    np.testing.assert_array_equal(ours[0]['imgs']['rgb'],
                                  nyud2[0]['imgs']['rgb'])
