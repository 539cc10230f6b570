# Copyright (c) fsat contributors. All rights reserved.
"""Every config shipped under configs/ parses, and its model builds."""
import glob
import os.path as osp

import pytest
from mmengine.registry import DefaultScope

from fsat.apis import load_config
from fsat.registry import MODELS
from fsat.testing import repo_path

CONFIGS = sorted(
    glob.glob(repo_path('configs', '**', '*.py'), recursive=True))


def test_configs_are_shipped():
    assert any(osp.basename(c) == 'default_runtime.py' for c in CONFIGS)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(c, repo_path()) for c in CONFIGS])
def test_config_parses_and_model_builds(path):
    cfg = load_config(path)
    assert cfg.default_scope == 'fsat'
    if 'model' not in cfg:
        return  # a partial _base_ file (runtime, schedule, dataset)
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
