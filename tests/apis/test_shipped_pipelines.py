# Copyright (c) fsat contributors. All rights reserved.
"""The shipped real-data pipelines plan the paper's runs, and every run's
config resolves and builds (without data or training)."""
import os
import os.path as osp

import pytest
from mmengine.registry import DefaultScope

from fsat.apis.pipeline import load_pipeline
from fsat.registry import MODELS
from fsat.testing import repo_path


@pytest.mark.parametrize('name,stages,methods', [
    ('fsat_ntu60_depth', ['teacher', 'transfer', 'scratch', 'pretrain',
                          'fsat'], 3),
    ('fsat_ntu60_skeleton', ['teacher', 'transfer', 'scratch', 'fsat'], 2),
])
def test_real_pipelines_plan_budgets_and_seeds(tmp_path, monkeypatch, name,
                                               stages, methods):
    monkeypatch.chdir(repo_path())
    monkeypatch.setenv('NTU_ROOT', '/datasets/nturgbd')
    pipeline = load_pipeline(f'configs/pipelines/{name}.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert [s.name for s in pipeline.stages] == stages
    # 20 / 50 / 100 per class x 5 seeds for each fine-tuning method
    assert len(runs) == 2 + methods * 15
    budgets = sorted({r.values['budget'] for r in runs if r.values})
    assert budgets == [20, 50, 100]
    assert sorted({r.values['seed'] for r in runs if r.values}) == list(
        range(5))
    last = runs[-1]
    cfg = pipeline.resolve(last, dry=True)
    assert cfg.train_dataloader.dataset.data_root == '/datasets/nturgbd'
    assert cfg.train_dataloader.dataset.labeled_subset.k_per_class == 100
    hook = cfg.custom_hooks[0]
    assert hook.prefix == 'student.'
    assert hook.checkpoint.startswith(str(tmp_path / 'w'))
    transfer = pipeline.resolve(runs[1], dry=True)
    assert transfer.model.teacher.checkpoint.endswith('not-trained-yet.pth')
    with DefaultScope.overwrite_default_scope('fsat'):
        MODELS.build(cfg.model)
    assert not os.path.exists(tmp_path / 'w')


@pytest.mark.parametrize('name,stages,runs', [
    # 3 seeded teachers and transfers; seed 0 runs the grid of each budget
    # (scratch: 2 learning rates; the others x 2 trained-layer choices)
    ('fsat_synth_demo', ['teacher', 'transfer', 'scratch', 'pretrain',
                         'fsat'], 6 + (2 * 2 + 4) + 2 * (2 * 4 + 4)),
    # the depth ablations search the demo's grid (scratch: lr only)
    ('ablation_synth_granularity', ['teacher'] + [
        f'{kind}_{v}' for kind in ('transfer', 'ft')
        for v in ('c2c', 'v2c', 'vc', 'v2c_mse')], 1 + 4 + 4 * (2 * 4 + 4)),
    # per method: a 2 x 2 grid at each budget on seed 0, then seeds 1, 2
    ('ablation_synth_skeleton', ['teacher', 'transfer', 'scratch', 'fsat'],
     2 + 2 * (2 * 4 + 2 * 2)),
    # 2 learning rates per method at each budget on seed 0, then seeds 1, 2
    ('fsat_synth_detection', ['teacher', 'transfer', 'scratch', 'pretrain',
                              'fsat'], 2 + 3 * (3 * 2 + 3 * 2)),
    ('ablation_synth_teacher', ['teacher_rgb', 'teacher_flow',
                                'transfer_rgb', 'transfer_flow', 'ft_rgb',
                                'ft_flow', 'two_stream'],
     4 * 3 + 2 * (2 * 4 + 4) + 6),
    ('ablation_synth_domain', [
        'teacher_near', 'teacher_far', 'teacher_far_on_near',
        'teacher_near_on_far', 'transfer_near', 'transfer_far', 'scratch',
        'pretrain_near', 'pretrain_far', 'fsat_near', 'fsat_far'
    ], 6 + (2 * 2 + 4) + 4 * (2 * 4 + 4)),
])
def test_synthetic_pipelines_plan_and_resolve(tmp_path, monkeypatch, name,
                                              stages, runs):
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline(f'configs/pipelines/{name}.py',
                             str(tmp_path / 'w'))
    assert [s.name for s in pipeline.stages] == stages
    planned = pipeline.plan()
    if runs is not None:
        assert len(planned) == runs
    for run in planned:
        if not run.deferred:
            pipeline.resolve(run, dry=True)  # every config loads
    assert not os.path.exists(tmp_path / 'w')
    # each makes the demo world (and its flow) that its configs read
    demo = pipeline.prepare[0]
    assert demo['type'] == 'synthetic_world' and demo['kwargs'] == dict(
        out='data/synthetic_demo', preset='demo', flow='farneback')
    first = pipeline.resolve(planned[0], dry=True)
    assert first.train_dataloader.dataset.data_root.startswith(
        demo['kwargs']['out'] + '/')


def test_domain_ablation_teaches_from_the_second_world(tmp_path,
                                                       monkeypatch):
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/ablation_synth_domain.py',
                             str(tmp_path / 'w'))
    far = pipeline.prepare[1]['kwargs']
    assert far['out'] == 'data/synthetic_far' and far['seed'] == 1
    assert far['overrides']['pku_sequences'] == 0
    runs = {r.label: r for r in pipeline.plan()}

    def roots(label):
        cfg = pipeline.resolve(runs[label], dry=True)
        return {split: cfg[f'{split}_dataloader'].dataset.data_root
                for split in ('train', 'val', 'test')}, cfg

    near_root = 'data/synthetic_demo/ntu'
    far_root = 'data/synthetic_far/ntu'
    assert roots('teacher_near [single]')[0] == dict.fromkeys(
        ('train', 'val', 'test'), near_root)
    assert roots('teacher_far [single]')[0] == dict.fromkeys(
        ('train', 'val', 'test'), far_root)
    # the domain gap: each teacher tested on the other world
    data, cfg = roots('teacher_far_on_near [single]')
    assert data['test'] == near_root
    assert cfg.load_from.endswith('teacher_far/single/not-trained-yet.pth')
    data, cfg = roots('teacher_near_on_far [single]')
    assert data['test'] == far_root
    assert cfg.load_from.endswith('teacher_near/single/not-trained-yet.pth')
    # students are always taught and fine-tuned on the demo world
    transfer = pipeline.resolve(runs['transfer_far [single]'], dry=True)
    assert transfer.train_dataloader.dataset.data_root == near_root
    assert transfer.model.teacher.checkpoint.endswith(
        'teacher_far/single/not-trained-yet.pth')
    data, cfg = roots('pretrain_far [budget5_seed0_lr0.01_frozen_stages3]')
    assert set(data.values()) == {near_root}
    assert cfg.custom_hooks[-1].checkpoint.endswith(
        'teacher_far/single/not-trained-yet.pth')
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.model.backbone.frozen_stages == 3
    # from scratch searches the learning rate only (it trains every layer)
    assert [r.label for r in runs.values() if r.stage.name == 'scratch'
            and r.grid and r.values == dict(budget=5, seed=0)] == [
                'scratch [budget5_seed0_lr0.003]',
                'scratch [budget5_seed0_lr0.01]']


def test_two_stream_stage_fuses_the_students_of_its_budget_and_seed(
        tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/ablation_synth_teacher.py',
                             str(tmp_path / 'w'))
    planned = pipeline.plan()
    fused = [r for r in planned if r.stage.name == 'two_stream']
    assert len(fused) == 6 and all(r.stage.test_only for r in fused)
    # each waits for the recipes the students' grids choose on validation
    assert all(r.deferred for r in fused)
    # validation prefers lr 0.01 with the last stage trained for the RGB-
    # taught student, and all layers for the flow-taught one
    best = dict(ft_rgb='lr0.01_frozen_stages3',
                ft_flow='lr0.01_frozen_stages-1')
    records, done = [], []
    for run in planned:
        if run.stage.name == 'two_stream':
            break
        if run.deferred:
            pipeline.select_for(run, records, done)
        if run.stage.name in best:
            run.record = dict(
                stage=run.stage.name, values=run.values, grid=run.grid,
                recipe=run.recipe['name'], checkpoint=osp.join(
                    run.work_dir, 'best.pth'),
                val={'acc/top1': float(run.recipe['name'] ==
                                       best[run.stage.name])})
            records.append(run.record)
        done.append(run)
    for run in fused:
        pipeline.select_for(run, records, done)
        cfg = pipeline.resolve(run)
        assert cfg.model.type == 'LateFusionRecognizer'
        tag = f"budget{run.values['budget']}_seed{run.values['seed']}"
        # seed 0: the selected grid runs; seeds 1, 2: the single runs of
        # the selected recipes
        tags = {k: f'{tag}_{v}' for k, v in best.items()}
        streams = cfg.model.streams
        assert streams.rgb_taught.checkpoint == str(
            tmp_path / 'w' / 'ft_rgb' / tags['ft_rgb'] / 'best.pth')
        assert streams.flow_taught.checkpoint == str(
            tmp_path / 'w' / 'ft_flow' / tags['ft_flow'] / 'best.pth')
