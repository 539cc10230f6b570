# Copyright (c) fsat contributors. All rights reserved.
"""Each user mistake ends the tool with one line saying what is wrong."""
import pytest
from mmengine.config import Config

from fsat.testing import run_tool, toy_train_config


@pytest.fixture(scope='module')
def toy_config(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_input')
    path = root / 'toy.py'
    Config(toy_train_config(str(root / 'work_dir'))).dump(str(path))
    return path


def _one_line_error(proc, prog):
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert 'Traceback' not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f'fsat {prog}: error: '), lines[0]
    return lines[0]


def test_unknown_type(tmp_path, toy_config):
    cfg = Config.fromfile(str(toy_config))
    cfg.model.backbone.type = 'ToyClipBackbon'
    path = tmp_path / 'typo.py'
    cfg.dump(str(path))
    line = _one_line_error(run_tool('train.py', [str(path)]), 'train')
    assert "model.backbone.type='ToyClipBackbon' is not a registered" in line
    assert "Did you mean 'ToyClipBackbone'" in line
    # dist_train.sh checks before torchrun starts any process
    proc = run_tool('dist_train.sh', [str(path), '2'])
    line = _one_line_error(proc, 'train')
    assert "'ToyClipBackbon'" in line
    assert 'torch.distributed' not in proc.stdout + proc.stderr


def test_missing_checkpoint(toy_config):
    line = _one_line_error(
        run_tool('test.py', [str(toy_config), 'no/such/epoch_1.pth']),
        'test')
    assert line.endswith('checkpoint does not exist: no/such/epoch_1.pth')


def test_missing_config():
    line = _one_line_error(
        run_tool('train.py', ['configs/no_such_config.py']), 'train')
    assert line.endswith(
        'config file does not exist: configs/no_such_config.py')
    proc = run_tool('dist_train.sh', ['configs/no_such_config.py', '1'])
    assert _one_line_error(proc, 'train') == line


@pytest.mark.parametrize('nproc', ['64', '0', 'two'])
def test_dist_train_nproc_not_allowed(toy_config, nproc):
    proc = run_tool('dist_train.sh', [str(toy_config), nproc])
    line = _one_line_error(proc, 'dist launch')
    if nproc == '64':
        assert 'NPROC=64 is larger than allowed' in line
    else:
        assert 'NPROC must be a positive integer' in line


def test_dist_test_nproc_not_allowed(toy_config):
    proc = run_tool('dist_test.sh', [str(toy_config), 'x.pth', '64'])
    assert 'NPROC=64 is larger than allowed' in _one_line_error(
        proc, 'dist launch')


def test_config_syntax_error(tmp_path):
    path = tmp_path / 'broken.py'
    path.write_text('model = dict(type="Recognizer3D",\n')
    line = _one_line_error(run_tool('train.py', [str(path)]), 'train')
    assert 'broken.py' in line and 'syntax error' in line


def test_custom_import_that_does_not_exist(tmp_path):
    path = tmp_path / 'imports.py'
    path.write_text("custom_imports = dict(imports=['acme_missing'])\n")
    line = _one_line_error(run_tool('train.py', [str(path)]), 'train')
    assert "No module named 'acme_missing'" in line
