# Copyright (c) fsat contributors. All rights reserved.
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from fsat.registry import MODELS
from fsat.utils.cli import FsatUserError, describe_error, did_you_mean, run_cli
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
