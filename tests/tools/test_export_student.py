# Copyright (c) fsat contributors. All rights reserved.
"""tools/export_student.py: a distiller's student as a plain checkpoint."""
import copy

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from fsat.registry import MODELS
from fsat.testing import (
    last_line,
    paired_batch,
    run_tool,
    toy_pair_distiller,
    trained_toy_distiller,
)

SHAPES = dict(rgb=(3, 8, 32, 32), depth=(3, 8, 32, 32))


def _student_cfg():
    return toy_pair_distiller()['student']


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A distiller after one step, saved as the runner saves it."""
    path = tmp_path_factory.mktemp('export') / 'iter_1.pth'
    return trained_toy_distiller(str(path)).eval(), path


def test_exported_student_is_a_plain_recognizer(trained, tmp_path):
    model, path = trained
    out = tmp_path / 'sub' / 'student.pth'
    proc = run_tool('export_student.py', [str(path), str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "under 'student.'" in proc.stdout
    exported = torch.load(str(out))  # plain tensors: weights_only works
    assert set(exported) == {'state_dict', 'meta'}
    assert exported['meta']['fsat_export']['prefix'] == 'student.'
    assert exported['meta']['iter'] == 1
    with DefaultScope.overwrite_default_scope('fsat'):
        plain = MODELS.build(_student_cfg()).eval()
    load_checkpoint(plain, str(out), strict=True)
    data = model.data_preprocessor(paired_batch(SHAPES, seed=3))
    with torch.no_grad():
        ours = model.predict(data['inputs'], data['data_samples'])
        theirs = plain(
            data['inputs']['depth'],
            copy.deepcopy(data['data_samples']),
            mode='predict')
    assert torch.equal(
        torch.stack([p.pred_scores.item for p in ours]),
        torch.stack([p.pred_scores.item for p in theirs]))


def test_backbone_only_export_feeds_resnet3d_pretrained(trained, tmp_path):
    model, path = trained
    out = tmp_path / 'backbone.pth'
    proc = run_tool('export_student.py',
                    [str(path), str(out), '--prefix', 'student.backbone.'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    cfg = _student_cfg()
    cfg['backbone']['pretrained'] = str(out)
    with DefaultScope.overwrite_default_scope('fsat'):
        plain = MODELS.build(cfg)
    plain.init_weights()
    ours = model.student.backbone.state_dict()
    for key, value in plain.backbone.state_dict().items():
        assert torch.equal(value, ours[key]), key


def test_missing_checkpoint(tmp_path):
    proc = run_tool('export_student.py',
                    [str(tmp_path / 'none.pth'),
                     str(tmp_path / 'out.pth')])
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    assert last_line(proc.stderr) == (
        'fsat export_student: error: checkpoint does not exist: '
        f'{tmp_path / "none.pth"}')


def test_checkpoint_without_student_weights(trained, tmp_path):
    model, _ = trained
    path = tmp_path / 'plain.pth'
    torch.save(dict(state_dict=model.student.state_dict()), str(path))
    proc = run_tool('export_student.py', [str(path), str(tmp_path / 'o')])
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    line = last_line(proc.stderr)
    assert line.startswith(f"fsat export_student: error: {path} has no "
                           "weights under 'student.' (top-level prefixes: "
                           'backbone., cls_head.)')
    assert not (tmp_path / 'o').exists()
