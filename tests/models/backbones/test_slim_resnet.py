# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch
from mmaction.models.backbones import ResNet

from fsat.models.backbones import SlimResNet
from fsat.registry import MODELS


def test_default_width_is_mmaction2_resnet():
    torch.manual_seed(0)
    ours = SlimResNet(depth=18, pretrained=None)
    torch.manual_seed(0)
    theirs = ResNet(depth=18, pretrained=None)
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert ours.feat_dim == theirs.feat_dim == 512
    x = torch.rand(2, 3, 48, 48)
    ours.eval(), theirs.eval()
    assert torch.equal(ours(x), theirs(x))


@pytest.mark.parametrize('depth,width,feat', [(18, 32, 256), (50, 16, 512)])
def test_width_scales_every_stage(depth, width, feat):
    net = MODELS.build(
        dict(type='SlimResNet', depth=depth, base_channels=width,
             pretrained=None))
    assert net.conv1.conv.out_channels == width
    for i, name in enumerate(net.res_layers):
        assert getattr(net, name)[0].conv1.conv.out_channels == width * 2**i
    assert net.feat_dim == feat
    net.init_weights()
    out = net(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, feat, 2, 2)
    wide = ResNet(depth=depth, pretrained=None)
    # the same parameter names as the 64-wide network
    assert set(net.state_dict()) == set(wide.state_dict())
    n_slim = sum(p.numel() for p in net.parameters())
    n_wide = sum(p.numel() for p in wide.parameters())
    # conv weights scale with the square of the width
    assert n_slim < n_wide * (width / 64) ** 2 * 1.1


def test_frozen_stages_and_norm_eval_apply_to_rebuilt_modules():
    net = SlimResNet(depth=18, base_channels=16, pretrained=None,
                     frozen_stages=1, norm_eval=True)
    net.train()
    assert not any(p.requires_grad for p in net.conv1.parameters())
    assert not any(p.requires_grad for p in net.layer1.parameters())
    assert all(p.requires_grad for p in net.layer2.parameters())
    assert not net.layer3[0].conv1.bn.training


@pytest.mark.parametrize('kwargs,match', [
    (dict(base_channels=0), 'base_channels must be a positive int'),
    (dict(base_channels=True), 'base_channels must be a positive int'),
    (dict(base_channels=32, pretrained='imagenet.pth'),
     'base_channels=32 cannot load them'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SlimResNet(depth=18, **kwargs)
