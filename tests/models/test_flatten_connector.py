# Copyright (c) fsat contributors. All rights reserved.
"""FlattenConnector: one vector per sample, and VPN-A's E_A chain."""
import pytest
import torch

from fsat.models import FlattenConnector, ModelConfigError, build_connector


def test_flatten_by_hand():
    x = torch.arange(24.).view(2, 3, 4)
    out = FlattenConnector()(x)
    assert out.shape == (2, 12)
    assert out[1].tolist() == list(range(12, 24))
    assert FlattenConnector(out_channels=12)(x).shape == (2, 12)
    with pytest.raises(ValueError, match='flattens to 12 values per sample, '
                       'but out_channels is 10'):
        FlattenConnector(out_channels=10)(x)
    with pytest.raises(ValueError, match='batch axis'):
        FlattenConnector()(torch.ones(3))


def test_flatten_then_linear_is_e_a():
    torch.manual_seed(0)
    e_a = build_connector([
        dict(type='FlattenConnector', out_channels=12),
        dict(type='LinearConnector', in_channels=12, out_channels=5)
    ])
    assert e_a.out_channels == 5
    x = torch.randn(2, 3, 4)
    fc = e_a.connectors[1].fc
    torch.testing.assert_close(e_a(x), x.flatten(1) @ fc.weight.T + fc.bias)
    with pytest.raises(ModelConfigError, match='takes 10 channels but the '
                       'one before it gives 12'):
        build_connector([
            dict(type='FlattenConnector', out_channels=12),
            dict(type='LinearConnector', in_channels=10, out_channels=5)
        ])
