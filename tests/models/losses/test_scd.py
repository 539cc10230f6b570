# Copyright (c) fsat contributors. All rights reserved.
import math
from unittest import mock

import pytest
import torch

from fsat.models.errors import ModelConfigError
from fsat.models.losses import SCDLoss
from fsat.models.losses.scd import draw_other_class_negatives
from fsat.registry import MODELS


def log_h(s, m):
    """The paper's log h(s) = log(e^s / (e^s + M)), by hand."""
    return math.log(math.exp(s) / (math.exp(s) + m))


def log_1mh(s, m):
    """log(1 - h(s)), by hand."""
    return math.log(1 - math.exp(s) / (math.exp(s) + m))


# Two samples of two classes: each is the other's only possible negative.
V = torch.tensor([[1., 0.], [0., 1.]])  # E_F(V), student
P = torch.tensor([[0.5, 0.], [1., 1.]])  # T_F(P), teacher
# s_ij = P_j . V_i: s_00 = 0.5, s_01 = 1, s_11 = 1, s_10 = 0


def test_paper_mode_hand_computed():
    loss = SCDLoss(num_data=10, num_negatives=1)
    assert loss.noise_constant == pytest.approx(0.1)  # M = 1 / 10
    m = 0.1
    l_scd = (log_h(0.5, m) + log_1mh(1., m) + log_h(1., m) +
             log_1mh(0., m)) / 2
    value = loss(V, P, labels=torch.tensor([0, 1]))
    # the module returns -alpha * L_SCD: positive, to be minimised
    assert l_scd < 0 < value.item()
    assert value.item() == pytest.approx(-l_scd, rel=1e-6)
    assert loss.last_negatives.tolist() == [[1], [0]]
    weighted = SCDLoss(num_data=10, loss_weight=50.)
    assert weighted(V, P, labels=torch.tensor([0, 1])).item() == \
        pytest.approx(-50 * l_scd, rel=1e-6)


def test_m_follows_negatives_over_dataset_size():
    # M = num_negatives / num_data; with 3 negatives the only other-class
    # sample is drawn three times (with replacement)
    loss = SCDLoss(num_data=40, num_negatives=3)
    assert loss.noise_constant == pytest.approx(3 / 40)
    m = 3 / 40
    l_scd = (log_h(0.5, m) + 3 * log_1mh(1., m) + log_h(1., m) +
             3 * log_1mh(0., m)) / 2
    value = loss(V, P, labels=torch.tensor([4, 2]))
    assert value.item() == pytest.approx(-l_scd, rel=1e-6)
    assert loss.last_negatives.tolist() == [[1, 1, 1], [0, 0, 0]]
    assert SCDLoss(num_data=7, num_negatives=2).noise_constant == \
        pytest.approx(2 / 7)


def test_paper_mode_with_a_random_draw():
    # sample 0 (class 0) may contrast with 1 or 2; 1 and 2 only with 0
    v = torch.tensor([[1., 0.], [0., 2.], [1., 1.]])
    p = torch.tensor([[2., 0.], [0., 1.], [-1., 1.]])
    dots = [[sum(a * b for a, b in zip(vi, pj)) for pj in p.tolist()]
            for vi in v.tolist()]
    m = 1 / 5
    loss = SCDLoss(num_data=5, seed=3)
    value = loss(v, p, labels=torch.tensor([0, 1, 1]))
    neg = loss.last_negatives[:, 0].tolist()
    assert neg[0] in (1, 2) and neg[1:] == [0, 0]
    l_scd = sum(log_h(dots[i][i], m) + log_1mh(dots[i][neg[i]], m)
                for i in range(3)) / 3
    assert value.item() == pytest.approx(-l_scd, rel=1e-6)


def test_better_aligned_positive_gives_lower_loss():
    loss = SCDLoss(num_data=10)
    labels = torch.tensor([0, 1])
    worse = loss(V, P, labels=labels)
    better = loss(V, P + torch.tensor([[2., 0.], [0., 0.]]), labels=labels)
    assert better.item() < worse.item()


def test_code_mode_hand_computed():
    loss = SCDLoss(mode='code', loss_weight=0.5)
    value = loss(V, P, labels=torch.tensor([0, 1]))

    def sigmoid(x):
        return 1 / (1 + math.exp(-x))

    # BCE-with-logits on exp(s): positives target 1, negatives target 0
    terms = [-math.log(sigmoid(math.exp(0.5))), -math.log(sigmoid(
        math.exp(1.))), -math.log(1 - sigmoid(math.exp(1.))),
             -math.log(1 - sigmoid(math.exp(0.)))]
    assert value.item() == pytest.approx(0.5 * sum(terms) / 4, rel=1e-6)
    # h = sigmoid(exp(s)) > 0.5 for any s: even a far-off positive
    assert sigmoid(math.exp(-30.)) > 0.5


def test_normalize_compares_directions():
    loss = SCDLoss(num_data=10, normalize=True)
    labels = torch.tensor([0, 1])
    a = loss(V, P, labels=labels)
    b = loss(3 * V, 0.1 * P, labels=labels)
    assert a.item() == pytest.approx(b.item(), rel=1e-6)
    # unit vectors: s_00 = 1, s_01 = cos45, s_11 = cos45, s_10 = 0
    c = 1 / math.sqrt(2)
    l_scd = (log_h(1., 0.1) + log_1mh(c, 0.1) + log_h(c, 0.1) +
             log_1mh(0., 0.1)) / 2
    assert a.item() == pytest.approx(-l_scd, rel=1e-6)


def test_negatives_never_share_the_class():
    gen = torch.Generator().manual_seed(0)
    loss = SCDLoss(num_data=100, num_negatives=2, seed=1)
    drawn = 0
    for _ in range(300):
        n = int(torch.randint(1, 9, (1, ), generator=gen))
        labels = torch.randint(-1, 4, (n, ), generator=gen)
        feats = torch.randn(n, 3, generator=gen)
        loss(feats, feats.flip(0), labels=labels)
        neg = loss.last_negatives
        assert neg.shape == (n, 2)
        for i in range(n):
            others = [j for j in range(n) if labels[j] >= 0
                      and labels[i] >= 0 and labels[j] != labels[i]]
            if others:
                assert set(neg[i].tolist()) <= set(others)
                drawn += 1
            else:
                assert neg[i].tolist() == [-1, -1]
    assert drawn > 500


def test_draw_is_reproducible_with_a_seed():
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 3, 3])
    a = draw_other_class_negatives(labels, 4,
                                   torch.Generator().manual_seed(7))
    b = draw_other_class_negatives(labels, 4,
                                   torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    assert (labels[a] != labels[:, None]).all()


def test_samples_without_negative_are_counted_and_reported():
    loss = SCDLoss(num_data=10, warn_interval=3)
    with mock.patch('fsat.models.losses.scd.print_log') as log:
        # one class only: positive terms alone, mean over the 2 positives
        value = loss(V, P, labels=torch.tensor([1, 1]))
        assert value.item() == pytest.approx(
            -(log_h(0.5, 0.1) + log_h(1., 0.1)) / 2, rel=1e-6)
        assert (loss.num_without_negative, loss.num_anchors) == (2, 2)
        assert log.call_count == 1 and '2 of 2' in log.call_args[0][0]
        loss(V, P, labels=torch.tensor([0, 1]))  # nothing missing
        loss(V, P, labels=torch.tensor([-1, 1]))  # unknown label: 2 more
        assert (loss.num_without_negative, loss.num_anchors) == (4, 6)
        assert log.call_count == 1  # next warning at 2 + 3 = 5
        loss(V, P, labels=torch.tensor([3, 3]))
        assert log.call_count == 2 and '6 of 8' in log.call_args[0][0]


def test_gradients_flow_to_both_features():
    feat_s = torch.randn(4, 3, requires_grad=True)
    feat_t = torch.randn(4, 3, requires_grad=True)
    for mode in ('paper', 'code'):
        feat_s.grad = feat_t.grad = None
        loss = SCDLoss(num_data=20, mode=mode, normalize=mode == 'code')
        loss(feat_s, feat_t, labels=torch.tensor([0, 0, 1, 2])).backward()
        assert feat_s.grad.abs().sum() > 0 and feat_t.grad.abs().sum() > 0


def test_labels_of_shape_n_by_1_are_accepted():
    loss = SCDLoss(num_data=10)
    a = loss(V, P, labels=torch.tensor([0, 1]))
    b = loss(V, P, labels=torch.tensor([[0], [1]]))
    assert a.item() == pytest.approx(b.item())


@pytest.mark.parametrize('kwargs, match', [
    (dict(), 'needs num_data'),
    (dict(num_data=0), 'num_data'),
    (dict(num_data=10, num_negatives=0), 'num_negatives'),
    (dict(num_data=10, mode='paperx'), 'mode'),
    (dict(num_data=10, normalize=1), 'normalize'),
    (dict(num_data=10, seed=1.5), 'seed'),
    (dict(num_data=10, loss_weight='a'), 'loss_weight'),
])
def test_arguments_are_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SCDLoss(**kwargs)


def test_bad_inputs_give_clear_errors():
    loss = SCDLoss(num_data=10)
    with pytest.raises(ValueError, match=r'\(2, 2\) and \(2, 3\)'):
        loss(V, torch.zeros(2, 3), labels=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r'labels must be \[N\] = \[2\]'):
        loss(V, P, labels=torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match='integer class indices'):
        loss(V, P, labels=torch.tensor([0., 1.]))
    with pytest.raises(ValueError, match='labels must be a tensor'):
        loss(V, P, labels=[0, 1])
    with pytest.raises(TypeError):
        loss(V, P, torch.tensor([0, 1]))  # labels is keyword-only


def test_builds_from_the_registry():
    loss = MODELS.build(dict(type='SCDLoss', num_data=8, mode='code'))
    assert isinstance(loss, SCDLoss) and loss.mode == 'code'
    assert SCDLoss.same_size_inputs is False


def test_train_set_num_data_is_filled_in_before_training():
    loss = SCDLoss(num_data='train_set', num_negatives=1)
    assert loss.num_data is None and loss.noise_constant is None
    with pytest.raises(
            ModelConfigError,
            match=r"^SCDLoss: num_data='train_set' was never given .*"
            r"custom_hooks=\[dict\(type='TrainSetSizeHook'\)\]$"):
        loss(V, P, labels=torch.tensor([0, 1]))
    loss.set_train_set_size(10, where='distill_losses.loss_scd')
    assert loss.num_data == 10
    assert loss.noise_constant == pytest.approx(0.1)
    # the hand-computed value of test_paper_mode_hand_computed, M = 0.1
    m = 0.1
    l_scd = (log_h(0.5, m) + log_1mh(1., m) + log_h(1., m) +
             log_1mh(0., m)) / 2
    value = loss(V, P, labels=torch.tensor([0, 1]))
    assert value.item() == pytest.approx(-l_scd, rel=1e-6)
    with pytest.raises(
            ModelConfigError,
            match=r'^distill_losses\.loss_scd \(SCDLoss\): num_data is 10 '
            r'\(from the training set\) but the training set has 11'):
        loss.set_train_set_size(11, where='distill_losses.loss_scd')


def test_an_explicit_num_data_is_checked_against_the_training_set():
    loss = SCDLoss(num_data=10)
    loss.set_train_set_size(10)
    assert loss.num_data == 10
    with pytest.raises(
            ModelConfigError,
            match=r'^distill_losses\.loss_scd \(SCDLoss\): num_data=10 but '
            r"the training set has 12 samples; set num_data='train_set'"):
        loss.set_train_set_size(12, where='distill_losses.loss_scd')


def test_code_mode_needs_no_size():
    loss = SCDLoss(num_data='train_set', mode='code', normalize=True)
    assert loss(V, P, labels=torch.tensor([0, 1])).item() > 0
    assert SCDLoss(mode='code').num_data is None
    with pytest.raises(ValueError, match="positive int or 'train_set'"):
        SCDLoss(num_data='training')
