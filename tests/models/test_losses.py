# Copyright (c) fsat contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from fsat.models.losses import CosineDistanceLoss, FeatureMSELoss, KDLoss
from fsat.registry import MODELS


def test_cosine_distance_hand_computed():
    loss = CosineDistanceLoss()
    a = torch.tensor([[1., 0.]])
    b = torch.tensor([[1., 1.]])
    assert loss(a, b).item() == pytest.approx(1 - 1 / math.sqrt(2))
    # mean over the batch: 0 (same direction) and 2 (opposite)
    a = torch.tensor([[1., 0.], [0., 3.]])
    b = torch.tensor([[2., 0.], [0., -1.]])
    assert loss(a, b).item() == pytest.approx(1.0)


def test_cosine_distance_flattens_maps_and_weights():
    feat_s = torch.randn(3, 4, 2, 5)
    feat_t = torch.randn(3, 4, 2, 5)
    flat = 1 - F.cosine_similarity(feat_s.flatten(1), feat_t.flatten(1))
    loss = CosineDistanceLoss(loss_weight=0.5)
    assert loss(feat_s, feat_t).item() == pytest.approx(
        0.5 * flat.mean().item(), rel=1e-6)


def test_feature_mse_hand_computed():
    a = torch.tensor([[1., 2.], [0., 0.]])
    b = torch.tensor([[0., 0.], [3., 0.]])
    # (1 + 4 + 9 + 0) / 4
    assert FeatureMSELoss()(a, b).item() == pytest.approx(3.5)
    assert FeatureMSELoss(loss_weight=2)(a, b).item() == pytest.approx(7.0)


def test_feature_mse_normalize():
    a = torch.tensor([[3., 4.]])
    b = torch.tensor([[0., 5.]])
    # [0.6, 0.8] vs [0, 1]: (0.36 + 0.04) / 2
    loss = FeatureMSELoss(normalize=True)
    assert loss(a, b).item() == pytest.approx(0.2)
    assert loss(a * 10, b).item() == pytest.approx(0.2)


def test_kd_matches_the_formula():
    torch.manual_seed(0)
    s, t, T = torch.randn(4, 6), torch.randn(4, 6), 3.0
    p_t = torch.softmax(t / T, dim=1)
    log_p_s = torch.log_softmax(s / T, dim=1)
    manual = (p_t * (p_t.log() - log_p_s)).sum(1).mean() * T * T
    loss = KDLoss(temperature=T, loss_weight=0.5)
    assert loss(s, t).item() == pytest.approx(0.5 * manual.item(), rel=1e-5)
    assert KDLoss(temperature=T)(t, t).item() == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize('loss', [CosineDistanceLoss(), FeatureMSELoss()])
def test_feature_losses_reject_different_shapes(loss):
    with pytest.raises(ValueError, match=r'\(2, 4\) and \(2, 5\)'):
        loss(torch.zeros(2, 4), torch.zeros(2, 5))


def test_kd_rejects_maps():
    with pytest.raises(ValueError, match='must be \\[N, K\\]'):
        KDLoss()(torch.zeros(2, 4, 3), torch.zeros(2, 4, 3))


@pytest.mark.parametrize('cls, kwargs, match', [
    (CosineDistanceLoss, dict(loss_weight='1'), 'loss_weight'),
    (CosineDistanceLoss, dict(loss_weight=float('nan')), 'loss_weight'),
    (CosineDistanceLoss, dict(eps=0), 'eps'),
    (FeatureMSELoss, dict(normalize='yes'), 'normalize'),
    (KDLoss, dict(temperature=0), 'temperature'),
    (KDLoss, dict(temperature=-1), 'temperature'),
])
def test_arguments_are_validated(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_losses_build_from_the_registry():
    loss = MODELS.build(dict(type='KDLoss', temperature=10))
    assert isinstance(loss, KDLoss) and loss.temperature == 10
    assert isinstance(
        MODELS.build(dict(type='CosineDistanceLoss')), CosineDistanceLoss)


def test_gradient_flows_to_the_student_only_input():
    feat_s = torch.randn(2, 3, requires_grad=True)
    feat_t = torch.randn(2, 3)
    CosineDistanceLoss()(feat_s, feat_t).backward()
    assert feat_s.grad is not None and feat_s.grad.abs().sum() > 0
