# Copyright (c) fsat contributors. All rights reserved.
"""Tests of NYUD2DetectionDataset on small labeled files written in the
real v7.3 layout (hand-made maps with hand-computed boxes), and on the
synthetic NYUD2-format world, with HHA on the fly and precomputed."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

from fsat.datasets import NYUD2DetectionDataset
from fsat.datasets.hha import (
    GUPTA_CROP,
    NYU_COLOR_CAMERA,
    crop_camera_matrix,
    depth_to_hha,
)
from fsat.datasets.nyud2 import NYUD2_DET_CLASSES
from fsat.datasets.synthetic import (
    INDOOR_CLASSES,
    generate_nyud2_world,
    get_indoor_preset,
)
from fsat.datasets.synthetic.indoor_writer import (
    LabeledMatWriter,
    write_splits_mat,
)
from fsat.registry import DATASETS, TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = ['wall', 'chair', 'table', 'lamp', 'floor']  # label ids 1..5
CHAIR, TABLE, LAMP = (NYUD2_DET_CLASSES.index(c)
                      for c in ('chair', 'table', 'lamp'))
H, W = 48, 64


def _image(i, size=(H, W)):
    """One image: wall, floor, chair 1 and 2, a table and (but image 2) a
    2-pixel lamp."""
    h, w = size
    rows = np.arange(h, dtype=np.float32)[:, None]
    depth = np.broadcast_to(2.0 + 0.02 * rows + 0.1 * i, size).astype(
        np.float32) + np.zeros(size, np.float32)
    labels = np.ones(size, np.uint16)
    labels[h // 2:] = 5
    instances = np.ones(size, np.uint8)
    labels[10:20, 5:15], instances[10:20, 5:15] = 2, 1  # chair 1
    labels[30:40, 40:50], instances[30:40, 40:50] = 2, 2  # chair 2
    labels[5:8, 30:60], instances[5:8, 30:60] = 3, 1  # table
    if i != 2:
        labels[44, 0:2], instances[44, 0:2] = 4, 1  # lamp, 2 pixels
    raw = depth.copy()
    raw[:3] = 0
    rgb = np.zeros(size + (3, ), np.uint8)
    rgb[..., 0] = i
    rgb[..., 1] = (np.arange(w) % 256).astype(np.uint8)[None, :]
    return dict(rgb=rgb, depth=depth, raw_depth=raw, labels=labels,
                instances=instances)


def _write(root, n=3, size=(H, W), train=(0, 2), test=(1, )):
    with LabeledMatWriter(osp.join(root, 'nyu_depth_v2_labeled.mat'), n,
                          NAMES, image_size=size) as writer:
        for i in range(n):
            writer.write(i, _image(i, size))
    write_splits_mat(osp.join(root, 'splits.mat'), train, test)
    return str(root)


@pytest.fixture
def root(tmp_path):
    return _write(tmp_path)


def _dataset(root, **kwargs):
    kwargs.setdefault('strict_names', False)  # NAMES lacks most classes
    return NYUD2DetectionDataset(data_root=root, **kwargs)


def test_items_of_one_modality(root):
    ds = _dataset(root)
    assert len(ds) == 2 and ds.metainfo['classes'] == NYUD2_DET_CLASSES
    assert ds[1]['img_id'] == '0002' and ds[1]['img_index'] == 2
    item = ds[0]
    assert item['img_id'] == '0000' and item['img_index'] == 0
    assert item['img'].shape == (H, W, 3) and item['img'].dtype == np.uint8
    np.testing.assert_array_equal(item['img'], _image(0)['rgb'])
    assert 'imgs' not in item
    # boxes: x1, y1, x2, y2 with exclusive ends, sorted by (label, inst)
    assert item['gt_bboxes'].dtype == np.float32
    np.testing.assert_array_equal(
        item['gt_bboxes'],
        [[5, 10, 15, 20], [40, 30, 50, 40], [30, 5, 60, 8], [0, 44, 2, 45]])
    assert item['gt_labels'].dtype == np.int64
    assert item['gt_labels'].tolist() == [CHAIR, CHAIR, TABLE, LAMP]
    assert item['gt_difficult'].dtype == np.bool_
    assert not item['gt_difficult'].any() and len(item['gt_difficult']) == 4
    assert item['ori_shape'] == item['img_shape'] == (H, W)
    assert item['scale_factor'] == (1., 1.)
    test = _dataset(root, split='test', classes=('table', 'chair'))
    assert [d['img_id'] for d in test] == ['0001']
    assert test[0]['gt_labels'].tolist() == [1, 1, 0]  # chair, chair, table
    assert test.metainfo['classes'] == ('table', 'chair')


def test_several_modalities_and_hha_on_the_fly(root):
    ds = _dataset(root, modalities=('rgb', 'hha', 'depth'))
    imgs = ds[0]['imgs']
    assert list(imgs) == ['rgb', 'hha', 'depth'] and 'img' not in ds[0]
    want = _image(0)
    np.testing.assert_array_equal(imgs['rgb'], want['rgb'])
    assert imgs['depth'].shape == (H, W, 1)
    assert imgs['depth'].dtype == np.float32
    np.testing.assert_array_equal(imgs['depth'][..., 0], want['depth'])
    # HHA of the filled depth with the raw depth's zeros as missing
    hha = depth_to_hha(want['depth'], want['raw_depth'] == 0,
                       NYU_COLOR_CAMERA)
    assert imgs['hha'].dtype == np.uint8
    np.testing.assert_array_equal(imgs['hha'], hha)
    only = _dataset(root, modalities='hha')[0]
    np.testing.assert_array_equal(only['img'], hha)


def test_precomputed_hha(root, tmp_path):
    folder = tmp_path / 'hha'
    folder.mkdir()
    fake = np.random.default_rng(0).integers(0, 255, (H, W, 3), np.uint8)
    for i in range(3):
        assert cv2.imwrite(str(folder / f'{i:04d}.png'), fake[..., ::-1])
    ds = _dataset(root, modalities=('hha', 'rgb'), hha_root=str(folder))
    np.testing.assert_array_equal(ds[0]['imgs']['hha'], fake)
    # relative to data_root
    ds = _dataset(root, modalities='hha', hha_root='hha')
    np.testing.assert_array_equal(ds[1]['img'], fake)
    assert cv2.imwrite(str(folder / '0002.png'), fake[:20, :, ::-1])
    with pytest.raises(ValueError, match=r"0002.png' is 20x64, expected "
                       r'48x64'):
        ds[1]
    (folder / '0000.png').unlink()
    with pytest.raises(FileNotFoundError, match=r"0000.png' does not"):
        ds[0]


def test_min_area_counts_and_filter_empty(tmp_path):
    root = _write(tmp_path)
    ds = _dataset(root, min_area=3)
    assert ds.num_dropped == 1  # the lamp of training image 0
    assert LAMP not in ds[0]['gt_labels'].tolist()
    ds = _dataset(root, min_area=91)  # the tables (90 px) too
    assert ds.num_dropped == 3
    assert ds[0]['gt_labels'].tolist() == [CHAIR, CHAIR]
    # image 2 has no lamp
    ds = _dataset(root, classes=('lamp', ), filter_empty_gt=True)
    assert [d['img_id'] for d in ds] == ['0000']
    assert ds.num_empty_skipped == 1
    ds = _dataset(root, classes=('lamp', ), filter_empty_gt=True,
                  test_mode=True)
    assert len(ds) == 2 and ds[1]['gt_bboxes'].shape == (0, 4)
    assert ds[1]['gt_labels'].shape == (0, )
    with pytest.raises(ValueError, match='none of the 2 train images has a '
                       'box of 1 class'):
        _dataset(root, classes=('lamp', ), min_area=3, filter_empty_gt=True)


def test_gupta_crop(tmp_path):
    root = _write(tmp_path, n=2, size=(480, 640), train=(0, ), test=(1, ))
    ds = _dataset(root, crop=True, modalities=('rgb', 'hha'))
    item = ds[0]
    assert item['ori_shape'] == (425, 560)
    assert item['imgs']['rgb'].shape == (425, 560, 3)
    # every object of _image lies above row 45, where the crop starts
    assert item['gt_bboxes'].shape == (0, 4)
    img = _image(0, (480, 640))
    np.testing.assert_array_equal(item['imgs']['rgb'],
                                  img['rgb'][45:470, 40:600])
    k = crop_camera_matrix(NYU_COLOR_CAMERA, *GUPTA_CROP)
    np.testing.assert_array_equal(
        item['imgs']['hha'],
        depth_to_hha(img['depth'][45:470, 40:600],
                     img['raw_depth'][45:470, 40:600] == 0, k))
    small = tmp_path / 'small'
    small.mkdir()
    _write(small, n=2, train=(0, ), test=(1, ))
    with pytest.raises(ValueError, match='crop=True needs 480x640'):
        _dataset(str(small), crop=True)


def test_crop_clips_boxes(tmp_path):
    size = (480, 640)
    with LabeledMatWriter(str(tmp_path / 'nyu_depth_v2_labeled.mat'), 2,
                          NAMES, image_size=size) as writer:
        writer.write(1, _image(1, size))
        sample = _image(0, size)
        sample['labels'][:] = 1
        sample['instances'][:] = 1
        # a chair across the crop's top-left corner, a table inside
        sample['labels'][40:60, 30:50] = 2
        sample['labels'][100:120, 200:260] = 3
        writer.write(0, sample)
    write_splits_mat(str(tmp_path / 'splits.mat'), [0], [1])
    item = _dataset(str(tmp_path), crop=True)[0]
    # rows 45..59 -> 0..14, columns 40..49 -> 0..9; table rows 55..74,
    # columns 160..219
    np.testing.assert_array_equal(item['gt_bboxes'],
                                  [[0, 0, 10, 15], [160, 55, 220, 75]])
    assert item['gt_labels'].tolist() == [CHAIR, TABLE]


def test_bad_input(root, tmp_path):
    def one_line(err):
        text = str(err.value)
        assert '\n' not in text
        return text

    with pytest.raises(ValueError) as e:
        _dataset(root, modalities=('rgb', 'flow'))
    assert "unknown modality 'flow'" in one_line(e)
    with pytest.raises(ValueError) as e:
        _dataset(root, modalities=())
    one_line(e)
    with pytest.raises(ValueError) as e:
        _dataset(root, classes=('chair', 'night stand'))
    assert "unknown NYUD2 detection class 'night stand'" in one_line(e)
    with pytest.raises(ValueError) as e:
        _dataset(root, split='val')
    assert "split must be one of ('train', 'test'), got 'val'" in one_line(e)
    with pytest.raises(ValueError) as e:
        _dataset(root, min_area=-1)
    one_line(e)
    with pytest.raises(FileNotFoundError) as e:
        _dataset(root, modalities=('rgb', 'hha'), hha_root='nope')
    assert 'hha_root' in one_line(e)
    # a dataset that reads no HHA does not need the folder
    assert _dataset(root, modalities='rgb', hha_root='nope').hha_root
    with pytest.raises(FileNotFoundError) as e:
        _dataset(root, splits_file='missing.mat')
    assert one_line(e) == (f"NYUD2 splits file "
                           f"'{osp.join(root, 'missing.mat')}' does not exist")
    with pytest.raises(FileNotFoundError) as e:
        _dataset(str(tmp_path / 'empty'))
    assert 'NYUD2 labeled file' in one_line(e)
    # strict names: 'bathtub' is not in this file's names
    with pytest.raises(ValueError) as e:
        _dataset(root, strict_names=True)
    assert "e.g. 'bathtub'" in one_line(e)


def _write_scenes(root, scenes, train, test=(0, )):
    """A labeled file whose image i belongs to ``scenes[i]``."""
    n = len(scenes)
    with LabeledMatWriter(osp.join(root, 'nyu_depth_v2_labeled.mat'), n,
                          NAMES, scenes=scenes, image_size=(H, W)) as writer:
        for i in range(n):
            writer.write(i, _image(i % 2))
    write_splits_mat(osp.join(root, 'splits.mat'), train, test)
    return str(root)


def _indices(dataset):
    return [dataset.get_data_info(i)['img_index']
            for i in range(len(dataset))]


def test_holdout_takes_whole_scenes(tmp_path):
    # training split: images 1-8 of four scenes (b: 1, 2; c: 3, 4, 5;
    # d: 6; e: 7, 8); image 0 (scene a) is the test split
    scenes = ['a', 'b', 'b', 'c', 'c', 'c', 'd', 'e', 'e']
    root = _write_scenes(tmp_path, scenes, train=range(1, 9))
    full = _dataset(root)
    assert _indices(full) == list(range(1, 9))
    assert full.held_out_indices == []
    # holdout 0.3 of 4 scenes: floor(1.2 + 0.5) = 1 scene, the first of
    # the seeded permutation of the sorted scene names (fraction_of_videos)
    order = np.random.default_rng(0).permutation(4)
    held_scene = 'bcde'[order[0]]
    held = [i for i in range(1, 9) if scenes[i] == held_scene]
    train = _dataset(root, holdout=0.3)
    val = _dataset(root, holdout=0.3, use_holdout=True, test_mode=True)
    assert _indices(val) == held
    assert _indices(train) == [
        i for i in range(1, 9) if i not in held]
    assert train.held_out_indices == val.held_out_indices == held
    # 0.5 of 4 scenes: two, and another seed gives another pick of them
    picks = set()
    for seed in range(6):
        part = _dataset(root, holdout=0.5, holdout_seed=seed,
                        use_holdout=True)
        ids = _indices(part)
        assert len({scenes[i] for i in ids}) == 2
        # whole scenes: every image of a held-out scene is held out
        assert ids == [i for i in range(1, 9) if scenes[i] in
                       {scenes[j] for j in ids}]
        picks.add(tuple(ids))
    assert len(picks) > 1


def test_holdout_bad_input(root, tmp_path):
    def one_line(err):
        text = str(err.value)
        assert '\n' not in text
        return text

    for bad in (1.0, -0.1, True, '0.2'):
        with pytest.raises(ValueError) as e:
            _dataset(root, holdout=bad)
        assert one_line(e).startswith('holdout must be a fraction in [0, 1)')
    with pytest.raises(ValueError) as e:
        _dataset(root, holdout=0.2, holdout_seed=-1)
    assert 'holdout_seed must be an int >= 0' in one_line(e)
    with pytest.raises(ValueError) as e:
        _dataset(root, use_holdout=True)
    assert 'use_holdout=True needs holdout > 0' in one_line(e)
    # a labeled file without scenes cannot hold out scenes
    path = osp.join(root, 'nyu_depth_v2_labeled.mat')
    with pytest.raises(ValueError) as e:
        _dataset(root, holdout=0.2)
    assert one_line(e) == (f"{path!r} has no 'scenes' variable "
                           '(holdout=0.2 holds out whole scenes)')
    # a training split of one scene has none left to train on
    (tmp_path / 'one').mkdir()
    one = _write_scenes(tmp_path / 'one', ['a', 'b', 'b'], train=(1, 2))
    with pytest.raises(ValueError) as e:
        _dataset(one, holdout=0.4)
    path = osp.join(one, 'nyu_depth_v2_labeled.mat')
    assert one_line(e) == (f"{path!r} (train): holdout=0.4 holds out all "
                           '1 scenes of the split, leaving none to train '
                           'on: use a smaller holdout')


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('nyud2') / 'world')
    preset = get_indoor_preset('nyud2_tiny', num_train=2, num_test=1)
    generate_nyud2_world(preset, out, seed=0, progress=False)
    return out


def _hha_tool():
    spec = importlib.util.spec_from_file_location(
        'depth_to_hha', osp.join(REPO, 'tools', 'data', 'depth_to_hha.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_world_with_precomputed_hha(world, tmp_path, capsys):
    train = DATASETS.build(dict(type='NYUD2DetectionDataset',
                                data_root=world, split='train',
                                classes=INDOOR_CLASSES))
    test = NYUD2DetectionDataset(data_root=world, split='test',
                                 modalities=('rgb', 'hha'))
    assert (len(train), len(test)) == (2, 1)
    assert not {d['img_id'] for d in train} & {d['img_id'] for d in test}
    labels = np.concatenate([d['gt_labels'] for d in train])
    assert labels.size and labels.max() < len(INDOOR_CLASSES)
    for d in train:
        b = d['gt_bboxes']
        assert np.all(b[:, :2] >= 0) and np.all(b[:, 2] <= 640)
        assert np.all(b[:, 3] <= 480)
    # the tool writes OUT/%04d.png; the dataset reads them as computed
    out = str(tmp_path / 'hha')
    tool = _hha_tool()
    mat = osp.join(world, 'nyu_depth_v2_labeled.mat')
    assert tool.main(['--nyud2-mat', mat, out, '--no-progress']) == 0
    assert '3 images: 3 done, 0 skipped, 0 failed' in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.joinpath('hha').iterdir()) == [
        f'{i:04d}.png' for i in range(3)]
    pre = NYUD2DetectionDataset(data_root=world, split='test',
                                modalities=('rgb', 'hha'), hha_root=out)
    first = test[0]['imgs']['hha']
    np.testing.assert_array_equal(pre[0]['imgs']['hha'], first)
    assert first[..., 0].std() > 0  # disparity varies
    with pytest.raises(SystemExit):
        tool.parse_args(['--nyud2-mat', mat, out, '--crop', '45', '40'])
    assert '--crop does not apply to --nyud2-mat' in capsys.readouterr().err


def test_pipeline_to_network_inputs(world):
    if 'PackDet2DInputs' not in TRANSFORMS.module_dict:
        pytest.skip('the 2-D detection transforms are not registered')
    ds = NYUD2DetectionDataset(
        data_root=world, split='train', modalities=('rgb', 'depth'),
        pipeline=[dict(type='Det2DResize', scale=(320, 240)),
                  dict(type='PackDet2DInputs')])
    raw = ds.get_data_info(0)
    out = ds[0]
    assert set(out['inputs']) == {'rgb', 'depth'}
    assert tuple(out['inputs']['rgb'].shape) == (3, 240, 320)
    assert tuple(out['inputs']['depth'].shape) == (1, 240, 320)
    sample = out['data_samples']
    np.testing.assert_allclose(sample.gt_instances.bboxes.numpy(),
                               raw['gt_bboxes'] / 2)
    assert sample.metainfo['img_id'] == raw['img_id']


def test_a_validation_on_training_images_must_be_held_out():
    from mmengine.config import Config

    from fsat.datasets.subsets import check_disjoint_subsets
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/supervision_transfer/table1_synth/hha_det.py'))
    # as shipped: validation on the test split, another set of images
    check_disjoint_subsets(cfg, 'hha_det.py')

    def with_options(**options):
        out = cfg.copy()
        out.merge_from_dict(options)
        return out

    held = {'train_dataloader.dataset.holdout': 0.2,
            'val_dataloader.dataset.holdout': 0.2,
            'val_dataloader.dataset.use_holdout': True,
            'val_dataloader.dataset.split': 'train'}
    check_disjoint_subsets(with_options(**held), 'hha_det.py')

    def error(**options):
        with pytest.raises(ValueError) as e:
            check_disjoint_subsets(with_options(**dict(held, **options)),
                                   'hha_det.py')
        return str(e.value)

    head = ('hha_det.py: val_dataloader.dataset draws from the same images '
            "as train_dataloader.dataset (split 'train')")
    assert error(**{'train_dataloader.dataset.holdout': 0.0}) == (
        f'{head}, which holds none of them out: give both the same '
        'holdout=<fraction> and holdout_seed and val_dataloader.dataset '
        'use_holdout=True, or give val_dataloader.dataset another split')
    assert error(**{'val_dataloader.dataset.use_holdout': False}) == (
        f'{head} and takes the same part of them (use_holdout=False for '
        'both), so it holds images train_dataloader.dataset trains on: set '
        'val_dataloader.dataset.use_holdout=True (the held-out images) and '
        'leave it False for training')
    assert error(**{'val_dataloader.dataset.holdout_seed': 1}) == (
        f'{head} with another held-out pick (val_dataloader.dataset.'
        'holdout, holdout_seed = 0.2, 1; train_dataloader.dataset: 0.2, 0),'
        ' so its images can overlap the training images: use the same '
        'holdout and holdout_seed')
    # another world: not the same images
    check_disjoint_subsets(with_options(**dict(held, **{
        'val_dataloader.dataset.data_root': 'data/other',
        'val_dataloader.dataset.use_holdout': False})), 'hha_det.py')
