# Copyright (c) fsat contributors. All rights reserved.
"""Training from mmaction2's skeleton pickle (``ntu60_3d.pkl`` format):
:class:`fsat.datasets.PosePklDataset`, the shipped config
``configs/finetune/skeleton_stgcn_ntu60_xview_pkl.py`` and
``tools/data/ntu_to_pose_pkl.py``."""
import importlib.util
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from fsat.apis import load_config
from fsat.datasets import PosePklDataset
from fsat.datasets.ntu import load_pose_pkl, read_skeleton
from fsat.datasets.subsets import check_disjoint_subsets
from fsat.registry import DATASETS, MODELS
from fsat.testing import repo_path, run_tool

CONFIG = repo_path('configs', 'finetune', 'skeleton_stgcn_ntu60_xview_pkl.py')
NUM_CLASSES = 3
TRAIN_PER_CLASS = 6  # cameras 2 and 3: xview_train
TEST_PER_CLASS = 2  # camera 1: xview_val


def sample_names():
    """(name, label, split) of a small NTU-60 cross-view set."""
    out = []
    for label in range(NUM_CLASSES):
        for i in range(TRAIN_PER_CLASS + TEST_PER_CLASS):
            camera = 1 if i < TEST_PER_CLASS else 2 + i % 2
            name = (f'S001C{camera:03d}P{1 + i:03d}R001A{label + 1:03d}')
            out.append((name, label,
                        'xview_val' if camera == 1 else 'xview_train'))
    return out


def write_mmaction_pkl(path: str) -> dict:
    """A pickle laid out as mmaction2's ntu60_3d.pkl: float16 keypoints
    [M, T, 25, 3] with M = 1 or 2 (empty bodies removed), T = 20..40."""
    rng = np.random.default_rng(0)
    annotations, split = [], {'xview_train': [], 'xview_val': []}
    for index, (name, label, part) in enumerate(sample_names()):
        bodies, frames = 1 + index % 2, 20 + (index * 7) % 21
        walk = rng.normal(0, 0.02, (bodies, frames, 25, 3)).cumsum(1)
        keypoint = (walk + [0.1, 0.2, 3.0]).astype(np.float16)
        annotations.append(dict(frame_dir=name, label=label,
                                keypoint=keypoint, total_frames=frames))
        split[part].append(name)
    data = dict(split=split, annotations=annotations)
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return data


@pytest.fixture
def pkl(tmp_path):
    path = str(tmp_path / 'ntu60_3d.pkl')
    return path, write_mmaction_pkl(path)


def build_dataset(cfg, loader: str, ann_file: str, **overrides):
    dataset_cfg = dict(cfg[loader]['dataset'])
    dataset_cfg.update(ann_file=ann_file, **overrides)
    return DATASETS.build(dataset_cfg)


def test_shipped_config_datasets(pkl):
    path, data = pkl
    cfg = load_config(CONFIG)
    holdout = dict(k_per_class=1, skip_per_class=2)
    train = build_dataset(
        cfg, 'train_dataloader', path,
        labeled_subset=dict(k_per_class=2, seed=0, holdout=holdout))
    val = build_dataset(cfg, 'val_dataloader', path,
                        labeled_subset=dict(holdout, seed=0))
    test = build_dataset(cfg, 'test_dataloader', path)
    assert isinstance(train, PosePklDataset)
    train_ids = {train.get_data_info(i)['frame_dir']
                 for i in range(len(train))}
    val_ids = {val.get_data_info(i)['frame_dir'] for i in range(len(val))}
    test_ids = {test.get_data_info(i)['frame_dir'] for i in range(len(test))}
    assert len(train_ids) == 2 * NUM_CLASSES
    assert len(val_ids) == 1 * NUM_CLASSES
    assert not train_ids & val_ids
    assert (train_ids | val_ids) <= set(data['split']['xview_train'])
    assert test_ids == set(data['split']['xview_val'])

    # one sample through the shipped pipeline, checked by hand
    sample = test[0]
    anno = next(a for a in data['annotations']
                if a['frame_dir'] == test.get_data_info(0)['frame_dir'])
    keypoint = sample['inputs']
    assert keypoint.dtype == torch.float32
    assert tuple(keypoint.shape) == (1, 2, 300, 25, 3)
    T = anno['total_frames']
    raw = anno['keypoint'].astype(np.float32)
    centre = raw[0, 0, 1]  # SpineMid of body 0 in its first frame
    expected = raw - centre
    np.testing.assert_allclose(keypoint[0, :raw.shape[0], :T].numpy(),
                               expected, atol=1e-6)
    assert not keypoint[0, :, T:].any()  # zero padding after the sequence
    if raw.shape[0] == 1:
        assert not keypoint[0, 1].any()  # FormatGCNInput's padded body
    assert int(sample['data_samples'].gt_labels.item) == anno['label']


def test_shipped_config_validation_is_held_out():
    cfg = load_config(CONFIG)
    check_disjoint_subsets(cfg, CONFIG)  # the shipped picks never meet
    cfg.train_dataloader.dataset.labeled_subset.pop('holdout')
    cfg.train_dataloader.dataset.labeled_subset.k_per_class = 120
    with pytest.raises(ValueError, match='val_dataloader.dataset'):
        check_disjoint_subsets(cfg, CONFIG)


def test_shipped_config_model_forward(pkl):
    path, _ = pkl
    cfg = load_config(CONFIG)
    cfg.model.cls_head.num_classes = NUM_CLASSES
    dataset = build_dataset(cfg, 'test_dataloader', path,
                            sequence=dict(length=32, pad='zero'))
    model = MODELS.build(cfg.model)
    batch = model.data_preprocessor(
        dict(inputs=[dataset[i]['inputs'] for i in range(4)],
             data_samples=[dataset[i]['data_samples'] for i in range(4)]),
        training=True)
    assert tuple(batch['inputs'].shape) == (4, 1, 2, 32, 25, 3)
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_cls'])
    losses['loss_cls'].backward()


def test_pkl_errors(tmp_path, pkl):
    path, _ = pkl
    with pytest.raises(ValueError, match="no split 'xsub_train'"):
        PosePklDataset(path, pipeline=[], split='xsub_train')
    with pytest.raises(ValueError, match='needs a labeled_subset'):
        PosePklDataset(path, pipeline=[], subset='labeled')
    with pytest.raises(ValueError, match='sequence must be'):
        PosePklDataset(path, pipeline=[], sequence=dict(length=0))
    with pytest.raises(ValueError, match='reads an mmaction2 skeleton'):
        PosePklDataset(str(tmp_path / 'x.json'), pipeline=[])
    bad = str(tmp_path / 'bad.pkl')
    with open(bad, 'wb') as f:
        pickle.dump(dict(split={}, annotations=[dict(
            frame_dir='S001C001P001R001A001', label=0,
            keypoint=np.zeros((2, 5, 25, 3), np.float16),
            total_frames=6)]), f)
    with pytest.raises(ValueError, match='T == total_frames'):
        PosePklDataset(bad, pipeline=[])


TRAIN_CONFIG = '''
_base_ = [{config!r}]
_small = dict(num_workers=0, persistent_workers=False, batch_size=4)
train_dataloader = dict(_small, dataset=dict(
    sequence=dict(length=32, pad='zero'),
    labeled_subset=dict(k_per_class=2,
                        holdout=dict(k_per_class=1, skip_per_class=2))))
val_dataloader = dict(_small, dataset=dict(
    sequence=dict(length=32, pad='zero'),
    labeled_subset=dict(k_per_class=1, skip_per_class=2)))
test_dataloader = dict(_small, dataset=dict(
    sequence=dict(length=32, pad='zero')))
model = dict(backbone=dict(base_channels=8),
             cls_head=dict(in_channels=32, num_classes={num_classes}))
train_cfg = dict(max_epochs=2, val_interval=1)
param_scheduler = []
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, save_best=None))
'''


def test_train_from_mmaction_pkl(tmp_path, pkl):
    """tools/train.py on the shipped config, only the pickle and the sizes
    changed: a few real iterations, validation and a checkpoint."""
    path, _ = pkl
    config = tmp_path / 'pkl_small.py'
    config.write_text(TRAIN_CONFIG.format(config=CONFIG,
                                          num_classes=NUM_CLASSES))
    work_dir = tmp_path / 'work'
    result = run_tool('train.py', [str(config), '--work-dir', str(work_dir)],
                      env=dict(NTU60_POSE_PKL=path), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'Epoch(train) [2][2/2]' in log
    assert 'Epoch(val) [2][1/1]' in log and 'acc/top1' in log
    assert osp.isfile(work_dir / 'epoch_2.pth')


# --------------------------------------------------------------------------
# tools/data/ntu_to_pose_pkl.py
# --------------------------------------------------------------------------


def write_skeleton(path: str, xyz: np.ndarray) -> None:
    """One body, ``xyz`` (T, 25, 3), in the real grammar (CRLF)."""
    lines = [str(len(xyz))]
    for frame in xyz:
        lines += ['1', '72057594037931101 0 1 1 1 1 0 0.02 0.05 2', '25']
        lines += [f'{x!r} {y!r} {z!r} 277.4 191.8 1036.2 519.2 -0.2 0.05 '
                  '0.9 0 2' for x, y, z in frame.tolist()]
    with open(path, 'wb') as f:
        f.write(('\r\n'.join(lines) + '\r\n').encode('ascii'))


def test_ntu_to_pose_pkl_tool(tmp_path):
    root = tmp_path / 'nturgbd'
    folder = root / 'nturgb+d_skeletons'
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    names = ['S001C001P001R001A001', 'S001C002P002R001A002',
             'S001C003P003R002A060']
    for i, name in enumerate(names):
        write_skeleton(str(folder / f'{name}.skeleton'),
                       rng.normal([0, 0, 3], 0.3, (5 + i, 25, 3)))
    # an official missing-skeleton sample is left out, like mmaction2
    write_skeleton(str(folder / 'S001C002P005R002A008.skeleton'),
                   rng.normal(0, 1, (3, 25, 3)))
    out = str(tmp_path / 'out' / 'ntu60.pkl')
    result = run_tool('data/ntu_to_pose_pkl.py',
                      [str(root), out, '--float16', '--no-progress'])
    assert result.returncode == 0, result.stderr
    assert 'wrote' in result.stdout and '3 samples' in result.stdout
    data = load_pose_pkl(out)
    with open(out, 'rb') as f:
        split = pickle.load(f)['split']
    # performers 1 and 2 train in cross-subject, 3 does not; camera 1 is the
    # cross-view test side
    assert split == dict(
        xsub_train=names[:2], xsub_val=names[2:],
        xview_train=names[1:], xview_val=names[:1])
    for anno, name in zip(data, names):
        assert anno['frame_dir'] == name
        assert anno['label'] == int(name[-3:]) - 1
        assert anno['keypoint'].dtype == np.float16
        expected = read_skeleton(str(folder / f'{name}.skeleton'))[:1]
        np.testing.assert_array_equal(anno['keypoint'],
                                      expected.astype(np.float16))
    assert not [f for f in os.listdir(tmp_path / 'out') if f != 'ntu60.pkl']


def test_ntu_to_pose_pkl_tool_errors(tmp_path):
    result = run_tool('data/ntu_to_pose_pkl.py',
                      [str(tmp_path), str(tmp_path / 'a.pkl')])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'fsat ntu_to_pose_pkl: error: {tmp_path}: no nturgb+d_skeletons/ '
        'folder with the .skeleton files; give the NTU root that contains it']
    folder = tmp_path / 'nturgb+d_skeletons'
    folder.mkdir()
    bad = folder / 'S001C001P001R001A001.skeleton'
    bad.write_bytes(b'3\r\n1\r\n')
    result = run_tool('data/ntu_to_pose_pkl.py',
                      [str(tmp_path), str(tmp_path / 'a.pkl'),
                       '--no-progress'])
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"fsat ntu_to_pose_pkl: error: Malformed NTU skeleton file '{bad}', "
        'line 3: expected 10 body fields')
    assert 'Traceback' not in result.stderr
    assert not osp.exists(tmp_path / 'a.pkl')


def test_ntu_to_pose_pkl_tool_arguments(capsys):
    spec = importlib.util.spec_from_file_location(
        '_ntu_to_pose_pkl', repo_path('tools', 'data', 'ntu_to_pose_pkl.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    args = tool.parse_args(['root', 'a.pkl', '--dataset', 'ntu120'])
    assert args.benchmark_names == ['ntu120_xsub', 'ntu120_xset']
    for argv, message in [
        (['--benchmarks', 'ntu120_minus_60', 'ntu120_xsub'],
         'ntu120_minus_60 relabels classes'),
        (['--max-bodies', '0'], '--max-bodies must be at least 1'),
    ]:
        with pytest.raises(SystemExit) as info:
            tool.parse_args(['root', 'a.pkl'] + argv)
        assert info.value.code == 2
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.parse_args(['root', 'a.txt'])
    assert 'out_file must end with .pkl' in capsys.readouterr().err
