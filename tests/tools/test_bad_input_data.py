# Copyright (c) fsat contributors. All rights reserved.
"""Bad data and incomplete configs end tools/train.py and tools/test.py with
one line, before or while training.

Data errors are raised in a DataLoader worker (``num_workers=1``), where
torch's own summary (``Caught ValueError in DataLoader worker process 0.``)
does not name the file: the printed line must carry the worker's message.
The datasets are tiny NTU-layout folders written here: 16-bit depth PNGs
(``MDepth-%08d.png``) and ``.skeleton`` text files.
"""
import os
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from fsat.testing import run_tool, tiny_stgcn, toy_train_config

NAMES = [f'S001C001P001R001A{i + 1:03d}' for i in range(4)]


def _error_line(proc, prog):
    """The one error line (OpenCV may warn on stderr before it)."""
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    err = proc.stderr.strip()
    assert 'Traceback' not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len([line for line in lines if not line.startswith('[ WARN')
                ]) == 1, err
    assert lines[-1].startswith(f'fsat {prog}: error: '), lines[-1]
    return lines[-1][len(f'fsat {prog}: error: '):]


def _skeleton_text(frames: int, rng) -> str:
    """An NTU ``.skeleton`` file with one body (CRLF, 25 joints of 12
    values: x y z depth_u depth_v colour_u colour_v qw qx qy qz state)."""
    out = [f'{frames}\r\n']
    for _ in range(frames):
        out.append('1\r\n72057594037927936 0 1 1 1 1 0 0 0 2\r\n25\r\n')
        for joint in rng.normal(0, 0.5, (25, 3)) + [0, 0, 3]:
            out.append(' '.join(f'{v:.5f}' for v in joint) +
                       ' 250 200 900 500 1 0 0 0 2\r\n')
    return ''.join(out)


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """Four labelled samples (classes 0, 1, 0, 1) of depth and skeleton."""
    root = tmp_path_factory.mktemp('bad_data') / 'ntu'
    rng = np.random.default_rng(0)
    for name in NAMES:
        folder = root / 'nturgb+d_depth_masked' / name
        folder.mkdir(parents=True)
        for t in range(1, 9):
            depth = rng.integers(500, 4500, (16, 16)).astype(np.uint16)
            cv2.imwrite(str(folder / f'MDepth-{t:08d}.png'), depth)
        skeleton = root / 'nturgb+d_skeletons' / f'{name}.skeleton'
        skeleton.parent.mkdir(exist_ok=True)
        skeleton.write_bytes(_skeleton_text(8, rng).encode())
    (root / 'split.txt').write_text(''.join(
        f'{name} {i % 2}\n' for i, name in enumerate(NAMES)))
    return root


def _config(root, path, modality='depth', **dataset):
    """A 2-iteration training config on the folder ``root``."""
    cfg = toy_train_config(
        str(path.parent / 'work_dir'), num_classes=2, max_iters=2)
    if modality == 'depth':
        pipeline = [
            dict(type='LoadMaskedDepth'),
            dict(type='ReplicateDepth', mm_range=(500, 4500)),
            dict(type='FormatShape', input_format='NCTHW')
        ]
        sampling = 'clip'
    else:
        cfg['model'] = tiny_stgcn(num_classes=2)
        pipeline = [
            dict(type='LoadSkeleton'),
            dict(type='SkeletonDecode'),
            dict(type='FormatGCNInput', num_person=1)
        ]
        sampling = dict(mode='sequence', length=8, pad='resample')
    cfg['train_dataloader'].update(
        num_workers=1,
        dataset=dict(
            type='PairedModalityDataset',
            data_root=str(root),
            ann_file=str(root / 'split.txt'),
            clip_len=8,
            modalities={modality: dict(sampling=sampling, pipeline=pipeline)},
            pack=dict(type='PackPairedInputs', pack_single=True),
            **dataset))
    cfg['val_dataloader'] = cfg['val_cfg'] = cfg['val_evaluator'] = None
    Config(cfg).dump(str(path))
    return str(path)


def _copy(data, tmp_path):
    root = tmp_path / 'ntu'
    shutil.copytree(data, root)
    return root


@pytest.mark.parametrize('damage', ['8-bit', 'missing frame'])
def test_a_bad_depth_frame_in_a_worker_names_the_file(data, tmp_path,
                                                      damage):
    root = _copy(data, tmp_path)
    folder = root / 'nturgb+d_depth_masked' / NAMES[2]
    if damage == '8-bit':  # every frame, so that any clip reads one
        for frame in folder.iterdir():
            cv2.imwrite(str(frame), np.full((16, 16), 100, np.uint8))
        bad, kind = folder / 'MDepth-00000001.png', 'ValueError'
    else:
        bad, kind = folder / 'MDepth-00000001.png', 'FileNotFoundError'
        bad.unlink()
    line = _error_line(
        run_tool('train.py', [_config(root, tmp_path / 'depth.py')]),
        'train')
    assert line.startswith(
        f'data loading failed in DataLoader worker 0: {kind}: '), line
    assert str(folder) in line
    if damage == '8-bit':
        assert f'{folder}/MDepth-0000000' in line and '8-bit' in line


def test_an_empty_skeleton_file_in_a_worker_names_the_file(data, tmp_path):
    root = _copy(data, tmp_path)
    bad = root / 'nturgb+d_skeletons' / f'{NAMES[1]}.skeleton'
    bad.write_bytes(b'')
    line = _error_line(
        run_tool('train.py',
                 [_config(root, tmp_path / 'skel.py', modality='skeleton')]),
        'train')
    assert line.startswith('data loading failed in DataLoader worker 0: '
                           'ValueError: '), line
    assert str(bad) in line


def test_the_intact_data_trains(data, tmp_path):
    """The configs above are right: only the damage stops them."""
    proc = run_tool('train.py', [_config(data, tmp_path / 'depth.py')])
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_a_dataset_with_fewer_classes_than_the_model(data, tmp_path):
    # 2-class data under the 3-class head: one class never trained
    path = _config(data, tmp_path / 'three.py')
    proc = run_tool(
        'train.py', [path, '--cfg-options', 'model.cls_head.num_classes=3'])
    line = _error_line(proc, 'train')
    assert line == (
        f'train_dataloader.dataset (PairedModalityDataset, ann_file '
        f'{data}/split.txt) has samples of only 2 of the 3 classes of '
        'model.cls_head.num_classes (none of class 2): set num_classes to '
        "the classes of the data, or check data_root and the dataset's "
        'classes')
    assert 'Iter(train)' not in proc.stdout  # before the first step


def test_labels_beyond_num_classes_name_the_ann_file(data, tmp_path):
    root = _copy(data, tmp_path)
    (root / 'split.txt').write_text(''.join(
        f'{name} {i}\n' for i, name in enumerate(NAMES)))  # labels 0..3
    line = _error_line(
        run_tool('train.py', [_config(root, tmp_path / 'labels.py')]),
        'train')
    assert line == (
        f'train_dataloader.dataset (PairedModalityDataset, ann_file '
        f'{root}/split.txt) has label(s) 2, 3, out of range for '
        'model.cls_head.num_classes=2 (labels must be 0..1)')


@pytest.mark.slow
def test_auto_scale_lr_needs_a_base_batch_size(data, tmp_path):
    path = _config(data, tmp_path / 'lr.py')
    line = _error_line(
        run_tool('train.py', [path, '--auto-scale-lr', '--check-only']),
        'train')
    assert line == (
        f'{path}: --auto-scale-lr needs auto_scale_lr.base_batch_size, the '
        "total batch size the config's learning rate is meant for (e.g. "
        '--cfg-options auto_scale_lr.base_batch_size=128)')
    proc = run_tool('train.py', [
        path, '--auto-scale-lr', '--check-only', '--cfg-options',
        'auto_scale_lr.base_batch_size=8'
    ])
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_missing_or_none_required_fields(data, tmp_path):
    path = _config(data, tmp_path / 'fields.py')
    student = tmp_path / 'student.py'
    student.write_text(
        f"_base_ = ['{path}']\n"
        "model = dict(_delete_=True, type='ToyPairDistiller', student=None,\n"
        "             teachers=dict(), distill_losses=dict())\n")
    line = _error_line(
        run_tool('train.py', [str(student), '--check-only']), 'train')
    assert line == (
        f'{student}: model.student is None; ToyPairDistiller requires it')
    no_test = tmp_path / 'no_test.py'
    no_test.write_text(f"_base_ = ['{path}']\ntest_dataloader = None\n")
    line = _error_line(
        run_tool('test.py', [str(no_test), 'none', '--check-only']), 'test')
    assert line == (f'{no_test}: test_dataloader is None; testing needs the '
                    'test data')
    text = tmp_path / 'config.txt'
    text.write_text(open(path).read())
    line = _error_line(
        run_tool('test.py', [str(text), 'none', '--check-only']), 'test')
    assert line == (f'config {text} is not a config file: MMEngine reads '
                    '.py, .json, .yaml, .yml files')
    assert not os.path.exists(tmp_path / 'work_dir')
