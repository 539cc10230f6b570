# Copyright (c) fsat contributors. All rights reserved.
"""Resumption of VPN++'s multi-teacher distillation: a ``tools/train.py``
process training a :class:`~fsat.models.MultiTeacherDistiller` is killed
(SIGKILL) after a checkpoint and resumed with ``--resume``; it must end
with the very state of an uninterrupted run. One config holds the three
kinds of teachers and the losses whose state outlives a step:

* a collaborative teacher (``trainable=True, with_loss=True``, as VPN*),
  with batch norm, in the optimiser and taught by CRD;
* a frozen teacher read from the teacher feature cache (``cached=True``,
  :class:`~fsat.engine.TeacherFeatureCacheHook`), as VPN++'s pose teacher;
* ``CRDLoss(num_data='train_set')``, whose memory banks are buffers sized
  by :class:`~fsat.engine.TrainSetSizeHook` before the resume loads them,
  and ``SCDLoss(num_data='train_set')`` on the cached teacher.

The models are tiny (toy clips in memory) so that the processes cost
seconds; the random parts are those of ``test_resume.py``'s toy run
(dropout, augmentation in DataLoader workers, a shuffling sampler) plus
CRD's and SCD's draws of negatives.
"""
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from test_resume import (  # noqa: F401 (fixtures, by pytest's rootdir)
    _assert_same,
    _config,
    _dump,
    _env,
    _numbered,
    _start_and_kill,
    _train,
    one_thread,
    toys,
)

from fsat.engine.resume import find_resume_checkpoint
from fsat.testing import REPO_ROOT, build_toy_model, tiny_resnet3d
from fsat.testing import toy_recognizer as toy_recognizer_cfg

STEPS = 12
FINAL = f'iter_{STEPS}.pth'
NUM_SAMPLES = 16
# the input of each model's classifier: the pooled feature
POOLED = dict(path='cls_head.fc_cls', source='input')


def _distiller_config(work_dir, frozen_checkpoint, seed=None):
    """``test_resume``'s toy run (dropout 0.5 in the student, random
    augmentation in 2 DataLoader workers, shuffling, checkpoints every 4
    of 12 iterations, one kept) training a VPN++-like distiller.

    Args:
        work_dir (str): The run's work dir (its teacher cache too).
        frozen_checkpoint (str): Weights of the cached, frozen teacher.
        seed (int, optional): ``seed`` of CRDLoss and SCDLoss (their
            private generators of negatives); None draws from torch's.
    """
    cfg = _config(work_dir, workers=2, delay=0.03, steps=STEPS, interval=4)
    loader = cfg['train_dataloader']
    # data.indices (CRD's bank rows) is the samples' sample_idx
    loader['dataset']['pipeline'][-1] = dict(
        type='PackActionInputs', meta_keys=('video_id', 'sample_idx'))
    student = cfg['model']  # the toy recognizer, 8-d feature, dropout 0.5
    teachers = dict(
        # VPN*-like: trained with the student, its own CE, batch norm
        collab=dict(
            model=tiny_resnet3d(base_channels=2),  # 16-d feature
            trainable=True,
            with_loss=True,
            loss_weight=0.5),
        # the pose teacher: frozen, its features read from the cache
        pose=dict(
            model=toy_recognizer_cfg(width=8),
            checkpoint=frozen_checkpoint,
            cached=True))
    cfg['model'] = dict(
        type='MultiTeacherDistiller',
        student=student,
        teachers=teachers,
        taps=dict(student=dict(feat=POOLED), collab=dict(feat=POOLED),
                  pose=dict(feat=POOLED)),
        connectors=dict(
            embed=dict(type='LinearConnector', in_channels=8,
                       out_channels=8)),
        distill_losses=dict(
            loss_scd=dict(
                type='SCDLoss',
                num_data='train_set',
                num_negatives=1,
                loss_weight=0.1,
                seed=seed,
                inputs=dict(
                    feat_s=dict(feature='student.feat', connector='embed'),
                    feat_t='pose.feat',
                    labels='data.labels')),
            loss_crd=dict(
                type='CRDLoss',
                student_channels=8,
                teacher_channels=16,
                num_data='train_set',
                feat_dim=8,
                num_negatives=6,
                loss_weight=0.5,
                seed=seed,
                inputs=dict(
                    feat_s='student.feat',
                    feat_t='collab.feat',
                    indices='data.indices'))))
    cfg['custom_hooks'] = [
        dict(type='TeacherFeatureCacheHook', teacher='pose',
             dataset=dict(type='ToyClipDataset', num_samples=NUM_SAMPLES,
                          num_classes=4, test_mode=True,
                          pipeline=[dict(type='PackActionInputs')])),
        # tools/train.py registers it itself; the in-process run needs it
        dict(type='TrainSetSizeHook'),
    ]
    return cfg


def _checkpoint(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def _assert_same_optimizer(ref, ours):
    """Every state tensor (momentum buffers) and group of two optimizer
    state dicts."""
    assert ref['param_groups'] == ours['param_groups']
    assert ref['state'].keys() == ours['state'].keys()
    for index, state in ref['state'].items():
        assert state.keys() == ours['state'][index].keys()
        for key, value in state.items():
            torch.testing.assert_close(
                ours['state'][index][key], value, rtol=0, atol=0)


@pytest.mark.parametrize(
    'seed', [None, pytest.param(5, marks=pytest.mark.slow)])
def test_multi_teacher_killed_and_resumed_equals_uninterrupted(
        tmp_path, toys, seed):  # noqa: F811 (the imported fixture)
    """The resumed run's final checkpoint holds the uninterrupted run's
    parameters and buffers (student, connector, the collaborative
    teacher's weights and batch-norm statistics, CRD's embeddings and
    memory banks, the frozen teacher) and optimizer state (the
    collaborative teacher's momentum included)."""
    frozen = str(tmp_path / 'pose.pth')
    build_toy_model(toy_recognizer_cfg(width=8), seed=1, save_to=frozen)
    ref_dir = str(tmp_path / 'ref')
    # from the dumped file, as tools/train.py reads it: Config.dump sorts
    # the keys, and so the order the losses (and their draws) run in
    _train(Config.fromfile(_dump(_distiller_config(ref_dir, frozen, seed),
                                 tmp_path / 'ref.py')))
    ref = _checkpoint(osp.join(ref_dir, FINAL))

    work_dir = str(tmp_path / 'killed')
    cfg = _dump(_distiller_config(work_dir, frozen, seed),
                tmp_path / 'killed.py')
    env = _env(toys)
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), cfg]
    _start_and_kill(cmd, env, work_dir)
    assert FINAL not in _numbered(work_dir)  # killed before the end
    start = str(tmp_path / 'start.pth')  # --resume's; removed later
    shutil.copy(find_resume_checkpoint(work_dir), start)
    resumed = subprocess.run(
        cmd + ['--resume'], env=env, cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=300)
    log = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, log[-3000:]
    assert 'with the random states of the interrupted run' in log
    assert f'is the training set size, {NUM_SAMPLES}' in log
    assert 'teacher feature cache' in log
    ours = _checkpoint(osp.join(work_dir, FINAL))

    state = ref['state_dict']
    banks = ('distill_losses.loss_crd.memory_s',
             'distill_losses.loss_crd.memory_t')
    for key in banks:
        assert state[key].shape == (NUM_SAMPLES, 8)
    assert any('running_mean' in k for k in state
               if k.startswith('teachers.collab.'))
    # what the resumed run trained after its start moved: the comparison
    # below is not between states that never change
    start_state = _checkpoint(start)['state_dict']
    moved = [k for k in state if not torch.equal(state[k], start_state[k])]
    for prefix in ('student.', 'connectors.', 'teachers.collab.') + banks:
        assert any(k.startswith(prefix) for k in moved), prefix
    assert not any(k.startswith('teachers.pose.') for k in moved)
    _assert_same(state, ours['state_dict'])
    _assert_same_optimizer(ref['optimizer'], ours['optimizer'])


def test_module_generators_are_captured_and_restored():
    """CRD's and SCD's private generators (``seed=``), found by module
    path; a restored one draws what it drew after the capture."""
    from fsat.engine.resume import (
        capture_module_generators,
        restore_module_generators,
    )
    from fsat.models.losses import CRDLoss, SCDLoss
    model = torch.nn.ModuleDict(
        dict(crd=CRDLoss(4, 4, num_data=10, num_negatives=3, seed=1),
             scd=SCDLoss(num_data=10, seed=2), plain=SCDLoss(num_data=10)))
    indices = torch.arange(4)
    model['crd'].draw_negatives(indices)
    states = capture_module_generators(model)
    assert sorted(states) == ['crd.generator', 'scd.generator']
    after = model['crd'].draw_negatives(indices)
    model['crd'].draw_negatives(indices)
    restore_module_generators(model, states)
    assert torch.equal(model['crd'].draw_negatives(indices), after)
