# Copyright (c) fsat contributors. All rights reserved.
"""Two-stream late fusion: fused scores are the weighted mean of the
streams' own video-level scores."""
import pytest
import torch
from mmengine.registry import DefaultScope

from fsat.models import LateFusionRecognizer, ModelConfigError
from fsat.registry import MODELS
from fsat.testing import paired_batch, tiny_resnet3d

CLIP = (3, 8, 16, 16)


def stream_scores(model, data):
    batch = model.data_preprocessor(dict(data), False)
    return torch.stack([
        p.pred_scores.item for p in model(**batch, mode='predict')
    ])


def saved_stream(tmp_path, name, seed):
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(seed)
        model = MODELS.build(tiny_resnet3d(num_classes=4))
    path = str(tmp_path / f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return model.eval(), path


def test_fused_scores_are_the_weighted_mean(tmp_path):
    rgb_taught, rgb_ckpt = saved_stream(tmp_path, 'rgb', 1)
    flow_taught, flow_ckpt = saved_stream(tmp_path, 'flow', 2)
    with DefaultScope.overwrite_default_scope('fsat'):
        fusion = MODELS.build(dict(
            type='LateFusionRecognizer',
            streams=dict(
                rgb_taught=dict(model=tiny_resnet3d(num_classes=4),
                                checkpoint=rgb_ckpt),
                flow_taught=dict(model=tiny_resnet3d(num_classes=4),
                                 checkpoint=flow_ckpt)),
            weights=dict(rgb_taught=1, flow_taught=3))).eval()
    # a video-level batch: 3 clips of each video
    data = paired_batch(dict(depth=CLIP), clips=dict(depth=[3, 3]))
    plain = dict(inputs=data['inputs']['depth'],
                 data_samples=data['data_samples'])
    a = stream_scores(rgb_taught, plain)
    b = stream_scores(flow_taught, plain)
    assert not torch.allclose(a, b)
    for batch in (plain, data):  # one plain input, or a paired dict
        preds = fusion.test_step(dict(batch))
        fused = torch.stack([p.pred_scores.item for p in preds])
        torch.testing.assert_close(fused, 0.25 * a + 0.75 * b)
        assert [int(p.pred_labels.item) for p in preds] == \
            fused.argmax(1).tolist()
    with pytest.raises(RuntimeError, match='only predicts'):
        fusion(plain['inputs'], plain['data_samples'], mode='loss')


def test_bad_fusion_configs(tmp_path):
    one = dict(model=tiny_resnet3d())
    with DefaultScope.overwrite_default_scope('fsat'):
        with pytest.raises(ModelConfigError, match='at least two streams'):
            LateFusionRecognizer(streams=dict(a=one))
        with pytest.raises(ModelConfigError, match='unknown keys'):
            LateFusionRecognizer(streams=dict(a=one, b=dict(one, ckpt='x')))
        with pytest.raises(ModelConfigError, match='weights name'):
            LateFusionRecognizer(streams=dict(a=one, b=one),
                                 weights=dict(a=1))
        with pytest.raises(ModelConfigError,
                           match="stream 'b': checkpoint not found"):
            LateFusionRecognizer(
                streams=dict(a=one, b=dict(one, checkpoint='nope.pth')))
        fusion = LateFusionRecognizer(
            streams=dict(a=dict(one, modality='rgb'), b=one))
    data = paired_batch(dict(depth=CLIP))
    with pytest.raises(ValueError, match="reads 'rgb'"):
        fusion.test_step(data)


def test_stream_from_a_distillers_checkpoint(tmp_path):
    """prefix='student.' loads the student of a distiller's checkpoint into
    the student's own model (e.g. VPN++'s student + 3D poses)."""
    student, _ = saved_stream(tmp_path, 'student', 3)
    other, other_ckpt = saved_stream(tmp_path, 'other', 4)
    distiller_ckpt = str(tmp_path / 'distiller.pth')
    state = {f'student.{k}': v for k, v in student.state_dict().items()}
    state['teachers.pose.w'] = torch.ones(2)  # not the student's
    torch.save(dict(state_dict=state), distiller_ckpt)
    with DefaultScope.overwrite_default_scope('fsat'):
        fusion = MODELS.build(dict(
            type='LateFusionRecognizer',
            streams=dict(
                vpnpp=dict(model=tiny_resnet3d(num_classes=4),
                           checkpoint=distiller_ckpt, prefix='student.'),
                other=dict(model=tiny_resnet3d(num_classes=4),
                           checkpoint=other_ckpt)))).eval()
        for k, v in student.state_dict().items():
            torch.testing.assert_close(
                fusion.streams.vpnpp.state_dict()[k], v)
        with pytest.raises(ModelConfigError,
                           match="no keys under the prefix 'teacher.'"):
            LateFusionRecognizer(streams=dict(
                a=dict(model=tiny_resnet3d(num_classes=4),
                       checkpoint=distiller_ckpt, prefix='teacher.'),
                b=dict(model=tiny_resnet3d(num_classes=4))))
    data = paired_batch(dict(depth=CLIP))
    plain = dict(inputs=data['inputs']['depth'],
                 data_samples=data['data_samples'])
    fused = torch.stack([p.pred_scores.item
                         for p in fusion.test_step(dict(plain))])
    torch.testing.assert_close(
        fused, 0.5 * stream_scores(student, plain)
        + 0.5 * stream_scores(other, plain))
