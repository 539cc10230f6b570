# Copyright (c) fsat contributors. All rights reserved.
"""The two ways BaseDistiller's docstring gives to load a trained student
into a plain recognizer for fine-tuning or testing."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.runner import load_checkpoint

from fsat.engine import PretrainedWeightsHook
from fsat.models.distillers import BaseDistiller
from fsat.registry import MODELS
from fsat.testing import run_tool, toy_pair_distiller, trained_toy_distiller


def _student():
    return toy_pair_distiller()['student']


@pytest.fixture(scope='module')
def distilled(tmp_path_factory):
    """A distiller after one step and its checkpoint, as the runner saves
    it."""
    path = tmp_path_factory.mktemp('distill') / 'iter_1.pth'
    model = trained_toy_distiller(str(path))
    return model.student.state_dict(), path


def _assert_same(plain, student):
    for key, value in student.items():
        assert torch.equal(plain.state_dict()[key], value), key


def test_docstring_names_the_working_routes():
    doc = BaseDistiller.__doc__
    assert "type='PretrainedWeightsHook'" in doc
    assert 'tools/export_student.py' in doc and 'load_from' in doc
    assert "init_cfg=dict(type='Pretrained', checkpoint=..." not in doc


def test_pretrained_init_cfg_is_refused_by_recognizers(distilled):
    _, path = distilled
    with pytest.raises(TypeError, match='init_cfg'):
        MODELS.build(
            dict(_student(),
                 init_cfg=dict(type='Pretrained', checkpoint=str(path),
                               prefix='student.')))


def test_pretrained_weights_hook_route(distilled):
    student, path = distilled
    torch.manual_seed(1)
    plain = MODELS.build(_student())
    hook = PretrainedWeightsHook(checkpoint=str(path), prefix='student.')
    hook.before_train(SimpleNamespace(model=plain, iter=0, epoch=0))
    _assert_same(plain, student)


def test_exported_student_load_from_route(distilled, tmp_path):
    student, path = distilled
    out = tmp_path / 'student.pth'
    proc = run_tool('export_student.py', [str(path), str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    torch.manual_seed(1)
    plain = MODELS.build(_student())
    load_checkpoint(plain, str(out), strict=True)  # what load_from does
    _assert_same(plain, student)
