# Copyright (c) fsat contributors. All rights reserved.
"""The shipped synthetic-world configs end to end on a small world.

A 10-class world with few performers (the demo's classes, a fraction of its
videos) stands in ``<sandbox>/data/synthetic_demo``, where the configs look
for it; ``<sandbox>/configs`` links to the shipped configs. Runs are short:
this checks that the pieces fit (teacher -> cached transfer -> fine-tuning,
distributed transfer, export, video-level test), not accuracies.
"""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from fsat.testing import repo_path, run_tool

# the whole chain takes minutes: `make test-slow`
pytestmark = pytest.mark.slow

SHORT = {
    'train_cfg.max_iters': 6,
    'train_cfg.val_interval': 6,
    'param_scheduler.0.T_max': 6,
    'default_hooks.checkpoint.interval': 6,
    'train_dataloader.batch_size': 4,
}
FEW_VAL = {
    'val_dataloader.dataset.labeled_subset.k_per_class': 1,
    'val_dataloader.dataset.labeled_subset.skip_per_class': 3,
}


@pytest.fixture(scope='module')
def sandbox(tmp_path_factory):
    from fsat.datasets.flow import collect_videos, extract_many
    from fsat.datasets.synthetic import generate_world, get_preset
    root = tmp_path_factory.mktemp('synthetic_fsat')
    world = root / 'world'
    generate_world(get_preset('tiny', num_classes=10), str(world), seed=0,
                   workers=1, progress=False)
    ntu = world / 'ntu'
    extract_many(collect_videos(str(ntu / 'nturgb+d_rgb'), exts=('avi', )),
                 str(ntu / 'nturgb+d_flow'), workers=1, progress=False,
                 method='farneback')
    (root / 'data').mkdir()
    (root / 'data' / 'synthetic_demo').symlink_to(world)
    (root / 'configs').symlink_to(repo_path('configs'))
    return root


@pytest.fixture(scope='module')
def pipeline_results(sandbox):
    """The demo pipeline's stages with short schedules, in the sandbox."""
    few_labels = {
        **SHORT,
        **FEW_VAL,
        'train_dataloader.dataset.labeled_subset.k_per_class': '{budget}',
        'randomness.seed': '{seed}',
    }
    finetune = 'configs/finetune/depth_r3d18_synth.py'
    from_transfer = dict(
        few_labels, **{
            'model.backbone.frozen_stages': 3,
            'custom_hooks': [
                dict(
                    type='PretrainedWeightsHook',
                    checkpoint='{transfer.checkpoint}',
                    prefix='student.')
            ]
        })
    Config(
        dict(
            sweeps=dict(budget=[2], seed=[0]),
            recipe_grid=[
                dict(
                    name='lr0.05',
                    cfg_options={'optim_wrapper.optimizer.lr': 0.05})
            ],
            stages=[
                dict(
                    name='teacher',
                    config='configs/teachers/flow_r3d18_synth.py',
                    cfg_options=SHORT),
                dict(
                    name='transfer',
                    config='configs/distill/flow2depth_vc_synth.py',
                    cfg_options=dict(
                        SHORT, **{
                            'model.teacher.checkpoint':
                            '{teacher.checkpoint}'
                        })),
                dict(
                    name='scratch',
                    method='from scratch',
                    config=finetune,
                    sweep=['budget', 'seed'],
                    select_recipe=True,
                    cfg_options=few_labels),
                dict(
                    name='fsat',
                    method='feature-supervised',
                    config=finetune,
                    sweep=['budget', 'seed'],
                    select_recipe=True,
                    cfg_options=from_transfer),
            ])).dump(str(sandbox / 'pipe.py'))
    proc = run_tool('run_pipeline.py',
                    ['pipe.py', '--work-dir', 'work_dirs/pipe'],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(sandbox / 'work_dirs' / 'pipe' / 'results.json') as f:
        return json.load(f), proc.stdout + proc.stderr


def test_pipeline_runs_teacher_transfer_and_finetuning(sandbox,
                                                       pipeline_results):
    results, log = pipeline_results
    stages = [r['stage'] for r in results['runs']]
    assert stages == ['teacher', 'transfer', 'scratch', 'fsat']
    for run in results['runs'][2:]:
        assert 0 <= run['test']['acc/top1'] <= 1  # video-level test
        assert 'acc/top1' in run['val']
    assert 'teacher feature cache' in log
    assert "PretrainedWeightsHook: loaded" in log
    assert osp.isfile(sandbox / 'work_dirs' / 'pipe' / 'results.png')


def test_cache_holds_every_training_video_of_the_target_split(
        sandbox, pipeline_results):
    caches = [
        d for d in os.listdir(sandbox / 'work_dirs' / 'teacher_cache')
    ]
    assert len(caches) == 1
    with open(sandbox / 'work_dirs' / 'teacher_cache' / caches[0] /
              'index.json') as f:
        index = json.load(f)
    # tiny K=10: 4 sessions x 1 replication x cameras 2, 3 per class
    assert len(index) == 10 * 4 * 2
    assert all(name[4:8] in ('C002', 'C003') for name in index)


def test_distributed_transfer_export_and_video_level_test(
        sandbox, pipeline_results):
    results, _ = pipeline_results
    teacher = results['runs'][0]['checkpoint']
    work = sandbox / 'work_dirs' / 'dist_transfer'
    proc = run_tool('dist_train.sh', [
        'configs/distill/flow2depth_v2c_synth.py', '2', '--work-dir',
        str(work), '--cfg-options', f'model.teacher.checkpoint={teacher}',
        'train_cfg.max_iters=4', 'param_scheduler.0.T_max=4',
        'default_hooks.checkpoint.interval=4', 'train_dataloader.batch_size=2',
        f'custom_hooks.0.cache_root={sandbox}/cache_two_procs'
    ],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'process group initialised with gloo' in proc.stdout + proc.stderr
    # the two-process cache equals the one the single-process run built
    one = sandbox / 'work_dirs' / 'teacher_cache'
    two = sandbox / 'cache_two_procs'
    key = os.listdir(one)[0]
    assert os.listdir(two) == [key]
    for name in ('features.npy', 'index.json'):
        assert (one / key / name).read_bytes() == (two / key /
                                                    name).read_bytes()
    # export the student and test it as a plain recognizer, video level
    student = sandbox / 'student.pth'
    proc = run_tool('export_student.py',
                    [str(work / 'iter_4.pth'), str(student)],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stderr[-2000:]
    state = torch.load(student, map_location='cpu', weights_only=False)
    assert all(k.startswith(('backbone.', 'cls_head.', 'data_preprocessor'))
               for k in state['state_dict'])
    proc = run_tool('test.py', [
        'configs/finetune/depth_r3d18_synth.py',
        str(student), '--work-dir',
        str(sandbox / 'work_dirs' / 'test_student'), '--cfg-options',
        'model.cls_head.num_classes=60'
    ],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'acc/top1' in proc.stdout + proc.stderr


def test_skeleton_student_learns_from_the_flow_teacher(sandbox,
                                                        pipeline_results):
    """v2v transfer to ST-GCN (paper Table V) from the shipped config: the
    cached video targets are reused and the cosine distance falls."""
    results, _ = pipeline_results
    teacher = results['runs'][0]['checkpoint']
    work = sandbox / 'work_dirs' / 'skeleton_transfer'
    iters = 40
    proc = run_tool('train.py', [
        'configs/distill/flow2skeleton_v2v_synth.py', '--work-dir',
        str(work), '--cfg-options', f'model.teacher.checkpoint={teacher}',
        f'train_cfg.max_iters={iters}', f'param_scheduler.0.T_max={iters}',
        f'default_hooks.checkpoint.interval={iters}',
        'default_hooks.logger.interval=1', 'train_dataloader.batch_size=8'
    ],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    # same teacher, videos and pipeline: the transfer stage's cache
    assert 'teacher feature cache' in log
    assert len(os.listdir(sandbox / 'work_dirs' / 'teacher_cache')) == 1
    (scalars, ) = [
        osp.join(d, f) for d, _, fs in os.walk(work) for f in fs
        if f == 'scalars.json'
    ]
    with open(scalars) as f:
        losses = [
            json.loads(line)['distill.loss_video'] for line in f
            if 'distill.loss_video' in line
        ]
    assert len(losses) == iters
    first, last = sum(losses[:8]) / 8, sum(losses[-8:]) / 8
    assert last < 0.8 * first, (first, last)


def test_rgb_teacher_and_rgb_to_depth_transfer(sandbox):
    """The RGB teacher config trains, and its checkpoint drives the cached
    RGB-to-depth transfer twin (teacher features from RGB .avi clips)."""
    teacher_dir = sandbox / 'work_dirs' / 'rgb_teacher'
    proc = run_tool('train.py', [
        'configs/teachers/rgb_r3d18_synth.py', '--work-dir',
        str(teacher_dir), '--cfg-options'
    ] + [f'{k}={v}' for k, v in SHORT.items()],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    work = sandbox / 'work_dirs' / 'rgb2depth'
    proc = run_tool('train.py', [
        'configs/distill/rgb2depth_vc_synth.py', '--work-dir',
        str(work), '--cfg-options',
        f'model.teacher.checkpoint={teacher_dir}/iter_6.pth',
        f'custom_hooks.0.cache_root={sandbox}/rgb_cache'
    ] + [f'{k}={v}' for k, v in SHORT.items() if 'val' not in k],
                    cwd=str(sandbox))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (key, ) = os.listdir(sandbox / 'rgb_cache')
    with open(sandbox / 'rgb_cache' / key / 'meta.json') as f:
        meta = json.load(f)
    # tiny K=10: 4 sessions x cameras 2, 3 per class, 128-d slim teacher
    assert meta['num_videos'] == 10 * 4 * 2 and meta['dim'] == 128
    assert meta['checkpoint'].endswith('iter_6.pth')
    assert osp.isfile(work / 'iter_6.pth')
