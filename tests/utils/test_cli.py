# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from fsat.registry import MODELS
from fsat.utils.cli import (
    FsatUserError,
    describe_error,
    did_you_mean,
    run_cli,
    worker_error,
)
from fsat.utils.config_check import check_config_types


def test_did_you_mean():
    assert did_you_mean('Recogniser3D', ['Recognizer3D', 'STGCN']) == (
        " Did you mean 'Recognizer3D'?")
    assert did_you_mean('zzz', ['Recognizer3D']) == ''


def test_unknown_type_from_a_nested_build_is_one_line():
    with DefaultScope.overwrite_default_scope('fsat'):
        with pytest.raises(KeyError) as info:
            MODELS.build(
                dict(
                    type='Recognizer3D',
                    backbone=dict(type='ResNet3dd', depth=18),
                    cls_head=dict(
                        type='I3DHead', num_classes=2, in_channels=512)))
    message = describe_error(info.value)
    assert message.startswith("unknown type 'ResNet3dd'")
    assert "'ResNet3d'" in message
    assert '\n' not in message


def test_static_check_names_the_config_path():
    cfg = Config(
        dict(
            model=dict(
                type='Recognizer3D',
                backbone=dict(type='ResNet3d'),
                cls_head=dict(type='I3DHaed')),
            optim_wrapper=dict(optimizer=dict(type='SGD'))))
    with pytest.raises(FsatUserError) as info:
        check_config_types(cfg, 'my_config.py')
    assert str(info.value).startswith(
        "my_config.py: model.cls_head.type='I3DHaed' is not a registered")
    assert "'I3DHead'" in str(info.value)


def test_a_custom_hook_that_is_not_a_dict_is_named():
    # what --cfg-options "custom_hooks=[dict(type='X')]" gives: a string
    cfg = Config(dict(custom_hooks=["dict(type='ChannelsLastHook')"]))
    with pytest.raises(FsatUserError) as info:
        check_config_types(cfg, 'my_config.py')
    assert str(info.value).startswith(
        'my_config.py: custom_hooks.0 is "dict(type=\'ChannelsLastHook\')"'
        ", not a dict with a 'type'")
    check_config_types(Config(dict(custom_hooks=[
        dict(type='ChannelsLastHook')])), 'ok.py')


def test_static_check_accepts_every_kind_of_registered_type():
    cfg = Config(
        dict(
            model=dict(
                type='RecognizerGCN',
                backbone=dict(type='STGCN', init_cfg=dict(type='Kaiming')),
                cls_head=dict(type='GCNHead')),
            train_dataloader=dict(
                sampler=dict(type='DefaultSampler'),
                collate_fn=dict(type='pseudo_collate'),
                dataset=dict(
                    type='PoseDataset',
                    pipeline=[dict(type='PoseDecode'),
                              dict(type='PackActionInputs')])),
            param_scheduler=[dict(type='MultiStepLR')],
            default_hooks=dict(checkpoint=dict(type='CheckpointHook')),
            visualizer=dict(
                type='ActionVisualizer',
                vis_backends=[dict(type='LocalVisBackend')]),
            model_wrapper_cfg=dict(type='DeviceAgnosticDDP'),
            train_cfg=dict(type='EpochBasedTrainLoop'),
            optim_wrapper=dict(
                type='OptimWrapper', optimizer=dict(type='AdamW'))))
    check_config_types(cfg, 'ok.py')


def test_run_cli_prints_one_line_and_exits_1(capsys):

    def main():
        raise FsatUserError('checkpoint does not exist: x.pth')

    with pytest.raises(SystemExit) as info:
        run_cli(main, prog='test')
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err == 'fsat test: error: checkpoint does not exist: x.pth\n'


def test_run_cli_keeps_the_traceback_of_a_bug(capsys):

    def main():
        return 1 / 0

    with pytest.raises(SystemExit):
        run_cli(main, prog='train')
    err = capsys.readouterr().err
    assert 'Traceback' in err
    assert err.strip().splitlines()[-1] == (
        'fsat train: error: ZeroDivisionError: division by zero '
        '(traceback above)')


class _FailingDataset(torch.utils.data.Dataset):
    """Sample 1 raises ``error``."""

    def __init__(self, error):
        self.error = error

    def __len__(self):
        return 2

    def __getitem__(self, index):
        if index == 1:
            raise self.error
        return index


def _worker_exception(error):
    loader = torch.utils.data.DataLoader(
        _FailingDataset(error), batch_size=2, num_workers=1)
    with pytest.raises(Exception) as info:
        list(loader)
    return info.value


def test_a_worker_data_error_is_one_line_with_the_worker_message():
    exc = _worker_exception(
        ValueError('Depth map /d/a.png is 8-bit\n(uint8)'))
    # torch's own summary does not name the file
    assert str(exc).startswith('Caught ValueError in DataLoader worker')
    assert worker_error(exc) == (
        'ValueError', 'ValueError: Depth map /d/a.png is 8-bit (uint8)', 0)
    assert describe_error(exc) == (
        'data loading failed in DataLoader worker 0: ValueError: Depth map '
        '/d/a.png is 8-bit (uint8)')
    exc = _worker_exception(FileNotFoundError('Cannot read /d/b.png'))
    assert describe_error(exc).endswith(
        'worker 0: FileNotFoundError: Cannot read /d/b.png')


def test_a_worker_user_error_prints_its_message_only():
    exc = _worker_exception(FsatUserError('/d/x.skeleton: empty file'))
    assert describe_error(exc) == (
        'data loading failed in DataLoader worker 0: /d/x.skeleton: empty '
        'file')


def test_a_worker_bug_keeps_its_traceback_and_names_the_message(capsys):
    exc = _worker_exception(KeyError('frame_inds'))
    assert describe_error(exc) is None

    def main():
        raise exc

    with pytest.raises(SystemExit):
        run_cli(main, prog='train')
    err = capsys.readouterr().err
    assert 'Traceback' in err
    assert err.strip().splitlines()[-1] == (
        "fsat train: error: in DataLoader worker 0: KeyError: 'frame_inds' "
        '(traceback above)')


def test_a_data_error_raised_by_dataset_code_is_one_line(tmp_path):
    # code whose file is in a ``datasets`` package, as fsat's readers are
    folder = tmp_path / 'datasets'
    folder.mkdir()
    source = ("def read(path):\n"
              "    raise ValueError(f'{path}: truncated file')\n")
    namespace = {}
    exec(compile(source, str(folder / 'reader.py'), 'exec'), namespace)
    with pytest.raises(ValueError) as info:
        namespace['read']('/d/x.skeleton')
    assert describe_error(info.value) == (
        'ValueError: /d/x.skeleton: truncated file')
    # the same error from anywhere else is a bug: traceback kept
    with pytest.raises(ValueError) as info:
        raise ValueError('/d/x.skeleton: truncated file')
    assert describe_error(info.value) is None


def test_a_dataset_without_samples_is_named():
    from mmengine.dataset import BaseDataset

    class NoSamples(BaseDataset):

        def load_data_list(self):
            return []

    with pytest.raises(ValueError) as info:
        NoSamples(ann_file='', data_root='/data/ntu')
    assert describe_error(info.value) == (
        'ValueError: NoSamples (data_root /data/ntu): it has no samples: '
        'check its data_root, ann_file and split')


def test_a_closed_stdout_ends_the_tool_quietly(tmp_path):
    """``tool | head``: the reader goes away; no traceback, exit 141."""
    import subprocess
    import sys
    import textwrap
    script = tmp_path / 'tool.py'
    script.write_text(textwrap.dedent('''
        from fsat.utils.cli import run_cli

        def main():
            for i in range(100000):
                print('line', i)

        run_cli(main, prog='demo')
        '''))
    proc = subprocess.run(
        f'{sys.executable} {script} | head -n 1', shell=True,
        capture_output=True, text=True, timeout=120,
        executable='/bin/bash')
    assert proc.stdout == 'line 0\n'
    assert proc.stderr == ''
    status = subprocess.run(
        f'{sys.executable} {script} | head -n 1 >/dev/null; '
        'echo ${PIPESTATUS[0]}', shell=True, capture_output=True,
        text=True, timeout=120, executable='/bin/bash')
    assert status.stdout.strip() == '141'
