# Copyright (c) fsat contributors. All rights reserved.
"""Non-local blocks with a tappable attention map: same function as mmcv's
NonLocal3d, and the tapped map is the softmax the block used."""
import pytest
import torch
from mmcv.cnn import NonLocal3d

from fsat.models import ModelConfigError, TapManager
from fsat.models.backbones import (
    AttentionNonLocal3d,
    ResNet3dNL,
    expose_non_local_attention,
)
from fsat.registry import MODELS

BACKBONE = dict(
    depth=18,
    base_channels=4,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(3, 7, 7),
    inflate=(1, 1, 1, 1),
    spatial_strides=(1, 2, 2, 1))


def randomise(module, seed=0):
    """Non-trivial values for every parameter and buffer (mmcv zeroes
    conv_out, which would hide the attention's effect on the output)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)


@pytest.mark.parametrize('cfg', [
    dict(),
    dict(sub_sample=True),
    dict(sub_sample=True, use_scale=False, norm_cfg=dict(type='BN3d')),
    dict(mode='dot_product'),
])
def test_same_output_as_mmcv_and_the_tapped_map(cfg):
    torch.manual_seed(0)
    ours = AttentionNonLocal3d(6, **cfg).eval()
    randomise(ours)
    theirs = NonLocal3d(6, **cfg).eval()
    theirs.load_state_dict(ours.state_dict())  # same keys, same weights
    x = torch.randn(2, 6, 2, 4, 6)
    taps = TapManager(dict(attn='attention'), ours)
    with taps.record(ours) as records:
        out = ours(x)
    torch.testing.assert_close(out, theirs(x), rtol=0, atol=0)
    attn = records['attn']
    keys = 2 * 2 * 3 if cfg.get('sub_sample') else 2 * 4 * 6
    assert attn.shape == (2, 2 * 4 * 6, keys)
    # the map by hand from the block's own projections
    theta = ours.theta(x).flatten(2).transpose(1, 2)  # [N, Q, C']
    phi = ours.phi(x).flatten(2)  # [N, C', K]
    logits = theta @ phi
    if cfg.get('mode') == 'dot_product':
        expected = logits / keys
    else:
        if cfg.get('use_scale', True):
            logits = logits / ours.inter_channels**0.5
        expected = logits.softmax(dim=-1)
        torch.testing.assert_close(attn.sum(-1), torch.ones(2, 48))
    torch.testing.assert_close(attn, expected)
    # and the output is x + W (map @ g)
    g = ours.g(x).flatten(2).transpose(1, 2)  # [N, K, C']
    y = (attn @ g).transpose(1, 2).reshape(2, -1, 2, 4, 6)
    torch.testing.assert_close(out, x + ours.conv_out(y))


def test_public_vpn_student_map_size():
    """VPN++'s student: an 8x7x7 map with keys pooled by (1, 2, 2)."""
    block = AttentionNonLocal3d(4, sub_sample=True)
    taps = TapManager(dict(attn='attention'), block)
    with taps.record(block) as records:
        block(torch.randn(1, 4, 8, 7, 7))
    assert records['attn'].shape == (1, 392, 72)


def test_resnet3d_nl_is_resnet3d_with_tappable_blocks():
    nl = dict(non_local=(0, 0, (0, 1), (0, 1)),
              non_local_cfg=dict(sub_sample=True))
    torch.manual_seed(0)
    ours = MODELS.build(dict(type='ResNet3dNL', **BACKBONE, **nl))
    plain = MODELS.build(dict(type='ResNet3d', **BACKBONE, **nl))
    assert ours.attention_paths == [
        'layer3.1.non_local_block.attention',
        'layer4.1.non_local_block.attention'
    ]
    ours.init_weights()  # kaiming: the non-local outputs are not zero
    # ResNet3d's state-dict keys: an I3D-NL checkpoint loads strictly
    plain.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, 3, 4, 32, 32)
    ours.eval(), plain.eval()
    torch.testing.assert_close(ours(x), plain(x), rtol=0, atol=0)
    # the swap helper on the plain backbone keeps its function too
    before = plain(x)
    assert sorted(expose_non_local_attention(plain)) == ours.attention_paths
    torch.testing.assert_close(plain(x), before, rtol=0, atol=0)


def test_attention_tap_in_a_recognizer():
    model = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(
                type='ResNet3dNL',
                **BACKBONE,
                non_local=(0, 0, 0, (0, 1)),
                non_local_cfg=dict(
                    sub_sample=True,
                    use_scale=False,
                    norm_cfg=dict(type='BN3d'))),
            cls_head=dict(
                type='I3DHead', num_classes=3, in_channels=32,
                dropout_ratio=0.0),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCTHW')))
    model.init_weights()
    taps = TapManager(
        dict(attn='backbone.layer4.1.non_local_block.attention',
             feat=dict(path='cls_head.fc_cls', source='input')), model)
    with taps.record(model) as records:
        scores = model(torch.randn(2, 1, 3, 8, 32, 32), stage='head')
    # layer4 map of 8x32x32 clips: t = 8 / 2 (ResNet3d's pool2), 2x2
    # (spatial strides 2 (conv1), 2 (pool1), 1, 2, 2, 1); keys 4x1x1
    attn = records['attn']
    assert attn.shape == (2, 4 * 2 * 2, 4 * 1 * 1)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, 16))
    assert (attn > 0).all()
    assert records['feat'].shape == (2, 32)
    assert scores.shape == (2, 3)


def test_no_non_local_block_is_an_error():
    with pytest.raises(ModelConfigError, match='non_local places no'):
        ResNet3dNL(**BACKBONE)
