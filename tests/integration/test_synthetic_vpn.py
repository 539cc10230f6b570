# Copyright (c) fsat contributors. All rights reserved.
"""The synthetic VPN++ chain end to end: the pose teacher AGCN-J, VPN++
(cached frozen pose teacher + collaborative VPN*) for a few iterations,
the student's export, and its test on RGB alone, on a small world of the
`smarthome` preset's 13 classes (6 subjects, one routine, short 128x96
clips: 234 clips, a few seconds to write; the configs train on the CS
training subjects 6 and 7 and hold 3 and 4 out for validation). Short
runs: this checks that the pieces fit, not accuracies."""
import os.path as osp

import pytest
import torch

from fsat.testing import run_tool, small_smarthome_world

pytestmark = pytest.mark.slow

SHORT = [
    'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
    'default_hooks.checkpoint.interval=2', 'train_dataloader.batch_size=4',
    'train_dataloader.num_workers=0', 'default_hooks.logger.interval=1'
]


@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_vpn')
    small_smarthome_world(str(root / 'world'))
    env = dict(FSAT_SMARTHOME_ROOT=str(root / 'world'),
               FSAT_FRAME_CACHE=str(root / 'frame_cache'))

    def train(config, work_dir, *options):
        proc = run_tool('train.py', [
            f'configs/vpn/{config}', '--work-dir', str(root / work_dir),
            '--cfg-options', *SHORT, *options
        ], env=env)
        assert proc.returncode == 0, proc.stdout[-3000:] + \
            proc.stderr[-3000:]
        return proc

    train('agcn_j_synth.py', 'agcn_j')
    teacher = str(root / 'agcn_j' / 'iter_2.pth')
    log = train('vpnpp_synth.py', 'vpnpp',
                f'model.teachers.pose.checkpoint={teacher}',
                f'custom_hooks.0.cache_root={root / "cache"}')
    return root, env, teacher, log.stdout + log.stderr


def test_vpnpp_trains_both_teachers_as_configured(chain):
    root, _, teacher, log = chain
    assert 'teacher feature cache' in log
    # SCD's num_data='train_set': the 78 training clips of this world
    assert 'is the training set size, 78' in log
    for key in ('student.loss_cls', 'vpn.loss_cls', 'distill.loss_scd',
                'distill.loss_attn'):
        assert key in log
    state = torch.load(str(root / 'vpnpp' / 'iter_2.pth'),
                       map_location='cpu', weights_only=False)['state_dict']
    pose = torch.load(teacher, map_location='cpu',
                      weights_only=False)['state_dict']
    # the frozen pose teacher is exactly its checkpoint after training
    for key, value in pose.items():
        assert torch.equal(state[f'teachers.pose.{key}'], value), key
    assert any(k.startswith('teachers.vpn.coupler.') for k in state)


def test_exported_student_is_tested_on_rgb_alone(chain):
    root, env, _, _ = chain
    out = str(root / 'student.pth')
    proc = run_tool('export_student.py',
                    [str(root / 'vpnpp' / 'iter_2.pth'), out])
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_tool('test.py', [
        'configs/vpn/i3d_nl_rgb_synth.py', out, '--work-dir',
        str(root / 'test'), '--cfg-options',
        'test_dataloader.num_workers=0', '+test_dataloader.dataset.indices=6'
    ], env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'acc/top1' in proc.stdout + proc.stderr
    assert osp.isfile(out)
