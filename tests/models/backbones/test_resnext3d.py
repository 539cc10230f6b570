# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch
from mmengine.registry import DefaultScope

from fsat.models.backbones import ResNeXt3d
from fsat.registry import MODELS


def test_resnext101_has_hara_shape_and_size():
    model = ResNeXt3d(depth=101)
    params = sum(p.numel() for p in model.parameters())
    # Hara et al.'s 3D ResNeXt-101 (cardinality 32) has about 47.5 M
    assert 46e6 < params < 49e6
    assert model.feat_dim == 2048
    assert model.layer3[0].conv2.groups == 32


def test_small_resnext_forward_backward_and_shapes():
    model = ResNeXt3d(depth=50, in_channels=2, cardinality=4,
                      stem_channels=8, stage_planes=(8, 16, 32, 64))
    model.init_weights()
    x = torch.randn(2, 2, 16, 64, 64)
    out = model(x)
    # T / 16 (max-pool and three strided stages), H and W / 32
    assert out.shape == (2, 128, 1, 2, 2)
    out.mean().backward()
    assert all(p.grad is not None for p in model.parameters())
    # zero-initialised residual BN: each block starts as its shortcut
    assert model.layer1[0].bn3.weight.abs().sum() == 0


def test_builds_under_a_recognizer_by_name():
    with DefaultScope.overwrite_default_scope('fsat'):
        recognizer = MODELS.build(
            dict(
                type='Recognizer3D',
                backbone=dict(
                    type='ResNeXt3d', depth=50, cardinality=4,
                    stem_channels=8, stage_planes=(8, 16, 32, 64)),
                cls_head=dict(
                    type='I3DHead', num_classes=5, in_channels=128,
                    average_clips='prob'),
                data_preprocessor=dict(
                    type='ActionDataPreprocessor', format_shape='NCTHW')))
    recognizer.eval()
    # mode='tensor' returns the backbone's feature map
    feats = recognizer(torch.randn(1, 1, 3, 16, 32, 32), mode='tensor')
    assert feats.shape == (1, 128, 1, 1, 1)
    assert recognizer.cls_head(feats).shape == (1, 5)


def test_bad_depth_is_a_clear_error():
    with pytest.raises(KeyError, match='invalid depth 34 for ResNeXt3d'):
        ResNeXt3d(depth=34)
