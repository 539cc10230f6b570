# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch

from fsat.models.connectors import (
    ConvAdaptConnector,
    L2NormConnector,
    LinearConnector,
    SequentialConnector,
    build_connector,
)
from fsat.models.errors import ModelConfigError


def test_linear_projects_vectors_and_maps():
    conn = LinearConnector(4, 6)
    assert conn(torch.randn(2, 4)).shape == (2, 6)
    x = torch.randn(2, 4, 3, 5, 5)
    out = conn(x)
    assert out.shape == (2, 6, 3, 5, 5)
    # the same projection at every position
    expected = conn.fc(x[:, :, 1, 2, 3])
    assert torch.allclose(out[:, :, 1, 2, 3], expected, atol=1e-6)
    assert (conn.in_channels, conn.out_channels) == (4, 6)


def test_conv_adapt_3d_and_2d_share_weights():
    torch.manual_seed(0)
    conn = ConvAdaptConnector(4, 3)
    x = torch.randn(2, 4, 1, 5, 5)
    out3d = conn(x)
    out2d = conn(x[:, :, 0])
    assert out3d.shape == (2, 3, 1, 5, 5) and out2d.shape == (2, 3, 5, 5)
    assert torch.allclose(out3d[:, :, 0], out2d, atol=1e-6)
    assert (out3d >= 0).all()  # ReLU
    linear = ConvAdaptConnector(4, 3, relu=False)
    assert (linear(x) < 0).any()


def test_conv_adapt_rejects_vectors():
    with pytest.raises(ValueError, match='\\[N, C, T, H, W\\]'):
        ConvAdaptConnector(4, 3)(torch.randn(2, 4))


def test_l2norm_has_no_parameters_and_unit_norm():
    conn = L2NormConnector()
    assert not list(conn.parameters())
    out = conn(torch.randn(3, 4, 2, 2) * 7)
    assert torch.allclose(out.flatten(1).norm(dim=1), torch.ones(3))
    per_position = L2NormConnector(flatten=False)(torch.randn(3, 4, 2))
    assert torch.allclose(per_position.norm(dim=1), torch.ones(3, 2))


def test_list_config_chains_connectors():
    conn = build_connector([
        dict(type='LinearConnector', in_channels=4, out_channels=8),
        dict(type='L2NormConnector')
    ])
    assert isinstance(conn, SequentialConnector)
    assert (conn.in_channels, conn.out_channels) == (4, 8)
    out = conn(torch.randn(5, 4))
    assert out.shape == (5, 8)
    assert torch.allclose(out.norm(dim=1), torch.ones(5))


def test_chain_with_mismatched_channels_fails():
    with pytest.raises(ModelConfigError,
                       match='connector 1 .* takes 5 channels .* gives 8'):
        SequentialConnector([
            dict(type='LinearConnector', in_channels=4, out_channels=8),
            dict(type='LinearConnector', in_channels=5, out_channels=2)
        ])


def test_bad_connector_config():
    with pytest.raises(ModelConfigError, match='must be a dict'):
        build_connector('LinearConnector')
    with pytest.raises(ValueError, match='in_channels'):
        LinearConnector(0, 4)


def test_scale_connector_by_hand():
    from fsat.models import ScaleConnector
    x = torch.tensor([[[[1.0, -2.0]], [[3.0, 4.0]]]])  # [1, 2, 1, 2]
    fixed = ScaleConnector(scale=0.5, learnable=False)
    assert torch.equal(fixed(x), torch.tensor([[[[0.5, -1.0]],
                                                [[1.5, 2.0]]]]))
    assert not list(fixed.parameters())
    per_channel = ScaleConnector(scale=2.0, channels=2)
    with torch.no_grad():
        per_channel.scale.copy_(torch.tensor([2.0, -1.0]))
    assert torch.equal(per_channel(x), torch.tensor([[[[2.0, -4.0]],
                                                      [[-3.0, -4.0]]]]))
    # learnable: the gradient of sum(s * x) is sum(x) per channel
    per_channel(x).sum().backward()
    assert per_channel.scale.grad.tolist() == [-1.0, 7.0]
    with pytest.raises(ValueError, match='2 channel scales'):
        per_channel(torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match='scale must be a number'):
        ScaleConnector(scale='1')


def test_spatial_match_connector_pads_and_crops_centred():
    from fsat.models import SpatialMatchConnector
    x = torch.arange(1.0, 7.0).reshape(1, 1, 2, 3)  # [[1, 2, 3], [4, 5, 6]]
    pad = SpatialMatchConnector((3, 6), pad_value=-1)
    # 1 more row: at the bottom; 3 more columns: 1 left, 2 right
    assert pad(x)[0, 0].tolist() == [[-1, 1, 2, 3, -1, -1],
                                     [-1, 4, 5, 6, -1, -1],
                                     [-1, -1, -1, -1, -1, -1]]
    crop = SpatialMatchConnector((1, 2))
    # 1 row less: the bottom one; 1 column less: the right one
    assert crop(x)[0, 0].tolist() == [[1, 2]]
    wide = torch.arange(7.0).reshape(1, 1, 1, 7)
    assert SpatialMatchConnector((1, 4))(wide)[0, 0, 0].tolist() == [
        1, 2, 3, 4]
    # 5-D maps keep their time axis; the same size is the identity
    clip = torch.randn(2, 3, 4, 5, 5)
    assert SpatialMatchConnector(5)(clip) is clip
    assert SpatialMatchConnector((7, 3))(clip).shape == (2, 3, 4, 7, 3)
    resized = SpatialMatchConnector((4, 6), mode='resize')(x)
    assert resized.shape == (1, 1, 4, 6)
    assert torch.allclose(resized.mean(), x.mean())
    with pytest.raises(ValueError, match='mode must be one of'):
        SpatialMatchConnector(3, mode='nearest')
    with pytest.raises(ValueError, match='size must be'):
        SpatialMatchConnector((3, 0))
