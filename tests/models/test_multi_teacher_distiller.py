# Copyright (c) fsat contributors. All rights reserved.
"""MultiTeacherDistiller and the API it adds: teachers reading several
modalities, trainable teachers with their own loss, cached teachers, data
features, and the merging of a teacher's paired data preprocessor."""
import types

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from fsat.engine import TeacherFeatureCacheHook
from fsat.models import ModelConfigError
from fsat.registry import MODELS
from fsat.testing import paired_batch
from fsat.testing.distillers import tiny_resnet3d, tiny_stgcn

RGB = (3, 8, 32, 32)
POSE = (2, 8, 25, 3)  # M, T, V, C
NL_TAP = 'backbone.layer3.1.non_local_block.attention'  # [N, 16, 4]


@MODELS.register_module(force=True)
class RecordingLoss(nn.Module):
    """Records what it receives; value: mean of feat (so it has a
    gradient)."""

    same_size_inputs = False

    def __init__(self):
        super().__init__()
        self.seen = {}

    def forward(self, feat, *, labels=None, indices=None, other=None):
        self.seen = dict(feat=feat, labels=labels, indices=indices,
                         other=other)
        return feat.float().mean() * 0 + feat.float().pow(2).mean()


def nl_student(num_classes=4):
    cfg = tiny_resnet3d(num_classes=num_classes, base_channels=4)
    cfg['backbone'].update(
        type='ResNet3dNL',
        non_local=(0, 0, (0, 1), 0),
        non_local_cfg=dict(
            sub_sample=True,
            use_scale=False,
            norm_cfg=dict(type='BN3d', requires_grad=True),
            mode='embedded_gaussian'))
    return cfg


def vpn_star(num_classes=4):
    return dict(
        type='VPNRecognizer',
        backbone=dict(
            type='ResNet3d',
            depth=18,
            base_channels=4,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            inflate=(1, 1, 1, 1),
            spatial_strides=(1, 2, 2, 1)),
        pose_backbone=dict(
            type='AAGCN',
            graph_cfg=dict(layout='nturgb+d', mode='spatial'),
            base_channels=8,
            num_stages=2,
            inflate_stages=[],
            down_stages=[]),
        coupler=dict(in_channels=8, feat_size=(4, 2, 2)),
        cls_head=dict(
            type='I3DHead',
            num_classes=num_classes,
            in_channels=32,
            dropout_ratio=0.0,
            average_clips='prob'))


def vpnpp_cfg(vpn=None, pose=None, losses=None, **kwargs):
    """VPN++ in small: pose teacher (frozen ST-GCN), VPN* (trainable,
    reads rgb and skeleton), SCD + attention MSE."""
    pooled = dict(path='cls_head.fc_cls', source='input')
    cfg = dict(
        type='MultiTeacherDistiller',
        student=nl_student(),
        student_modality='rgb',
        teachers=dict(
            pose=dict(dict(model=tiny_stgcn(), modality='skeleton'),
                      **(pose or {})),
            vpn=dict(dict(model=vpn_star(), modality=('rgb', 'skeleton'),
                          trainable=True, with_loss=True), **(vpn or {}))),
        taps=dict(
            student=dict(feat=pooled, attn=NL_TAP),
            pose=dict(feat=dict(path='cls_head.fc', source='input')),
            vpn=dict(attn='coupler.attention')),
        connectors=dict(
            embed=dict(type='LinearConnector', in_channels=32,
                       out_channels=32),
            embed_attn=[
                dict(type='FlattenConnector', out_channels=64),
                dict(type='LinearConnector', in_channels=64,
                     out_channels=16)
            ]),
        distill_losses=losses or dict(
            loss_scd=dict(
                type='SCDLoss', num_data=100, loss_weight=2.0, seed=0,
                inputs=dict(
                    feat_s=dict(feature='student.feat', connector='embed'),
                    feat_t='pose.feat', labels='data.labels')),
            loss_attn=dict(
                type='AttentionMSELoss', loss_weight=3.0,
                inputs=dict(
                    attn_s=dict(feature='student.attn',
                                connector='embed_attn'),
                    attn_t='vpn.attn'))))
    cfg.update(kwargs)
    return cfg


def build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(batch_size=4, clips=1, modalities=('rgb', 'skeleton')):
    shapes = dict(rgb=RGB, skeleton=POSE)
    data = paired_batch(
        {m: shapes[m] for m in modalities},
        batch_size=batch_size,
        clips={m: [clips] * batch_size for m in modalities})
    for i, sample in enumerate(data['data_samples']):
        sample.set_metainfo(dict(sample_idx=10 + i))
    return data


def step(model, data, lr=0.1):
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=lr))
    return model.train_step(data, optim)


def state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return [k for k, v in module.state_dict().items()
            if v.is_floating_point() and not torch.equal(v, before[k])]


def test_frozen_teacher_is_unchanged_and_collaborative_teacher_learns():
    model = build(vpnpp_cfg())
    pose, vpn = state(model.teachers.pose), state(model.teachers.vpn)
    assert not model.teachers.pose.training and model.teachers.vpn.training
    for seed in range(2):
        log = step(model, batch())
    assert not changed(pose, model.teachers.pose)  # weights and BN stats
    moved = changed(vpn, model.teachers.vpn)
    assert any(k.startswith('pose_backbone.') for k in moved)
    assert any(k.startswith('coupler.') for k in moved)
    assert {'student.loss_cls', 'vpn.loss_cls', 'distill.loss_scd',
            'distill.loss_attn'} <= set(log)
    # the frozen teacher stays in eval mode; the trainable one is trained
    model.train()
    assert not model.teachers.pose.training and model.teachers.vpn.training
    ignored = set(model._ddp_params_and_buffers_to_ignore)
    assert any(k.startswith('teachers.pose.') for k in ignored)
    assert not any(k.startswith('teachers.vpn.') for k in ignored)


def test_teacher_loss_is_its_own_loss_times_loss_weight():
    model = build(vpnpp_cfg(vpn=dict(loss_weight=0.25))).eval()
    data = model.data_preprocessor(batch(), training=False)
    losses = model.loss(data['inputs'], data['data_samples'])
    own = model.teachers.vpn(
        data['inputs'], data['data_samples'], mode='loss')
    torch.testing.assert_close(losses['vpn.loss_cls'],
                               0.25 * own['loss_cls'])
    assert torch.equal(losses['vpn.top1_acc'], own['top1_acc'])


def test_multi_modality_teacher_gets_both_inputs():
    model = build(vpnpp_cfg())
    seen = {}

    def record(module, args, kwargs):
        seen['inputs'] = args[0]

    model.teachers.vpn.register_forward_pre_hook(record, with_kwargs=True)
    data = model.data_preprocessor(batch(), training=True)
    model.loss(data['inputs'], data['data_samples'])
    assert set(seen['inputs']) == {'rgb', 'skeleton'}
    assert seen['inputs']['rgb'] is data['inputs']['rgb']
    assert seen['inputs']['skeleton'] is data['inputs']['skeleton']
    # test time is student only: an RGB batch is enough
    rgb_only = model.data_preprocessor(batch(modalities=('rgb', )))
    preds = model.predict(rgb_only['inputs'], rgb_only['data_samples'])
    assert len(preds) == 4 and preds[0].pred_scores.item.shape == (4, )
    with pytest.raises(KeyError, match="no 'skeleton' input"):
        model.loss(rgb_only['inputs'], rgb_only['data_samples'])
    assert model.modality_inputs(data['inputs'], ('skeleton', )) == {
        'skeleton': data['inputs']['skeleton']}
    with pytest.raises(KeyError, match="no 'depth' input"):
        model.modality_inputs(data['inputs'], ('rgb', 'depth'))


def test_teacher_paired_preprocessor_is_merged():
    vpn = vpn_star()
    vpn['data_preprocessor'] = dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(
            rgb=dict(type='ActionDataPreprocessor', format_shape='NCTHW'),
            skeleton=dict(type='ActionDataPreprocessor',
                          format_shape='NCTVM')))
    cfg = vpnpp_cfg()
    cfg['teachers']['vpn']['model'] = vpn
    model = build(cfg)
    assert set(model.data_preprocessor.modalities) == {'rgb', 'skeleton'}
    # a different RGB normalisation than the student's is refused
    vpn['data_preprocessor']['preprocessors']['rgb'] = dict(
        type='ActionDataPreprocessor', format_shape='NCTHW',
        mean=[1., 1., 1.], std=[2., 2., 2.])
    with pytest.raises(ModelConfigError,
                       match="read modality 'rgb' with different"):
        build(cfg)
    del vpn['data_preprocessor']['preprocessors']['rgb']
    with pytest.raises(ModelConfigError,
                       match="teacher vpn reads modality 'rgb' but its "
                       'data_preprocessor .* has no entry'):
        build(cfg)


def test_data_features_reach_a_loss_repeated_per_clip():
    losses = dict(loss_rec=dict(
        type='RecordingLoss',
        inputs=dict(feat='student.feat', labels='data.labels',
                    indices='data.indices')))
    # mmaction2's heads compute a loss on one clip per sample only
    cfg = vpnpp_cfg(losses=losses, connectors=None, with_student_loss=False,
                    vpn=dict(with_loss=False))
    cfg['taps']['student'].pop('attn')
    model = build(cfg)
    data = batch(batch_size=3, clips=2)
    data['data_samples'][1].set_gt_labels(-1)  # unlabeled
    data = model.data_preprocessor(data, training=True)
    model.loss(data['inputs'], data['data_samples'])
    seen = model.distill_losses['loss_rec'].seen
    assert seen['feat'].shape[0] == 6  # 3 samples x 2 clips
    assert seen['labels'].tolist() == [0, 0, -1, -1, 2, 2]
    assert seen['indices'].tolist() == [10, 10, 11, 11, 12, 12]
    assert seen['labels'].dtype == torch.long
    # per sample without rows
    feats = model.data_features(data['data_samples'])
    assert feats['data.labels'].tolist() == [0, -1, 2]


def test_unknown_data_feature_is_a_build_error():
    losses = dict(loss_rec=dict(
        type='RecordingLoss',
        inputs=dict(feat='student.feat', labels='data.label')))
    with pytest.raises(ModelConfigError,
                       match="unknown feature 'data.label'.*data.labels"):
        build(vpnpp_cfg(losses=losses, connectors=None))


def test_distill_grad_false_detaches_the_trainable_teacher():
    model = build(vpnpp_cfg(vpn=dict(with_loss=False, distill_grad=False)))
    data = model.data_preprocessor(batch(), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert 'vpn.loss_cls' not in losses
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert all(p.grad is None for p in model.teachers.vpn.parameters())
    assert model.student.backbone.conv1.conv.weight.grad is not None
    # with distill_grad=True (default) the attention loss reaches it
    model = build(vpnpp_cfg(vpn=dict(with_loss=False)))
    data = model.data_preprocessor(batch(), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    losses['distill.loss_attn'].backward()
    assert model.teachers.vpn.coupler.spatial_out.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('teacher, match', [
    (dict(with_loss=True), 'with_loss=True needs trainable=True'),
    (dict(trainable=True, cached=True), 'cached=True needs a frozen'),
    (dict(loss_weight='a'), 'loss_weight must be a finite number'),
    (dict(modality=('skeleton', 'skeleton')), 'sequence of distinct'),
])
def test_teacher_option_errors(teacher, match):
    with pytest.raises(ModelConfigError, match=match):
        build(vpnpp_cfg(pose=teacher))


@pytest.mark.parametrize('name', ['data', 'distill', 'student'])
def test_reserved_teacher_names(name):
    cfg = vpnpp_cfg()
    cfg['teachers'][name] = cfg['teachers'].pop('pose')
    with pytest.raises(ModelConfigError, match='cannot name a teacher'):
        build(cfg)


class FakeCache:
    """A FeatureCache stand-in: video_id -> [clips, dim] rows."""

    def __init__(self, rows):
        self.rows = rows

    def clips(self, video_id):
        return self.rows[video_id]


def test_cached_teacher_features_are_the_mean_of_its_rows():
    losses = dict(loss_rec=dict(
        type='RecordingLoss',
        inputs=dict(feat='student.feat', other='pose.feat')))
    cfg = vpnpp_cfg(losses=losses, connectors=None, with_student_loss=False,
                    pose=dict(cached=True), vpn=dict(with_loss=False))
    cfg['taps']['student'].pop('attn')
    model = build(cfg)
    # the cache's view carries no RGB, the training batch no skeleton
    assert model.data_preprocessor.optional == ('skeleton', 'rgb')
    rows = {f'video_{i:03d}': np.arange(6, dtype=np.float32).reshape(2, 3)
            * (i + 1) for i in range(2)}
    with pytest.raises(RuntimeError, match="teacher 'pose' is cached but"):
        model.loss(*_prep(model, batch(2)))
    model.set_teacher_cache(FakeCache(rows), teacher='pose')
    model.loss(*_prep(model, batch(2, clips=2)))
    seen = model.distill_losses['loss_rec'].seen['other']
    mean = np.array([1.5, 2.5, 3.5], dtype=np.float32)
    expected = torch.from_numpy(np.stack([mean, mean, 2 * mean,
                                          2 * mean]))
    torch.testing.assert_close(seen, expected)
    with pytest.raises(ValueError, match="teacher 'vpn' is trainable"):
        model.set_teacher_cache(FakeCache(rows), teacher='vpn')


def test_rgb_only_batch_with_cached_pose_teacher():
    cfg = vpnpp_cfg(pose=dict(cached=True))
    del cfg['teachers']['vpn']
    del cfg['taps']['vpn']
    cfg['connectors'].pop('embed_attn')
    cfg['taps']['student'].pop('attn')
    cfg['distill_losses'].pop('loss_attn')
    model = build(cfg)
    assert model.data_preprocessor.optional == ('skeleton', 'rgb')
    model.set_teacher_cache(FakeCache({
        f'video_{i:03d}': np.ones((1, 32), np.float32) * i
        for i in range(4)}))
    log = step(model, batch(modalities=('rgb', )))
    assert {'student.loss_cls', 'distill.loss_scd'} <= set(log)
    # what the cache stores: the pooled tap, one row per clip
    data = model.data_preprocessor(batch(modalities=('skeleton', )))
    rows = model.teacher_clip_features(data['inputs'])
    assert rows.shape == (4, 32)


def _prep(model, data):
    data = model.data_preprocessor(data, training=True)
    return data['inputs'], data['data_samples']


def test_feature_cache_hook_refuses_a_trainable_teacher():
    model = build(vpnpp_cfg())
    runner = types.SimpleNamespace(model=model, work_dir='/nonexistent')
    hook = TeacherFeatureCacheHook(dataset=dict(type='None'), teacher='vpn')
    with pytest.raises(ValueError, match="teacher 'vpn' is trainable"):
        hook.before_train(runner)
    hook = TeacherFeatureCacheHook(dataset=dict(type='None'), teacher='pos')
    with pytest.raises(KeyError, match="no teacher 'pos'"):
        hook.before_train(runner)


def test_feature_supervised_teacher_takes_no_new_options():
    cfg = dict(
        type='FeatureSupervisedDistiller',
        student=tiny_resnet3d(),
        teacher=dict(model=tiny_resnet3d(), modality='rgb', cached=True),
        student_modality='depth')
    with pytest.raises(ValueError, match="not cached .*teacher_source="
                       "'cache' caches it"):
        MODELS.build(cfg)
    cfg['teacher'].pop('cached')
    model = MODELS.build(cfg)
    with pytest.raises(ValueError, match="one teacher, named 'teacher', "
                       "not 'rgb'"):
        model.set_teacher_cache(FakeCache({}), teacher='rgb')
