# Copyright (c) fsat contributors. All rights reserved.
"""VPN / VPN*: the coupler's attention, the residual modulation, and the
recognizer on paired RGB + skeleton batches."""
import pytest
import torch
import torch.nn.functional as F

from fsat.models import ModelConfigError, TapManager
from fsat.models.recognizers import AttentionModulation, SpatioTemporalCoupler
from fsat.registry import MODELS
from fsat.testing import paired_batch

RGB_CLIP = (3, 8, 32, 32)  # -> RGB map [B, 32, 4, 2, 2]
POSE_CLIP = (2, 8, 25, 3)  # M, T, V (NTU's 25 joints), C
FEAT_SIZE = (4, 2, 2)


def vpn_cfg(**kwargs):
    cfg = dict(
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
        # VPN++'s VPN*: a 2-layer AGCN pose backbone
        pose_backbone=dict(
            type='AAGCN',
            graph_cfg=dict(layout='nturgb+d', mode='spatial'),
            base_channels=8,
            num_stages=2,
            inflate_stages=[],
            down_stages=[]),
        coupler=dict(in_channels=8, feat_size=FEAT_SIZE),
        cls_head=dict(
            type='I3DHead',
            num_classes=4,
            in_channels=32,
            dropout_ratio=0.0,
            average_clips='prob'))
    cfg.update(kwargs)
    return cfg


def build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(vpn_cfg(**kwargs))
    model.init_weights()
    return model


def batch(model, clips=1, training=True):
    data = paired_batch(
        dict(rgb=RGB_CLIP, skeleton=POSE_CLIP),
        clips=dict(rgb=[clips] * 2, skeleton=[clips] * 2))
    return model.data_preprocessor(data, training)


def test_coupler_normalisation_and_hadamard_product():
    torch.manual_seed(0)
    coupler = SpatioTemporalCoupler(6, feat_size=(3, 2, 4))
    h = torch.randn(5, 6) * 3
    attention, spatial, temporal = coupler(h)
    assert attention.shape == (5, 3, 2, 4)
    assert spatial.shape == (5, 2, 4) and temporal.shape == (5, 3)
    assert ((spatial > 0) & (spatial < 1)).all()
    torch.testing.assert_close(temporal.sum(1), torch.ones(5))
    # the layers by hand
    z1 = torch.tanh(h @ coupler.spatial_fc.weight.T + coupler.spatial_fc.bias)
    s = torch.sigmoid(z1 @ coupler.spatial_out.weight.T +
                      coupler.spatial_out.bias)
    z2 = torch.tanh(h @ coupler.temporal_fc.weight.T +
                    coupler.temporal_fc.bias)
    tau = torch.softmax(
        z2 @ coupler.temporal_out.weight.T + coupler.temporal_out.bias, 1)
    torch.testing.assert_close(spatial, s.view(5, 2, 4))
    torch.testing.assert_close(temporal, tau)
    for k in range(3):  # A[b, k, i, j] = tau[b, k] * s[b, i, j]
        torch.testing.assert_close(attention[:, k],
                                   tau[:, k, None, None] * s.view(5, 2, 4))
    # temporal attention sums to 1 over t, so A sums to sum(s) over t
    torch.testing.assert_close(attention.sum(1), spatial)


def test_coupler_zero_init_starts_uniform():
    coupler = SpatioTemporalCoupler(6, feat_size=(4, 2, 2), zero_init=True)
    torch.nn.init.normal_(coupler.spatial_out.weight)  # as if re-inited
    coupler.init_weights()
    attention, spatial, temporal = coupler(torch.randn(3, 6))
    torch.testing.assert_close(spatial, torch.full((3, 2, 2), 0.5))
    torch.testing.assert_close(temporal, torch.full((3, 4), 0.25))
    torch.testing.assert_close(attention, torch.full((3, 4, 2, 2), 0.125))


def test_modulation_by_hand():
    # f: B=1, C=2, t=2, m=1, n=2; A: [1, 2, 1, 2]
    f = torch.tensor([[[[[1., 2.]], [[3., 4.]]],
                       [[[-1., 0.5]], [[2., -2.]]]]])
    a = torch.tensor([[[[0.5, 0.0]], [[1.0, 0.25]]]])
    expected = torch.tensor([[[[[1.5, 2.]], [[6., 5.]]],
                              [[[-1.5, 0.5]], [[4., -2.5]]]]])
    torch.testing.assert_close(AttentionModulation()(f, a), expected)
    with pytest.raises(ValueError, match='coupler.feat_size'):
        AttentionModulation()(f, a[:, :1])


def test_loss_gradients_reach_the_pose_backbone():
    model = build()
    data = batch(model)
    assert data['inputs']['rgb'].shape == (2, 1) + RGB_CLIP
    assert data['inputs']['skeleton'].shape == (2, 1) + POSE_CLIP
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls', 'top1_acc', 'top5_acc'}
    assert torch.isfinite(losses['loss_cls'])
    losses['loss_cls'].backward()
    for prefix in ('pose_backbone.', 'coupler.', 'backbone.'):
        grads = [
            p.grad.abs().sum() for n, p in model.named_parameters()
            if n.startswith(prefix) and p.grad is not None
        ]
        assert grads and sum(grads) > 0, prefix
    gcn = model.pose_backbone.gcn[0].tcn.conv.weight
    assert gcn.grad is not None and gcn.grad.abs().sum() > 0


def test_taps_and_modulated_map():
    model = build().eval()
    data = batch(model)
    taps = TapManager(
        dict(
            attn='coupler.attention',
            spatial='coupler.spatial_attention',
            temporal='coupler.temporal_attention',
            pose=dict(path='coupler', source='input'),
            f=dict(path='modulation', source='input'),
            f_mod='modulation',
            pooled=dict(path='cls_head.fc_cls', source='input')), model)
    with taps.record(model) as records:
        scores = model(data['inputs'], mode='tensor', stage='head')
    attn = records['attn']
    assert attn.shape == (2, ) + FEAT_SIZE
    assert records['pose'].shape == (2, 8)
    assert records['f'].shape == (2, 32) + FEAT_SIZE
    assert ((records['spatial'] > 0) & (records['spatial'] < 1)).all()
    torch.testing.assert_close(records['temporal'].sum(1), torch.ones(2))
    f = records['f']
    torch.testing.assert_close(records['f_mod'], f * attn[:, None] + f)
    torch.testing.assert_close(records['pooled'],
                               records['f_mod'].mean(dim=(2, 3, 4)))
    assert scores.shape == (2, 4)
    # stage='backbone' is the RGB map before modulation
    torch.testing.assert_close(
        model(data['inputs'], mode='tensor', stage='backbone'), f)


def test_predict_averages_clips_and_test_step_reads_paired_batches():
    model = build().eval()
    data = batch(model, clips=2, training=False)
    with torch.no_grad():
        preds = model(**data, mode='predict')
        per_clip = model(data['inputs'], mode='tensor', stage='head')
    expected = per_clip.softmax(1).view(2, 2, 4).mean(1)
    got = torch.stack([p.pred_scores.item for p in preds])
    torch.testing.assert_close(got, expected)
    raw = paired_batch(
        dict(rgb=RGB_CLIP, skeleton=POSE_CLIP),
        clips=dict(rgb=[2, 2], skeleton=[2, 2]))
    with torch.no_grad():
        stepped = model.test_step(raw)
    torch.testing.assert_close(
        torch.stack([p.pred_scores.item for p in stepped]), expected)


def test_embedding_loss():
    assert not build().with_embedding  # off by default (VPN*)
    model = build(embedding=dict(in_channels=32, channels=16,
                                 loss_weight=0.5))
    data = batch(model)
    taps = TapManager(dict(f=dict(path='modulation', source='input'),
                           s='coupler.spatial_attention'), model)
    with taps.record(model) as records:
        losses = model(**data, mode='loss')
    video = F.normalize(
        model.embed_video(records['f'].mean(dim=(2, 3, 4))), dim=1)
    pose = F.normalize(model.embed_pose(records['s'].flatten(1)), dim=1)
    expected = 0.5 * ((video - pose)**2).sum(1).sqrt().mean()
    torch.testing.assert_close(losses['loss_embed'], expected)
    losses['loss_embed'].backward()
    assert model.embed_pose.weight.grad.abs().sum() > 0
    assert model.pose_backbone.gcn[0].tcn.conv.weight.grad.abs().sum() > 0


def test_config_errors():
    with pytest.raises(ModelConfigError, match='feat_size'):
        SpatioTemporalCoupler(8, feat_size=(4, 2))
    with pytest.raises(ModelConfigError, match="'skeleton'"):
        MODELS.build(vpn_cfg(data_preprocessor=dict(
            type='PairedDataPreprocessor',
            preprocessors=dict(rgb=dict(type='ActionDataPreprocessor',
                                        format_shape='NCTHW')))))
    with pytest.raises(ModelConfigError, match='embedding'):
        MODELS.build(vpn_cfg(embedding=dict(channels=16)))
    model = build(coupler=dict(in_channels=8, feat_size=(4, 3, 3)))
    data = batch(model)
    with pytest.raises(ValueError, match=r'\(4, 2, 2\)'):
        model(**data, mode='loss')
    with pytest.raises(ValueError, match="no 'skeleton' input"):
        model(dict(rgb=data['inputs']['rgb']), data['data_samples'],
              mode='loss')
    with pytest.raises(ValueError, match='same clips'):
        model(dict(rgb=data['inputs']['rgb'],
                   skeleton=data['inputs']['skeleton'].repeat(1, 2, 1, 1, 1,
                                                              1)),
              data['data_samples'], mode='loss')
