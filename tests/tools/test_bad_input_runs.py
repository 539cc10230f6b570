# Copyright (c) fsat contributors. All rights reserved.
"""Checkpoints that do not fit or cannot be read end the tools with one line.

A real runner checkpoint of the toy recognizer is written by
``tools/train.py``; the other checkpoints are it with a classifier of
another size, under a distiller's ``student.`` prefix, or damaged.
"""
import pytest
import torch
from mmengine.config import Config

from fsat.testing import run_tool, toy_train_config

#: How the tools name the difference between the 4-class toy model and the
#: 3-class checkpoint ``other.pth``.
MISMATCH = ('shape mismatch: cls_head.fc_cls.weight (checkpoint (3, 8), '
            'model (4, 8)), cls_head.fc_cls.bias (checkpoint (3,), '
            'model (4,))')


def _one_line_error(proc, prog):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    err = proc.stderr.strip()
    assert 'Traceback' not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f'fsat {prog}: error: '), lines[0]
    return lines[0][len(f'fsat {prog}: error: '):]


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_checkpoints')
    config = root / 'toy.py'
    Config(
        toy_train_config(
            str(root / 'work_dir'), max_iters=2,
            checkpoint_interval=2)).dump(str(config))
    proc = run_tool('train.py', [str(config)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    good = root / 'work_dir' / 'iter_2.pth'
    checkpoint = torch.load(str(good), weights_only=False)
    state = checkpoint['state_dict']
    # the toy recognizer with 3 classes instead of 4
    other = dict(state)
    other['cls_head.fc_cls.weight'] = torch.zeros(3, 8)
    other['cls_head.fc_cls.bias'] = torch.zeros(3)
    torch.save(dict(checkpoint, state_dict=other), str(root / 'other.pth'))
    # a distiller's checkpoint of the same recognizer
    torch.save(
        dict(checkpoint,
             state_dict={'student.' + k: v
                         for k, v in state.items()}), str(root / 'dist.pth'))
    data = good.read_bytes()
    (root / 'truncated.pth').write_bytes(data[:len(data) * 2 // 3])
    (root / 'empty.pth').write_bytes(b'')
    (root / 'directory.pth').mkdir()
    return root


def test_test_py_evaluates_a_fitting_checkpoint(files):
    proc = run_tool('test.py', [
        str(files / 'toy.py'),
        str(files / 'work_dir' / 'iter_2.pth'), '--work-dir',
        str(files / 'test_good')
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'acc/top1' in proc.stdout


def test_test_py_refuses_another_models_checkpoint(files):
    # MMEngine loads it non-strictly: it printed an accuracy of the
    # untrained classifier and exited 0
    other = files / 'other.pth'
    line = _one_line_error(
        run_tool('test.py', [str(files / 'toy.py'),
                             str(other)]), 'test')
    assert line == (f'checkpoint {other} does not match the model '
                    f'(Recognizer3D): {MISMATCH}')


def test_train_load_from_that_fits_nothing(files):
    dist = files / 'dist.pth'
    line = _one_line_error(
        run_tool('train.py', [
            str(files / 'toy.py'), '--work-dir',
            str(files / 'wd_dist'), '--cfg-options', f'load_from={dist}'
        ]), 'train')
    assert line == (
        f'load_from {dist} fits no weight of the model (Recognizer3D): its 6 '
        "tensors are under student., the model's under backbone., "
        'cls_head. (a distiller checkpoint: export its student with '
        'tools/export_student.py)')


@pytest.mark.slow
def test_train_load_from_with_a_new_classifier_warns_once(files):
    """Fine-tuning with a classifier of another size is legitimate."""
    other = files / 'other.pth'
    proc = run_tool('train.py', [
        str(files / 'toy.py'), '--work-dir',
        str(files / 'wd_other'), '--cfg-options', f'load_from={other}'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    warnings = [
        line for line in proc.stdout.splitlines()
        if f'load_from {other} fits 4 of the model' in line
    ]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        "fits 4 of the model's 6 tensors; the others keep their initial "
        f'values: {MISMATCH}')


def test_resume_from_another_models_checkpoint(files):
    other = files / 'other.pth'
    line = _one_line_error(
        run_tool('train.py', [
            str(files / 'toy.py'), '--work-dir',
            str(files / 'wd_resume'), '--resume',
            str(other)
        ]), 'train')
    assert line.startswith(f'resume checkpoint {other} does not match the '
                           'model (Recognizer3D): shape mismatch: ')


@pytest.mark.parametrize('tool,name', [
    ('test.py', 'truncated'),
    ('train.py load_from', 'empty'),
    ('train.py --resume', 'truncated'),
    ('export_student.py', 'truncated'),
    ('test.py', 'directory'),
])
def test_damaged_checkpoints_are_one_line(files, tool, name):
    path = files / f'{name}.pth'
    config = str(files / 'toy.py')
    work_dir = str(files / f'wd_{name}')
    args = {
        'test.py': [config, str(path)],
        'train.py load_from': [config, '--work-dir', work_dir,
                               '--cfg-options', f'load_from={path}'],
        'train.py --resume': [config, '--work-dir', work_dir,
                              '--resume', str(path)],
        'export_student.py': [str(path), str(files / 'student.pth')],
    }[tool]
    line = _one_line_error(
        run_tool(tool.split()[0], args), tool.split()[0][:-3])
    if name == 'empty':
        assert line == f'checkpoint {path} is empty (0 bytes)'
    elif name == 'directory':
        assert line == (f'checkpoint {path} is a directory, not a checkpoint '
                        'file')
    else:
        assert line.startswith(f'checkpoint {path} is cut short or damaged: '
                               'its zip directory cannot be read')


def test_export_to_a_folder_that_cannot_be_made(files, tmp_path):
    (tmp_path / 'file').write_text('not a folder')
    out = tmp_path / 'file' / 'student.pth'
    line = _one_line_error(
        run_tool('export_student.py', [str(files / 'dist.pth'),
                                       str(out)]), 'export_student')
    assert line.startswith(f'cannot write {out}: ')
    assert [p.name for p in tmp_path.iterdir()] == ['file']


@pytest.mark.parametrize('tool', ['train.py', 'test.py'])
def test_check_only_refuses_a_file_that_is_no_checkpoint(files, tool):
    """``--check-only`` (what dist_*.sh run first) already reads the
    checkpoint's header, so a wrong file is found before torchrun starts."""
    text = files / 'notes.txt'
    text.write_text('model = dict()\n')
    if tool == 'train.py':
        argv = [str(files / 'toy.py'), '--resume', str(text), '--check-only']
    else:
        argv = [str(files / 'toy.py'), str(text), '--check-only']
    line = _one_line_error(run_tool(tool, argv), tool[:-3])
    assert line == (f'checkpoint {text} is not a PyTorch checkpoint (neither '
                    "torch.save's zip format nor its legacy pickle format)")
