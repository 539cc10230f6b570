# Copyright (c) fsat contributors. All rights reserved.
"""The shipped real-data pipelines plan the paper's runs, and every run's
config resolves and builds (without data or training)."""
import os

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
