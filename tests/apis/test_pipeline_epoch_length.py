# Copyright (c) fsat contributors. All rights reserved.
"""Length selection for a stage whose config trains by epochs: the runs
become iteration-based, validate every ``val_interval`` iterations and
test the best validation's checkpoint."""
import dataclasses
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from fsat.apis.pipeline import load_pipeline, run_pipeline
from fsat.engine.selection import best_point, read_curve
from fsat.testing import toy_train_config
from fsat.utils.cli import FsatUserError

#: 16 toy samples in batches of 4: 4 iterations per epoch, so validating
#: every 3 iterations is no epoch boundary.
MAX_ITERS, VAL_INTERVAL = 12, 3


def epoch_config(path):
    """A toy stage config training 2 epochs by epochs (validation and test
    sets drawn with other seeds than the training set's)."""
    cfg = toy_train_config('unused', batch_size=4, num_samples=16)
    loader = cfg['val_dataloader']
    cfg['train_dataloader'] = dict(
        loader, sampler=dict(type='DefaultSampler', shuffle=True, seed=3))
    cfg['val_dataloader'] = dict(
        loader, batch_size=8, dataset=dict(loader['dataset'], seed=1))
    cfg['test_dataloader'] = dict(
        loader, batch_size=8, dataset=dict(loader['dataset'], seed=2))
    cfg['train_cfg'] = dict(
        type='EpochBasedTrainLoop', max_epochs=2, val_interval=1,
        val_begin=2)
    cfg['param_scheduler'] = [
        dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.1)
    ]
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=1, by_epoch=True, save_best='auto')
    cfg['default_hooks']['logger']['interval'] = 10
    cfg['log_processor'] = dict(by_epoch=True)
    Config(cfg).dump(str(path))
    return str(path)


def write_pipeline(root, scheduler='[]'):
    config = epoch_config(root / 'epochs.py')
    path = root / 'pipe.py'
    path.write_text(
        'sweeps = dict(seed=[0])\n'
        "recipe_axes = dict(lr=dict(key='optim_wrapper.optimizer.lr', "
        'values=[0.05]))\n'
        f'length_selection = dict(max_iters={MAX_ITERS}, '
        f'val_interval={VAL_INTERVAL}, param_scheduler={scheduler})\n'
        "report_metric = 'acc/top1'\n"
        f"stages = [dict(name='ft', config='{config}', method='m', "
        "sweep=['seed'], select_recipe=True, "
        "cfg_options={'randomness.seed': '{seed}'})]\n")
    return load_pipeline(str(path), str(root / 'work'))


def test_an_epoch_based_config_is_resolved_iteration_based(tmp_path):
    pipeline = write_pipeline(tmp_path)
    cfg = pipeline.resolve(pipeline.plan()[0])
    assert cfg.train_cfg == dict(
        type='IterBasedTrainLoop', max_iters=MAX_ITERS,
        val_interval=VAL_INTERVAL)
    assert cfg.train_dataloader.sampler == dict(
        type='InfiniteSampler', shuffle=True, seed=3)
    assert cfg.log_processor.by_epoch is False
    checkpoint = cfg.default_hooks.checkpoint
    assert (checkpoint.by_epoch, checkpoint.interval,
            checkpoint.save_best) == (False, VAL_INTERVAL, None)
    assert cfg.param_scheduler == []
    assert [h['type'] for h in cfg.custom_hooks] == ['ValidationCurveHook']
    # the stage's own config is unchanged
    assert Config.fromfile(pipeline.stages[0].config).train_cfg.max_epochs \
        == 2


def test_an_epoch_based_run_trains_iterations_and_tests_its_best(tmp_path):
    pipeline = write_pipeline(tmp_path)
    records = run_pipeline(pipeline)
    assert len(records) == 1
    record = records[0]
    work_dir = osp.dirname(record['checkpoint'])
    curve = read_curve(work_dir)
    assert [p['iter'] for p in curve] == [3, 6, 9, 12]
    best = best_point(curve, 'acc/top1')
    assert record['length']['best_iter'] == best['iter']
    assert osp.basename(record['checkpoint']) == (
        f"best_iter_{best['iter']}.pth")
    # trained the whole length, by iterations (the last regular checkpoint)
    last = torch.load(
        osp.join(work_dir, f'iter_{MAX_ITERS}.pth'), map_location='cpu',
        weights_only=False)
    assert last['meta']['iter'] == MAX_ITERS
    assert not any(
        name.startswith('epoch_') for name in os.listdir(work_dir))
    # the test metrics are those of the best validation's weights
    planned = pipeline.plan()[0]
    recipe = pipeline.recipes_for(planned.stage)[0]
    cfg = pipeline.resolve(
        dataclasses.replace(planned, recipe=recipe, deferred=False))
    cfg.work_dir = osp.join(work_dir, 'retest')
    cfg.load_from = record['checkpoint']
    cfg.custom_hooks = []
    cfg.experiment_name = 'retest'
    assert Runner.from_cfg(cfg).test() == pytest.approx(record['test'])


def test_an_epoch_schedule_is_refused(tmp_path):
    pipeline = write_pipeline(
        tmp_path, "[dict(type='MultiStepLR', milestones=[6])]")
    with pytest.raises(FsatUserError, match='must count iterations'):
        pipeline.resolve(pipeline.plan()[0])
