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
