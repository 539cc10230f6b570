# Copyright (c) fsat contributors. All rights reserved.
"""A pipeline run gets the checks of tools/train.py and tools/test.py."""
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from fsat.apis.pipeline import load_pipeline, run_pipeline
from fsat.testing import run_tool, toy_train_config
from fsat.utils.cli import FsatUserError


def _stage_config(path, num_classes=4):
    cfg = toy_train_config('unused', batch_size=4, max_iters=2,
                           num_samples=16, num_classes=num_classes,
                           checkpoint_interval=2)
    cfg['default_hooks']['logger']['interval'] = 10
    Config(cfg).dump(str(path))
    return str(path)


def _checkpoints(folder):
    return [f for _, _, fs in os.walk(folder) for f in fs
            if f.endswith('.pth')]


def test_fewer_dataset_classes_than_the_head_is_one_line_before_training(
        tmp_path):
    """The second stage trains a 4-class head on a 3-class dataset: the
    first stage finishes, the second ends the tool with one line naming
    the pipeline, the run and the dataset, before its first iteration."""
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"stages = [dict(name='a', config='{c}'),\n"
        f"          dict(name='b', config='{c}', cfg_options={{\n"
        "              'train_dataloader.dataset.num_classes': 3})]\n")
    work = tmp_path / 'w'
    proc = run_tool('run_pipeline.py', [str(pipe), '--work-dir', str(work)])
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f'fsat run_pipeline: error: {pipe}: run b [single]: '
        'train_dataloader.dataset'), last
    assert 'has 3 classes but' in last and 'num_classes=4' in last, last
    assert 'Traceback' not in proc.stderr
    assert osp.isfile(work / 'a' / 'single' / 'done.json')
    assert _checkpoints(work / 'a')
    assert not _checkpoints(work / 'b')
    assert not osp.exists(work / 'b' / 'single' / 'done.json')


def test_test_only_stage_with_another_models_checkpoint_fails(tmp_path):
    """A test-only stage tests strictly, as tools/test.py: the 4-class
    checkpoint of stage 'a' under a 5-class model is an error naming the
    file and the mismatched key, not an accuracy of a half-loaded model."""
    a = _stage_config(tmp_path / 'a.py')
    five = _stage_config(tmp_path / 'five.py', num_classes=5)
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"stages = [dict(name='a', config='{a}'),\n"
        f"          dict(name='evaluate', config='{five}', test_only=True,\n"
        "               cfg_options={'load_from': '{a.checkpoint}'})]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError) as info:
        run_pipeline(pipeline)
    message = str(info.value)
    checkpoint = pipeline.plan()[0].work_dir
    assert message.startswith(f'{pipe}: run evaluate [single]: checkpoint '
                              f'{checkpoint}'), message
    assert 'does not match the model' in message
    assert 'cls_head' in message
    assert not osp.exists(tmp_path / 'w' / 'evaluate' / 'single' /
                          'done.json')


def test_load_from_that_fits_no_weight_fails_before_training(tmp_path):
    """A fine-tuning load_from is loaded non-strictly (a new classifier is
    allowed), but a checkpoint none of whose tensors fits the model is an
    error, as in tools/train.py."""
    c = _stage_config(tmp_path / 'c.py')
    other = tmp_path / 'other.pth'
    torch.save({'state_dict': {'flow.conv.weight': torch.zeros(2, 3)}},
               str(other))
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(f"stages = [dict(name='a', config='{c}', cfg_options="
                    f"{{'load_from': '{other}'}})]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError, match='fits no weight of the model'):
        run_pipeline(pipeline)
    assert not _checkpoints(tmp_path / 'w')


def test_a_later_stage_missing_a_required_field_fails_before_any_run(
        tmp_path):
    """The required-field checks of tools/train.py run on every run's
    config before the first one starts."""
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"stages = [dict(name='a', config='{c}'),\n"
        f"          dict(name='b', config='{c}',\n"
        "               cfg_options={'optim_wrapper': None})]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError) as info:
        run_pipeline(pipeline)
    assert str(info.value) == (
        f'{pipe}: run b [single]: {c}: optim_wrapper is None; training '
        'needs the optimizer')
    assert not osp.exists(tmp_path / 'w')
