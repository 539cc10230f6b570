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


def _multi_stream(streams, connections):
    head = dict(type='TSNHead', num_classes=3, in_channels=512,
                dropout_ratio=0.0, average_clips='prob')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('fsat'):
        return MODELS.build(dict(
            type='MultiStreamRecognizer',
            backbone=dict(type='CrossStreamResNet',
                          streams={s: dict(depth=18) for s in streams},
                          connections=connections, num_segments=2),
            heads={s: head for s in streams},
            stream_inputs=dict(hallucination='rgb'),
            fused_streams=[s for s in streams if s != 'depth'])).eval()


def test_streams_export_drops_the_depth_stream(tmp_path):
    """A checkpoint with RGB, depth and hallucination streams exports the
    RGB-only model: no depth weights, loads strictly into the step-4
    model and predicts from RGB as the full model did."""
    hall_to_rgb = dict(src='hallucination', dst='rgb')
    full = _multi_stream(['rgb', 'depth', 'hallucination'], [hall_to_rgb])
    for p in full.parameters():  # not the initial values
        p.data.add_(0.01 * torch.randn_like(p))
    path, out = tmp_path / 'step.pth', tmp_path / 'final.pth'
    torch.save(dict(state_dict=full.state_dict(), meta=dict(iter=5)), path)
    proc = run_tool('export_student.py',
                    [str(path), str(out), '--streams', 'rgb,hallucination'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'of streams rgb, hallucination' in proc.stdout
    exported = torch.load(str(out))
    assert exported['meta']['fsat_export']['streams'] == [
        'rgb', 'hallucination']
    assert not any('depth' in k for k in exported['state_dict'])
    final = _multi_stream(['rgb', 'hallucination'], [hall_to_rgb])
    load_checkpoint(final, str(out), strict=True)
    rgb = torch.rand(2, 2, 3, 32, 32)
    with torch.no_grad():
        want = full._forward(dict(rgb=rgb, depth=torch.rand_like(rgb)))
        got = final._forward(dict(rgb=rgb))
    assert got.shape == (2, 3) and torch.equal(got, want)
    # a step-4 checkpoint (no depth) exports whole by default
    torch.save(dict(state_dict=final.state_dict()), path)
    proc = run_tool('export_student.py', [str(path), str(out)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(torch.load(str(out))['state_dict']) == set(
        final.state_dict())


def test_unknown_stream_is_named(tmp_path):
    final = _multi_stream(['rgb', 'hallucination'],
                          [dict(src='hallucination', dst='rgb')])
    path = tmp_path / 'step4.pth'
    torch.save(dict(state_dict=final.state_dict()), path)
    proc = run_tool('export_student.py', [str(path), str(tmp_path / 'o'),
                                          '--streams', 'rgb,depth'])
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert last_line(proc.stderr) == (
        f"fsat export_student: error: {path}: --streams rgb,depth: no "
        "stream(s) ['depth'] in the checkpoint (it has rgb, hallucination)")
