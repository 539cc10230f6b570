# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch

from fsat.models.errors import ModelConfigError
from fsat.models.taps import Tap, TapManager
from fsat.registry import MODELS
from fsat.testing import single_process_group, tiny_resnet3d

POOLED = dict(path='cls_head.fc_cls', source='input')


@pytest.fixture
def recognizer():
    torch.manual_seed(0)
    return MODELS.build(tiny_resnet3d(base_channels=4)).eval()


def _clips(n=2):
    # [N, num_clips, C, T, H, W]
    return torch.randn(n, 1, 3, 8, 32, 32)


def test_records_the_pooled_feature_and_a_stage(recognizer):
    taps = TapManager(dict(pooled=POOLED, stage='backbone.layer3'),
                      recognizer)
    x = _clips()
    with torch.no_grad(), taps.record(recognizer) as records:
        scores = recognizer(x, mode='tensor', stage='head')
    pooled = records['pooled']
    assert pooled.shape == (2, 32)
    with torch.no_grad():
        manual = recognizer.backbone(x.flatten(0, 1)).mean((2, 3, 4))
        assert torch.allclose(pooled, manual, atol=1e-5)
        assert torch.allclose(recognizer.cls_head.fc_cls(pooled), scores,
                              atol=1e-5)
    assert records['stage'].shape[:2] == (2, 16)


def test_invalid_path_lists_the_nearest_module_names(recognizer):
    with pytest.raises(ModelConfigError) as info:
        TapManager(dict(feat='cls_head.fc_cl'), recognizer, owner='student')
    text = str(info.value)
    assert "student: tap 'feat': no module 'cls_head.fc_cl'" in text
    assert "'cls_head.fc_cls'" in text
    with pytest.raises(ModelConfigError, match="'backbone.layer4'"):
        Tap('backbone.layer5').find(recognizer)


def test_hooks_exist_only_inside_the_block(recognizer):
    taps = TapManager(dict(pooled=POOLED), recognizer)
    fc = recognizer.cls_head.fc_cls
    with taps.record(recognizer):
        assert len(fc._forward_pre_hooks) == 1
    assert len(fc._forward_pre_hooks) == 0
    with pytest.raises(RuntimeError, match='boom'):
        with taps.record(recognizer):
            raise RuntimeError('boom')
    assert len(fc._forward_pre_hooks) == 0
    # records of a finished block are not refilled by later forwards
    with taps.record(recognizer) as first:
        recognizer(_clips(), mode='tensor', stage='head')
    recognizer(_clips(), mode='tensor', stage='head')
    assert len(first.all('pooled')) == 1


def test_a_tap_that_never_ran_or_ran_twice(recognizer):
    taps = TapManager(dict(pooled=POOLED), recognizer)
    with taps.record(recognizer) as records:
        recognizer(_clips(), mode='tensor')  # backbone only
    with pytest.raises(RuntimeError, match='never ran'):
        records['pooled']
    with taps.record(recognizer) as records:
        recognizer(_clips(), mode='tensor', stage='head')
        recognizer(_clips(3), mode='tensor', stage='head')
    with pytest.raises(RuntimeError, match='ran 2 times'):
        records['pooled']
    assert [t.shape[0] for t in records.all('pooled')] == [2, 3]


def test_dims_inferred_from_layers_or_declared(recognizer):
    assert Tap('cls_head.fc_cls', 'input').infer_dim(recognizer) == 32
    assert Tap('cls_head.fc_cls').infer_dim(recognizer) == 4
    assert Tap('backbone.layer3').infer_dim(recognizer) is None
    assert Tap('backbone.layer3', dim=16).infer_dim(recognizer) == 16


@pytest.mark.parametrize('cfg, match', [
    (dict(path='x', source='inputs'), "source must be 'input' or 'output'"),
    (dict(path='x', dim=0), 'dim must be a positive int'),
    (dict(module='x'), 'a tap is a module path or dict'),
    (3, 'must be a str or a dict'),
])
def test_bad_tap_configs(cfg, match):
    with pytest.raises(ModelConfigError, match=match):
        Tap.from_cfg(cfg)


def test_paths_are_relative_to_a_ddp_wrapped_model(recognizer, tmp_path):
    from mmengine.model import MMDistributedDataParallel
    with single_process_group(str(tmp_path)):
        wrapped = MMDistributedDataParallel(recognizer.train())
        taps = TapManager(dict(pooled=POOLED), wrapped)
        with taps.record(wrapped) as records:
            wrapped(_clips(), mode='tensor', stage='head')
        assert records['pooled'].shape == (2, 32)
        with pytest.raises(ModelConfigError, match="'cls_head.fc_cls'"):
            TapManager(dict(pooled='module.cls_head.fc_cls'), wrapped)
