# Copyright (c) fsat contributors. All rights reserved.
import math

import pytest
import torch

from fsat.models.losses import AttentionMSELoss
from fsat.registry import MODELS


def unit(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


def test_paper_mode_hand_computed():
    attn_s = torch.tensor([[3., 4.], [1., 0.], [0., 2.]])
    attn_t = torch.tensor([[0., 5.], [1., 1.], [0., 7.]])
    per_sample = []
    for s, t in zip(attn_s.tolist(), attn_t.tolist()):
        us, ut = unit(s), unit(t)
        per_sample.append(sum((a - b)**2 for a, b in zip(ut, us)))
    # [0.6, 0.8] vs [0, 1]: 0.36 + 0.04; [1, 0] vs [c, c]: 2 - 2c; equal: 0
    assert per_sample[0] == pytest.approx(0.4)
    assert per_sample[1] == pytest.approx(2 - math.sqrt(2))
    expected = sum(per_sample) / 3
    assert AttentionMSELoss()(attn_s, attn_t).item() == pytest.approx(
        expected, rel=1e-6)
    assert AttentionMSELoss(loss_weight=50)(attn_s, attn_t).item() == \
        pytest.approx(50 * expected, rel=1e-6)
    # only directions matter
    assert AttentionMSELoss()(10 * attn_s, attn_t).item() == \
        pytest.approx(expected, rel=1e-6)


def test_teacher_map_is_flattened_to_t_m_n():
    # teacher spatio-temporal attention: temporal t=2 (x) spatial 2x2
    spatial = torch.tensor([[[0.1, 0.9], [0.5, 0.2]]])  # [N=1, m, n]
    temporal = torch.tensor([[0.25, 0.75]])  # [N=1, t]
    attn_t = temporal[:, :, None, None] * spatial[:, None]  # [1, 2, 2, 2]
    flat_t = [tt * x for tt in temporal[0].tolist()
              for row in spatial[0].tolist() for x in row]
    attn_s = torch.arange(1., 9.).view(1, 8)  # E_A(A_S): [N, t*m*n]
    expected = sum((a - b)**2 for a, b in zip(unit(flat_t),
                                               unit(attn_s[0].tolist())))
    assert AttentionMSELoss()(attn_s, attn_t).item() == pytest.approx(
        expected, rel=1e-6)


def test_code_mode_is_the_plain_sum_of_squares():
    attn_s = torch.tensor([[1., 2.], [0., 0.]])
    attn_t = torch.tensor([[0., 0.], [3., 0.]])
    # (1 + 4) + (9 + 0), summed over the batch too, no normalisation
    loss = AttentionMSELoss(mode='code')
    assert loss(attn_s, attn_t).item() == pytest.approx(14.0)
    loss = AttentionMSELoss(mode='code', loss_weight=0.001)
    assert loss(attn_s, attn_t).item() == pytest.approx(0.014)


def test_gradients_flow_to_both_maps():
    attn_s = torch.randn(2, 6, requires_grad=True)
    attn_t = torch.rand(2, 1, 2, 3, requires_grad=True)
    for mode in ('paper', 'code'):
        attn_s.grad = attn_t.grad = None
        AttentionMSELoss(mode=mode)(attn_s, attn_t).backward()
        assert attn_s.grad.abs().sum() > 0 and attn_t.grad.abs().sum() > 0


def test_bad_inputs_give_clear_errors():
    loss = AttentionMSELoss()
    with pytest.raises(ValueError, match=r'\(2, 6\) -> \(2, 6\) and '
                       r'\(2, 2, 2\) -> \(2, 4\)'):
        loss(torch.zeros(2, 6), torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match='same number of samples'):
        loss(torch.zeros(3, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match='attn_s must be'):
        loss(torch.zeros(4), torch.zeros(4))


@pytest.mark.parametrize('kwargs, match', [
    (dict(mode='sum'), 'mode'),
    (dict(eps=0), 'eps'),
    (dict(loss_weight=float('inf')), 'loss_weight'),
])
def test_arguments_are_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AttentionMSELoss(**kwargs)


def test_builds_from_the_registry():
    loss = MODELS.build(dict(type='AttentionMSELoss', mode='code'))
    assert isinstance(loss, AttentionMSELoss) and loss.mode == 'code'
    assert AttentionMSELoss.same_size_inputs is False
