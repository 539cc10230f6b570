# Copyright (c) fsat contributors. All rights reserved.
"""HallucinationLoss and GeneralizedDistillationLoss against values worked
out by hand (Garcia et al., Eqs. 3, 5 and 6)."""
import math

import pytest
import torch

from fsat.models.losses import GeneralizedDistillationLoss, HallucinationLoss
from fsat.registry import MODELS

LN3 = math.log(3.0)


def _maps():
    # sigmoid(0) = 0.5, sigmoid(ln 3) = 0.75, sigmoid(-ln 3) = 0.25
    feat_s = torch.zeros(2, 2)
    feat_t = torch.tensor([[0.0, LN3], [-LN3, 0.0]])
    return feat_s, feat_t  # squared differences: 0, 1/16 / 1/16, 0


@pytest.mark.parametrize('reduction,expected', [
    ('sum', 1 / 16),         # per sample 1/16, mean over the 2 samples
    ('mean', 2 / 16 / 4),    # over the 4 elements
    ('batch_sum', 2 / 16),   # every element of the batch
])
def test_hallucination_loss_by_hand(reduction, expected):
    feat_s, feat_t = _maps()
    loss = HallucinationLoss(reduction=reduction)(feat_s, feat_t)
    assert loss.item() == pytest.approx(expected)
    weighted = HallucinationLoss(
        loss_weight=0.5, reduction=reduction, code_scale=True)
    assert weighted(feat_s, feat_t).item() == pytest.approx(
        0.5 * 0.01 * expected)


def test_hallucination_loss_flattens_maps_and_is_zero_on_equal_maps():
    feat = torch.randn(3, 4, 2, 5, 5)
    assert HallucinationLoss()(feat, feat.clone()).item() == 0.0
    # the same elements as a flat [N, D] give the same value
    other = torch.randn(3, 4, 2, 5, 5)
    flat = HallucinationLoss()(feat.flatten(1), other.flatten(1))
    assert HallucinationLoss()(feat, other).item() == pytest.approx(
        flat.item())


def _gd_inputs(T=10.0):
    # student softmax [3/4, 1/4]; teacher softmax(t / T) = [3/4, 1/4]
    logits_s = torch.tensor([[LN3, 0.0]], requires_grad=True)
    logits_t = torch.tensor([[T * LN3, 0.0]], requires_grad=True)
    return logits_s, logits_t, torch.tensor([1])


def test_generalized_distillation_paper_form_by_hand():
    logits_s, logits_t, labels = _gd_inputs()
    loss = GeneralizedDistillationLoss(lambda_soft=0.5, temperature=10)(
        logits_s, logits_t, labels)
    hard = -math.log(0.25)  # the label is class 1
    soft = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert loss.item() == pytest.approx(0.5 * hard + 0.5 * soft)
    # lambda 0: cross-entropy alone; lambda 1: soft labels alone
    assert GeneralizedDistillationLoss(lambda_soft=0.0)(
        logits_s, logits_t, labels).item() == pytest.approx(hard)
    assert GeneralizedDistillationLoss(lambda_soft=1.0)(
        logits_s, logits_t, labels).item() == pytest.approx(soft)
    # no gradient reaches the teacher
    loss.backward()
    assert logits_t.grad is None and logits_s.grad is not None


def test_generalized_distillation_code_and_hinton_forms_by_hand():
    logits_s, logits_t, labels = _gd_inputs()
    # the student softened by T = 10 too: p0 = 3^0.1 / (3^0.1 + 1)
    p0 = 3 ** 0.1 / (3 ** 0.1 + 1)
    soft = -(0.75 * math.log(p0) + 0.25 * math.log(1 - p0))
    hard = -math.log(0.25)  # the hard term never uses the temperature
    code = GeneralizedDistillationLoss(student_temperature=True)
    assert code(logits_s, logits_t, labels).item() == pytest.approx(
        0.5 * hard + 0.5 * soft)
    hinton = GeneralizedDistillationLoss(
        student_temperature=True, t_squared=True, loss_weight=0.5)
    assert hinton(logits_s, logits_t, labels).item() == pytest.approx(
        0.5 * (0.5 * hard + 0.5 * 100 * soft))


def test_generalized_distillation_leaves_unknown_labels_out_of_the_hard_term():
    logits_s = torch.tensor([[LN3, 0.0], [0.0, 0.0]])
    logits_t = torch.zeros(2, 2)  # soft targets [1/2, 1/2]
    loss = GeneralizedDistillationLoss(lambda_soft=0.5)(
        logits_s, logits_t, torch.tensor([0, -1]))
    hard = -math.log(0.75)  # the first sample only
    soft = (-(0.5 * math.log(0.75) + 0.5 * math.log(0.25)) +
            math.log(2)) / 2
    assert loss.item() == pytest.approx(0.5 * hard + 0.5 * soft)


def test_hallucination_losses_are_registered():
    assert isinstance(MODELS.build(dict(type='HallucinationLoss')),
                      HallucinationLoss)
    gd = MODELS.build(dict(type='GeneralizedDistillationLoss'))
    assert (gd.lambda_soft, gd.temperature) == (0.5, 10.0)  # the paper's


@pytest.mark.parametrize('kwargs,match', [
    (dict(lambda_soft=1.5), 'lambda_soft must be in'),
    (dict(temperature=0), 'temperature must be a positive'),
    (dict(t_squared=1), 't_squared must be a bool'),
])
def test_generalized_distillation_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GeneralizedDistillationLoss(**kwargs)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='reduction must be one of'):
        HallucinationLoss(reduction='max')
    with pytest.raises(ValueError, match='same shape'):
        HallucinationLoss()(torch.zeros(2, 3), torch.zeros(2, 4))
    gd = GeneralizedDistillationLoss()
    with pytest.raises(ValueError, match='label 5 is not below'):
        gd(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([0, 5]))
    with pytest.raises(ValueError, match='integer class indices'):
        gd(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r'\[N, K\]'):
        gd(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), torch.tensor([0, 1]))
