# Copyright (c) fsat contributors. All rights reserved.
"""CrossStreamResNet: the multiplicative connection equals its formula
(both forms), a gate of 1 and identity temporal convolutions give back the
plain mmaction2 ResNet streams, and bad wiring is refused before any
training."""
import pytest
import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import ResNet

from fsat.models.backbones import CrossStreamResNet
from fsat.models.backbones.cross_stream_resnet import (
    ConnectedResLayer,
    TemporalConv,
)
from fsat.registry import MODELS

R18 = dict(depth=18, pretrained=None)


def _two_stream(**kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('connections', [dict(src='depth', dst='rgb')])
    kwargs.setdefault('num_segments', 2)
    net = CrossStreamResNet(streams=dict(rgb=R18, depth=R18), **kwargs)
    net.init_weights()
    return net.eval()


def _stage(temporal_conv=False):
    torch.manual_seed(0)
    layer = ResNet(**R18).layer2
    return ConnectedResLayer(layer, temporal_conv, 'identity').eval()


def test_paper_connection_equals_eq2():
    layer = _stage()
    x = torch.randn(2, 64, 8, 8)
    unit1, unit2 = layer[0], layer[1]
    x1 = unit1(x)
    gate = torch.rand_like(x1) * 2
    # x_out = relu(x1 + F(x1 * gate)); F = conv2(conv1(.)) of a BasicBlock
    expected = torch.relu(x1 + unit2.conv2(unit2.conv1(x1 * gate)))
    got = layer(x, gate=gate, mode='paper')
    assert torch.allclose(got, expected, atol=1e-6)
    assert torch.equal(layer.first_out, x1)


def test_code_connection_adds_the_gated_pre_activation():
    layer = _stage()
    x = torch.randn(2, 64, 8, 8)
    unit1, unit2 = layer[0], layer[1]
    pre = unit1.conv2(unit1.conv1(x)) + unit1.downsample(x)
    x1 = torch.relu(pre)
    gate = torch.rand_like(x1)
    branch_in = x1 + pre * gate
    expected = torch.relu(x1 + unit2.conv2(unit2.conv1(branch_in)))
    got = layer(x, gate=gate, mode='code')
    assert torch.allclose(got, expected, atol=1e-6)


def test_a_gate_of_one_is_the_plain_stage():
    layer = _stage()
    plain = nn.Sequential(*layer)
    x = torch.randn(2, 64, 8, 8)
    ones = torch.ones(2, 128, 4, 4)
    assert torch.allclose(layer(x, gate=ones), plain(x), atol=1e-6)
    assert torch.allclose(layer(x), plain(x), atol=1e-6)


def test_identity_temporal_conv_changes_nothing_at_initialisation():
    conv = TemporalConv(8)
    x = torch.rand(3 * 4, 8, 5, 5)  # non-negative, as after a ReLU
    assert torch.allclose(conv(x, num_segments=4), x)
    # the public code's initialiser does not give the identity
    torch.manual_seed(0)
    assert not torch.allclose(
        TemporalConv(8, init='default')(x, num_segments=4), x)
    # it mixes neighbouring frames of a video, not of two videos
    conv.conv.weight.data.zero_()
    conv.conv.weight.data[:, :, 0, 0, 0] = torch.eye(8)  # the previous frame
    out = conv(x, num_segments=4).view(3, 4, 8, 5, 5)
    frames = x.view(3, 4, 8, 5, 5)
    assert torch.allclose(out[:, 1:], frames[:, :-1])
    assert torch.equal(out[:, 0], torch.zeros_like(out[:, 0]))


def test_streams_reduce_to_plain_resnets_without_connections():
    """Identity temporal convolutions and no connection: each stream is
    the mmaction2 ResNet it was built from, and that ResNet's checkpoint
    loads into it (only the temporal convolutions are new keys)."""
    net = _two_stream(connections=[])
    torch.manual_seed(1)
    plain = ResNet(**R18)
    plain.init_weights()
    plain.eval()
    missing, unexpected = net.streams['rgb'].load_state_dict(
        plain.state_dict(), strict=False)
    assert not unexpected
    assert missing and all('temporal_conv' in k for k in missing)
    frames = torch.rand(2 * 2, 3, 64, 64)
    out = net(dict(rgb=frames))
    assert torch.allclose(out['rgb'], plain(frames), atol=1e-5)


def test_the_connection_changes_the_receiver_only_and_carries_gradient():
    net = _two_stream()
    frames = dict(rgb=torch.rand(4, 3, 64, 64), depth=torch.rand(4, 3, 64, 64))
    joint = net(frames)
    alone = _two_stream(connections=[])(frames)
    assert torch.allclose(joint['depth'], alone['depth'], atol=1e-6)
    assert not torch.allclose(joint['rgb'], alone['rgb'])
    # joint training: the RGB loss reaches the depth stream through the gate
    net.train()
    net(frames)['rgb'].sum().backward()
    grad = net.streams['depth'].layer1[0].conv1.conv.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    # layer4 of depth gates nothing after it: no gradient from RGB there
    assert net.streams['depth'].layer4[1].conv1.conv.weight.grad is None


def test_inverted_direction_and_registry():
    net = MODELS.build(dict(
        type='CrossStreamResNet', streams=dict(rgb=R18, depth=R18),
        connections=[dict(src='rgb', dst='depth', stages=[1, 3])],
        num_segments=2))
    assert net.order == ['rgb', 'depth']
    assert net.connections[0]['stages'] == (1, 3)


@pytest.mark.parametrize('connections,match', [
    ([dict(src='depth', dst='rgb', stages=[4])],
     r'stage\(s\) \[4\] do not exist; the streams have 4 stages'),
    ([dict(src='flow', dst='rgb')], "src 'flow' is not a stream"),
    ([dict(src='rgb', dst='rgb')], 'to itself'),
    ([dict(src='rgb', dst='depth'), dict(src='depth', dst='rgb', stages=[0])],
     'cycle'),
    ([dict(src='depth', dst='rgb', mode='sum')], 'mode must be one of'),
    ([dict(src='depth', dst='rgb', gain=2)], 'unknown keys'),
])
def test_bad_connections_are_refused(connections, match):
    with pytest.raises(ValueError, match=match):
        CrossStreamResNet(streams=dict(rgb=R18, depth=R18),
                          connections=connections)


def test_other_bad_wiring_is_refused():
    with pytest.raises(ValueError, match='different sizes'):
        CrossStreamResNet(
            streams=dict(rgb=R18, depth=dict(depth=50, pretrained=None)),
            connections=[dict(src='depth', dst='rgb')])
    with pytest.raises(ValueError, match='base_channels 32.* different'):
        CrossStreamResNet(
            streams=dict(rgb=R18, depth=dict(R18, base_channels=32)),
            connections=[dict(src='depth', dst='rgb')])
    with pytest.raises(ValueError, match='out_indices'):
        CrossStreamResNet(streams=dict(rgb=dict(R18, out_indices=(2, 3))))
    net = _two_stream()
    with pytest.raises(ValueError, match="receives from 'depth'"):
        net(dict(rgb=torch.rand(2, 3, 32, 32)))
    with pytest.raises(ValueError, match='not a multiple of num_segments'):
        net(dict(rgb=torch.rand(3, 3, 32, 32), depth=torch.rand(3, 3, 32, 32)))


def test_slim_streams_connect():
    slim = dict(R18, base_channels=16)
    net = CrossStreamResNet(
        streams=dict(rgb=slim, depth=slim),
        connections=[dict(src='depth', dst='rgb')], num_segments=2)
    net.init_weights()
    out = net(dict(rgb=torch.rand(4, 3, 64, 64),
                   depth=torch.rand(4, 3, 64, 64)))
    assert out['rgb'].shape == out['depth'].shape == (4, 128, 2, 2)
    alone = net(dict(rgb=torch.rand(4, 3, 64, 64)), connections=False)
    assert alone['rgb'].shape == (4, 128, 2, 2)
