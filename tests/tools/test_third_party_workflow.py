# Copyright (c) fsat contributors. All rights reserved.
"""A third party's config and package, run through the real tools.

The config uses only mmaction2 model types plus a dataset and a loss that
an out-of-tree package registers, loaded through ``custom_imports``. It is
trained with ``tools/dist_train.sh CONFIG 2`` on the CPU, evaluated with
``tools/test.py`` and resumed with ``tools/train.py --resume``.

A second project, in a folder outside the checkout, inherits
``fsat::finetune/depth_r3d18_synth.py`` and trains it with nothing but a
dataset-root override; a wheel of fsat ships the configs ``fsat::`` reads.
"""
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import textwrap

import pytest

from fsat.testing import repo_path, run_tool

PACKAGE = '''
import numpy as np
import torch.nn.functional as F
from mmaction.datasets import BaseActionDataset
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import DATASETS, MODELS


@DATASETS.register_module()
class AcmeSkeletonDataset(BaseActionDataset):
    """Skeletons oscillating along a class-dependent axis and frequency."""

    def __init__(self, num_videos=24, num_classes=3, frames=24, seed=0,
                 **kwargs):
        self.num_videos, self.frames, self.seed = num_videos, frames, seed
        super().__init__(ann_file='', modality='Pose',
                         num_classes=num_classes, **kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(self.seed)
        t = np.linspace(0, 2 * np.pi, self.frames)
        data = []
        for i in range(self.num_videos):
            label = i % self.num_classes
            kp = rng.normal(0, 0.05, (1, self.frames, 25, 3))
            kp[0, :, :, label % 3] += np.sin(t * (1 + label))[:, None]
            data.append(dict(frame_dir=f'acme_{i}', label=label,
                             keypoint=kp.astype(np.float32),
                             total_frames=self.frames))
        return data


@MODELS.register_module()
class AcmeSmoothCELoss(BaseWeightedLoss):
    """Cross-entropy with label smoothing."""

    def __init__(self, smoothing=0.1, loss_weight=1.0):
        super().__init__(loss_weight=loss_weight)
        self.smoothing = smoothing

    def _forward(self, cls_score, label, **kwargs):
        return F.cross_entropy(cls_score, label,
                               label_smoothing=self.smoothing)
'''

CONFIG = '''
custom_imports = dict(imports=['acme_actions'])

model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
        base_channels=8, num_stages=4, inflate_stages=[3], down_stages=[3]),
    cls_head=dict(type='GCNHead', num_classes=3, in_channels=16,
                  loss_cls=dict(type='AcmeSmoothCELoss')))


def _pipeline(test_mode):
    return [
        dict(type='PreNormalize3D'),
        dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=16, num_clips=1,
             test_mode=test_mode),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=2),
        dict(type='PackActionInputs'),
    ]


train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='AcmeSkeletonDataset', pipeline=_pipeline(False)))
val_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='AcmeSkeletonDataset', seed=1, test_mode=True,
                 pipeline=_pipeline(True)))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
randomness = dict(seed=0)
'''


@pytest.fixture(scope='module')
def project(tmp_path_factory):
    """A third party's folder: its package and its config side by side."""
    root = tmp_path_factory.mktemp('acme')
    (root / 'acme_actions').mkdir()
    (root / 'acme_actions' / '__init__.py').write_text(
        textwrap.dedent(PACKAGE))
    (root / 'acme_config.py').write_text(textwrap.dedent(CONFIG))
    return root


@pytest.fixture(scope='module')
def trained(project):
    """Two CPU processes train two epochs with tools/dist_train.sh."""
    work_dir = project / 'work_dir'
    proc = run_tool(
        'dist_train.sh', ['acme_config.py', '2', '--work-dir',
                          str(work_dir)],
        cwd=str(project))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return work_dir, proc.stdout + proc.stderr


@pytest.mark.slow
def test_dist_train_two_cpu_processes_checkpoints(trained):
    work_dir, log = trained
    assert 'process group initialised with gloo' in log
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert 'Epoch(val) [2]' in log


def test_test_tool_evaluates_the_checkpoint(project, trained):
    work_dir, _ = trained
    dump = project / 'preds.pkl'
    proc = run_tool('test.py', [
        'acme_config.py',
        str(work_dir / 'epoch_2.pth'), '--work-dir',
        str(project / 'test_dir'), '--dump',
        str(dump)
    ],
                    cwd=str(project))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'acc/top1' in proc.stdout + proc.stderr
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 24  # every test video, once
    assert preds[0]['pred_scores']['item'].shape[-1] == 3


def test_train_resume_continues(project, trained):
    work_dir, _ = trained
    proc = run_tool('train.py', [
        'acme_config.py', '--work-dir',
        str(work_dir), '--resume', '--cfg-options', 'train_cfg.max_epochs=3'
    ],
                    cwd=str(project))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch: 2' in log
    assert 'Epoch(train)   [1]' not in log  # did not start over
    assert osp.isfile(work_dir / 'epoch_3.pth')


def test_resume_from_explicit_missing_checkpoint_is_one_line(project):
    proc = run_tool(
        'train.py', ['acme_config.py', '--resume', 'nowhere/epoch_9.pth'],
        cwd=str(project))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        'fsat train: error: resume checkpoint does not exist: '
        'nowhere/epoch_9.pth')


USER_CONFIG = """
_base_ = ['fsat::finetune/depth_r3d18_synth.py']
# a few iterations on a small world
train_dataloader = dict(
    batch_size=4, num_workers=0,
    dataset=dict(labeled_subset=dict(k_per_class=2)))
val_dataloader = dict(
    num_workers=0,
    dataset=dict(labeled_subset=dict(k_per_class=1, skip_per_class=3)))
train_cfg = dict(max_iters=4, val_interval=4)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=4, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=4))
"""


@pytest.fixture(scope='module')
def user_project(tmp_path_factory):
    """A folder outside the checkout with a config inheriting fsat's."""
    from fsat.datasets.synthetic import generate_world, get_preset
    root = tmp_path_factory.mktemp('user_project')
    world = tmp_path_factory.mktemp('world')
    generate_world(get_preset('tiny', num_classes=10), str(world), seed=0,
                   workers=1, progress=False)
    (root / 'my_depth.py').write_text(USER_CONFIG)
    assert not str(root).startswith(repo_path())
    return root, world


@pytest.mark.slow
def test_fsat_config_trains_from_outside_the_checkout(user_project):
    root, world = user_project
    proc = run_tool(
        'train.py',
        ['my_depth.py', '--cfg-options', f'data_root={world}/ntu'],
        cwd=str(root))
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    work_dir = root / 'work_dirs' / 'my_depth'
    assert osp.isfile(work_dir / 'iter_4.pth')
    assert 'Iter(val) [10/10]' in log  # 1 video x 10 classes
    from mmengine.config import Config
    dumped = Config.fromfile(str(work_dir / 'my_depth.py'))
    for split in ('train', 'val', 'test'):
        assert dumped[f'{split}_dataloader'].dataset.data_root == (
            f'{world}/ntu')
    # outputs (work dir, frame cache) stay below the working directory
    assert osp.isdir(root / 'work_dirs' / 'frame_cache')


def test_check_only_rejects_a_mistyped_cfg_option(user_project):
    root, world = user_project
    proc = run_tool('train.py', [
        'my_depth.py', '--check-only', '--cfg-options',
        f'data_root={world}/ntu', 'train_cfg.max_iter=3'
    ],
                    cwd=str(root))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        'fsat train: error: my_depth.py: --cfg-options train_cfg.max_iter: '
        "the config has no field 'train_cfg.max_iter'. Did you mean "
        "'train_cfg.max_iters' or 'train_cfg.val_interval'? Write "
        '+train_cfg.max_iter=... to add a new field on purpose.')


@pytest.mark.slow
def test_a_wheel_ships_the_configs_fsat_names(tmp_path):
    """``pip install`` of a wheel (not editable) resolves ``fsat::``."""
    source = tmp_path / 'src'
    source.mkdir()
    for name in ('setup.py', 'MANIFEST.in', 'README.md'):
        shutil.copy(repo_path(name), source / name)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    for name in ('fsat', 'configs', 'tools', 'requirements'):
        shutil.copytree(repo_path(name), source / name, ignore=ignore)
    pip = [sys.executable, '-m', 'pip']
    subprocess.run(
        pip + ['wheel', '-q', '--no-deps', '--no-index',
               '--no-build-isolation', '-w', str(tmp_path / 'dist'),
               str(source)],
        check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / 'dist').glob('fsat-*.whl'))
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages',
                    str(venv)], check=True, timeout=300)
    python = str(venv / 'bin' / 'python')
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--no-deps',
                    '--no-index', str(wheel)],
                   check=True, capture_output=True, timeout=300)
    (tmp_path / 'mine.py').write_text(
        "_base_ = ['fsat::distill/flow2depth_v2c_synth.py']\n")
    code = ('import fsat; from fsat.apis import load_config; '
            "print(fsat.__file__); print(load_config('mine.py')"
            '.model.teacher.config)')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    proc = subprocess.run([python, '-c', code], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    package, teacher = proc.stdout.split()
    installed = osp.dirname(package)
    assert installed.startswith(str(venv))
    assert teacher == osp.join(installed, '.mim', 'configs', 'teachers',
                               'flow_r3d18_synth.py')
    assert osp.isfile(teacher)
    # the tools come along, as mmaction2's do (what `mim train` runs)
    train = osp.join(installed, '.mim', 'tools', 'train.py')
    proc = subprocess.run([python, train, 'mine.py', '--check-only'],
                          cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
