# Copyright (c) fsat contributors. All rights reserved.
"""Two CPU processes with batch b == one process with batch 2b.

Runs the real tools: ``tools/dist_train.sh`` (torchrun, gloo, the
device-agnostic DDP wrapper) against ``tools/train.py``, on a model without
batch statistics and a sampler that does not shuffle.
"""
import os.path as osp

import torch
from mmengine.config import Config

from fsat.testing import run_tool, toy_train_config

STEPS = 6
BATCH = 2


def _train(tmp_path, name, nproc, batch):
    """Train STEPS steps; return the state dicts at STEPS/2 and STEPS."""
    work_dir = str(tmp_path / name)
    cfg = toy_train_config(
        work_dir,
        batch_size=batch,
        max_iters=STEPS,
        num_samples=BATCH * 2 * STEPS,
        checkpoint_interval=STEPS // 2,
        lr=0.5)
    cfg['val_cfg'] = cfg['val_dataloader'] = cfg['val_evaluator'] = None
    cfg['train_cfg'] = dict(type='IterBasedTrainLoop', max_iters=STEPS)
    path = str(tmp_path / f'{name}.py')
    Config(cfg).dump(path)
    if nproc == 1:
        proc = run_tool('train.py', [path])
    else:
        proc = run_tool('dist_train.sh', [path, str(nproc)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    states = [
        torch.load(
            osp.join(work_dir, f'iter_{step}.pth'),
            map_location='cpu',
            weights_only=False)['state_dict']
        for step in (STEPS // 2, STEPS)
    ]
    return states, proc.stdout + proc.stderr


def test_two_processes_equal_one_process_with_double_batch(tmp_path):
    single, _ = _train(tmp_path, 'single', nproc=1, batch=2 * BATCH)
    double, log = _train(tmp_path, 'double', nproc=2, batch=BATCH)
    assert 'process group initialised with gloo' in log
    for step_single, step_double in zip(single, double):
        assert step_single.keys() == step_double.keys()
        for key in step_single:
            diff = (step_single[key] - step_double[key]).abs().max().item()
            assert diff < 1e-5, f'{key} differs by {diff}'
    # and the runs did train: the weights moved between the checkpoints
    moved = (single[1]['cls_head.fc_cls.weight'] -
             single[0]['cls_head.fc_cls.weight']).abs().max().item()
    assert moved > 1e-3
