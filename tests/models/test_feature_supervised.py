# Copyright (c) fsat contributors. All rights reserved.
"""FSAT's feature-supervised distiller: targets, losses, cache, freezing."""
import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper

from fsat.engine.feature_cache import build_feature_cache, cache_key
from fsat.models import FeatureSupervisedDistiller
from fsat.testing import paired_batch, tiny_resnet3d

CLIP = (3, 8, 32, 32)
FLOW = (2, 8, 32, 32)


def make(granularity='video+clip', source='online', **kwargs):
    torch.manual_seed(0)
    return FeatureSupervisedDistiller(
        student=tiny_resnet3d(base_channels=4),
        teacher=dict(
            model=tiny_resnet3d(in_channels=2, base_channels=8),
            modality='flow_video'),
        granularity=granularity,
        teacher_source=source,
        connector=dict(type='LinearConnector', in_channels=32,
                       out_channels=64),
        **kwargs)


def batch(slots=(1, 0)):
    data = paired_batch(
        dict(depth=CLIP, flow_video=FLOW),
        clips=dict(flow_video=[3, 2]))
    for sample, slot in zip(data['data_samples'], slots):
        sample.set_metainfo(dict(clip_slot=slot))
    return data


def teacher_rows(model, clips):
    """Reference: the teacher's pooled avg_pool output per clip, [k, C]."""
    teacher = model.teachers['teacher']
    pre = teacher.data_preprocessor
    x = pre(dict(inputs=[clips], data_samples=None), False)['inputs']
    feats = teacher.extract_feat(x)[0]
    return teacher.cls_head.avg_pool(feats).flatten(1)


def test_video_and_clip_targets_follow_eq3_and_the_slot():
    model = make().eval()
    data = batch(slots=(1, 0))
    pre = model.data_preprocessor(data, False)
    targets = model._targets(pre['inputs'], pre['data_samples'])
    for i, clips in enumerate(data['inputs']['flow_video']):
        rows = teacher_rows(model, clips)
        torch.testing.assert_close(targets['teacher.feat_video'][i],
                                   rows.mean(0), atol=1e-5, rtol=1e-5)
        slot = data['data_samples'][i].metainfo['clip_slot']
        torch.testing.assert_close(targets['teacher.feat_clip'][i],
                                   rows[slot], atol=1e-5, rtol=1e-5)


def test_loss_values_are_cosine_distances_of_the_projected_student():
    model = make().eval()
    data = model.data_preprocessor(batch(), False)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'distill.loss_video', 'distill.loss_clip'}
    student = model.student
    feats = student.extract_feat(data['inputs']['depth'])[0]
    s = student.cls_head.avg_pool(feats).flatten(1)
    s = model.connectors['proj'](s)
    targets = model._targets(data['inputs'], data['data_samples'])
    for level in ('video', 'clip'):
        t = targets[f'teacher.feat_{level}']
        expected = (1 - torch.nn.functional.cosine_similarity(s, t)).mean()
        torch.testing.assert_close(losses[f'distill.loss_{level}'],
                                   expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize('granularity,keys', [
    ('clip', {'distill.loss_clip'}),
    ('video', {'distill.loss_video'}),
])
def test_granularities(granularity, keys):
    model = make(granularity)
    data = model.data_preprocessor(batch(), False)
    assert set(model.loss(data['inputs'], data['data_samples'])) == keys


def test_mse_variant_and_stage_matching():
    model = make(
        'video',
        loss=dict(type='FeatureMSELoss'),
        stages=[('backbone.layer3', 'backbone.layer3')],
        stage_dims=[(16, 32)]).eval()
    data = model.data_preprocessor(batch(), False)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert set(losses) == {'distill.loss_video', 'distill.loss_stage0_video'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())


def test_cached_and_online_targets_agree(tmp_path):
    online = make().eval()
    cached = make(source='cache').eval()
    cached.load_state_dict(online.state_dict())
    data = batch(slots=(2, 1))
    videos = {
        s.metainfo['video_id']: clips
        for s, clips in zip(data['data_samples'],
                            data['inputs']['flow_video'])
    }

    def compute(video_id):
        # what TeacherFeatureCacheHook does: the teacher's view only,
        # through the cached distiller's own preprocessor
        one = cached.data_preprocessor(
            dict(inputs=dict(flow_video=[videos[video_id]]),
                 data_samples=None), False)
        return online.teacher_clip_features(one['inputs']).numpy()

    cache = build_feature_cache(
        str(tmp_path), cache_key('t', None, 'view', list(videos)),
        list(videos), compute, progress=False)
    cached.set_teacher_cache(cache)
    pre = online.data_preprocessor(data, False)
    want = online._targets(pre['inputs'], pre['data_samples'])
    # a cached batch carries no teacher input at all
    student_only = dict(
        inputs=dict(depth=data['inputs']['depth']),
        data_samples=data['data_samples'])
    pre_c = cached.data_preprocessor(student_only, False)
    got = cached._targets(pre_c['inputs'], pre_c['data_samples'])
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-5,
                                   rtol=1e-5)
    cached.train()
    losses = cached.loss(pre_c['inputs'], pre_c['data_samples'])
    assert set(losses) == {'distill.loss_video', 'distill.loss_clip'}


def test_cache_mode_without_a_cache_is_a_clear_error():
    model = make(source='cache')
    data = model.data_preprocessor(
        dict(inputs=dict(depth=batch()['inputs']['depth']),
             data_samples=batch()['data_samples']), False)
    with pytest.raises(RuntimeError, match='TeacherFeatureCacheHook'):
        model.loss(data['inputs'], data['data_samples'])


def test_train_step_moves_the_student_only():
    model = make()
    teacher_state = {
        k: v.clone() for k, v in model.teachers.state_dict().items()
    }
    student_before = model.student.backbone.conv1.conv.weight.clone()
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                        lr=0.5))
    for _ in range(2):
        log = model.train_step(batch(), optim)
    assert 'loss' in log
    for key, value in model.teachers.state_dict().items():
        assert torch.equal(value, teacher_state[key]), key  # BN buffers too
    assert not model.teachers['teacher'].training
    assert not torch.equal(model.student.backbone.conv1.conv.weight,
                           student_before)
    # the classifier is frozen in transfer (no labels)
    assert not model.student.cls_head.fc_cls.weight.requires_grad


@pytest.mark.parametrize('kwargs,message', [
    (dict(granularity='frame'), 'granularity must be one of'),
    (dict(source='disk'), 'teacher_source must be one of'),
    (dict(stages=[('backbone.layer3', 'backbone.layer3')],
          stage_dims=[]), 'stage_dims has 0 entries for 1 stages'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(**kwargs)


def test_feature_size_mismatch_without_connector_fails_at_build():
    with pytest.raises(Exception, match='32 channels'):
        FeatureSupervisedDistiller(
            student=tiny_resnet3d(base_channels=4),
            teacher=dict(
                model=tiny_resnet3d(in_channels=2, base_channels=8),
                modality='flow_video'))


def test_pool_flattens_maps():
    from fsat.models.distillers.feature_supervised import pool
    x = torch.arange(24.).reshape(2, 3, 2, 2)
    np.testing.assert_allclose(pool(x).numpy(), x.mean((2, 3)).numpy())
