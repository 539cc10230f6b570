# Copyright (c) fsat contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from fsat.models.errors import ModelConfigError
from fsat.models.losses import CRDLoss
from fsat.models.losses.train_set import pending_state_keys
from fsat.registry import MODELS

BANK_S = [[1., 0.], [0., 1.], [0.6, 0.8], [-1., 0.]]
BANK_T = [[0., -1.], [0.8, 0.6], [1., 0.], [0., 1.]]
FEAT_S = [[3., 4.], [0., 2.]]  # identity embedding -> [.6, .8], [0, 1]
FEAT_T = [[1., 0., 1.], [0., 1., 0.]]  # -> [2, 0], [0, 1] -> [1, 0], [0, 1]
EMB_S = [[0.6, 0.8], [0., 1.]]
EMB_T = [[1., 0.], [0., 1.]]
INDICES = [0, 2]


def make_loss(**kwargs):
    cfg = dict(
        student_channels=2,
        teacher_channels=3,
        num_data=4,
        feat_dim=2,
        num_negatives=2,
        temperature=0.5,
        momentum=0.5,
        seed=0)
    cfg.update(kwargs)
    loss = CRDLoss(**cfg)
    with torch.no_grad():
        loss.embed_s.weight.copy_(torch.eye(2))
        loss.embed_s.bias.zero_()
        loss.embed_t.weight.copy_(torch.tensor([[1., 0., 1.], [0., 1., 0.]]))
        loss.embed_t.bias.zero_()
        loss.memory_s.copy_(torch.tensor(BANK_S))
        loss.memory_t.copy_(torch.tensor(BANK_T))
    return loss


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def log_sigmoid(x):
    return -math.log(1 + math.exp(-x))


def direction(anchors, bank, positives, negatives, temp, m):
    """-1/N sum_i [log h(pos) + sum_k log(1 - h(neg_k))], by hand."""
    total = 0.
    for u, w_pos, negs in zip(anchors, positives, negatives):
        total += log_sigmoid(dot(u, w_pos) / temp - math.log(m))
        for k in negs:
            # log(1 - h) with h = e^(s/T) / (e^(s/T) + M)
            e = math.exp(dot(u, bank[k]) / temp)
            total += math.log(1 - e / (e + m))
    return -total / len(anchors)


@pytest.mark.parametrize('positive', ['bank', 'batch'])
def test_loss_hand_computed(positive):
    loss = make_loss(loss_weight=2., positive=positive)
    assert loss.noise_constant == pytest.approx(2 / 4)  # M = K / n_data
    value = loss(torch.tensor(FEAT_S), torch.tensor(FEAT_T),
                 indices=torch.tensor(INDICES))
    negs = loss.last_negatives.tolist()
    assert len(negs) == 2 and all(len(n) == 2 for n in negs)
    m = 0.5
    if positive == 'bank':
        pos_t = [BANK_T[i] for i in INDICES]
        pos_s = [BANK_S[i] for i in INDICES]
    else:
        pos_t, pos_s = EMB_T, EMB_S
    expected = (direction(EMB_S, BANK_T, pos_t, negs, 0.5, m) +
                direction(EMB_T, BANK_S, pos_s, negs, 0.5, m))
    assert value.item() == pytest.approx(2 * expected, rel=1e-5)


def test_bank_update_with_momentum_on_one_step():
    loss = make_loss(momentum=0.25)
    loss(torch.tensor(FEAT_S), torch.tensor(FEAT_T),
         indices=torch.tensor(INDICES))
    for bank, old, emb in ((loss.memory_s, BANK_S, EMB_S),
                           (loss.memory_t, BANK_T, EMB_T)):
        for row in range(4):
            if row in INDICES:
                e = emb[INDICES.index(row)]
                mixed = [0.25 * a + 0.75 * b for a, b in zip(old[row], e)]
                norm = math.sqrt(dot(mixed, mixed))
                want = [x / norm for x in mixed]
            else:
                want = old[row]
            assert bank[row].tolist() == pytest.approx(want, abs=1e-6)
    # e.g. memory_s[0]: 0.25 [1, 0] + 0.75 [0.6, 0.8] = [0.7, 0.6]
    assert loss.memory_s[0].tolist() == pytest.approx(
        [0.7 / math.sqrt(0.85), 0.6 / math.sqrt(0.85)], abs=1e-6)


def test_eval_mode_leaves_the_banks_alone():
    loss = make_loss().eval()
    loss(torch.tensor(FEAT_S), torch.tensor(FEAT_T),
         indices=torch.tensor(INDICES))
    assert torch.equal(loss.memory_s, torch.tensor(BANK_S))
    assert torch.equal(loss.memory_t, torch.tensor(BANK_T))


def test_banks_are_checkpointed_and_initialised_near_unit_norm():
    loss = CRDLoss(4, 5, num_data=1000, feat_dim=64, num_negatives=8)
    state = loss.state_dict()
    assert state['memory_s'].shape == state['memory_t'].shape == (1000, 64)
    assert 'embed_s.weight' in state and 'embed_t.weight' in state
    bound = 1 / math.sqrt(64 / 3)
    assert loss.memory_s.abs().max() <= bound
    assert loss.memory_s.pow(2).sum(1).mean().item() == pytest.approx(
        1., abs=0.05)
    assert not any(b.requires_grad for b in loss.buffers())


def test_negatives_never_the_own_index():
    loss = CRDLoss(3, 3, num_data=5, feat_dim=4, num_negatives=50, seed=2)
    seen = set()
    for start in range(5):
        indices = torch.tensor([start, (start + 2) % 5])
        neg = loss.draw_negatives(indices)
        assert neg.shape == (2, 50)
        assert (neg != indices[:, None]).all()
        assert ((neg >= 0) & (neg < 5)).all()
        seen.update(neg[0].tolist())
    assert seen == set(range(5))


def test_gradients_reach_the_student_and_both_embeddings():
    loss = CRDLoss(3, 4, num_data=10, feat_dim=5, num_negatives=4, seed=0)
    feat_s = torch.randn(3, 3, requires_grad=True)
    loss(feat_s, torch.randn(3, 4), indices=torch.tensor([1, 5, 9])).backward()
    assert feat_s.grad.abs().sum() > 0
    assert loss.embed_s.weight.grad.abs().sum() > 0
    assert loss.embed_t.weight.grad.abs().sum() > 0


def test_bad_inputs_give_clear_errors():
    loss = make_loss()
    s, t = torch.tensor(FEAT_S), torch.tensor(FEAT_T)
    with pytest.raises(ValueError, match='feat_s has 3 channels'):
        loss(torch.zeros(2, 3), t, indices=torch.tensor(INDICES))
    with pytest.raises(ValueError, match='same samples'):
        loss(s, torch.zeros(3, 3), indices=torch.tensor(INDICES))
    with pytest.raises(ValueError, match=r'in \[0, num_data=4\)'):
        loss(s, t, indices=torch.tensor([0, 4]))
    with pytest.raises(ValueError, match=r'indices must be \[N\] = \[2\]'):
        loss(s, t, indices=torch.tensor([0]))
    with pytest.raises(ValueError, match='integers'):
        loss(s, t, indices=torch.tensor([0., 1.]))
    with pytest.raises(TypeError):
        loss(s, t, torch.tensor(INDICES))  # indices is keyword-only


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_data=1), 'at least 2'),
    (dict(num_negatives=0), 'num_negatives'),
    (dict(temperature=0), 'temperature'),
    (dict(momentum=1.), 'momentum'),
    (dict(positive='queue'), 'positive'),
    (dict(loss_weight=None), 'loss_weight'),
    (dict(normalizer='repdistiller'), "normalizer must be 'paper' or 'code'"),
])
def test_arguments_are_validated(kwargs, match):
    cfg = dict(student_channels=2, teacher_channels=2, num_data=10)
    cfg.update(kwargs)
    with pytest.raises(ValueError, match=match):
        CRDLoss(**cfg)


def test_builds_from_the_registry():
    loss = MODELS.build(
        dict(type='CRDLoss', student_channels=8, teacher_channels=16,
             num_data=50, num_negatives=10))
    assert isinstance(loss, CRDLoss) and loss.temperature == 0.07
    assert CRDLoss.same_size_inputs is False


def test_train_set_banks_wait_for_the_size_then_fill_in_place():
    loss = CRDLoss(2, 3, num_data='train_set', feat_dim=6, num_negatives=3,
                   seed=0)
    assert loss.num_data is None and loss.num_data_pending
    assert loss.noise_constant is None
    assert tuple(loss.memory_s.shape) == tuple(loss.memory_t.shape) == (0, 6)
    assert pending_state_keys(loss) == {'memory_s', 'memory_t'}
    s, t = torch.randn(2, 2), torch.randn(2, 3)
    with pytest.raises(ModelConfigError,
                       match="^CRDLoss: num_data='train_set' was never"):
        loss(s, t, indices=torch.tensor([0, 1]))
    bank = loss.memory_s
    loss.set_train_set_size(5, where='distill_losses.loss_crd')
    assert loss.num_data == 5 and loss.noise_constant == 3 / 5
    assert loss.memory_s is bank and tuple(bank.shape) == (5, 6)
    # uniform in [-a, a], a = 1 / sqrt(feat_dim / 3) = 1 / sqrt(2)
    for bank in (loss.memory_s, loss.memory_t):
        assert bank.abs().max() <= 2**-0.5 and bank.std() > 0.1
    assert not torch.equal(loss.memory_s, loss.memory_t)
    assert pending_state_keys(loss) == set()
    loss(s, t, indices=torch.tensor([0, 4]))
    with pytest.raises(ValueError, match=r'in \[0, num_data=5\)'):
        loss(s, t, indices=torch.tensor([0, 5]))
    loss.set_train_set_size(5)  # the same size again: nothing changes
    with pytest.raises(
            ModelConfigError,
            match=r'^x \(CRDLoss\): num_data is 5 \(from the training set\) '
            'but the training set has 6 samples$'):
        loss.set_train_set_size(6, where='x')


def test_an_explicit_num_data_is_checked_against_the_training_set():
    loss = make_loss()  # num_data=4
    assert not loss.num_data_pending and pending_state_keys(loss) == set()
    loss.set_train_set_size(4)
    torch.testing.assert_close(loss.memory_s, torch.tensor(BANK_S))
    with pytest.raises(
            ModelConfigError,
            match=r'^distill_losses\.loss_crd \(CRDLoss\): num_data=4 but the '
            r"training set has 5 samples; set num_data='train_set'"):
        loss.set_train_set_size(5, where='distill_losses.loss_crd')


def test_a_training_set_of_one_sample_is_refused():
    loss = CRDLoss(2, 2, num_data='train_set')
    with pytest.raises(ModelConfigError, match='at least 2, got 1'):
        loss.set_train_set_size(1)
    assert loss.num_data is None


def test_unsized_banks_take_a_checkpoints_size():
    trained = make_loss()
    loss = CRDLoss(2, 3, num_data='train_set', feat_dim=2)
    loss.load_state_dict(trained.state_dict())
    assert loss.num_data == 4
    torch.testing.assert_close(loss.memory_s, torch.tensor(BANK_S))
    torch.testing.assert_close(loss.memory_t, torch.tensor(BANK_T))
    loss.set_train_set_size(4)
    with pytest.raises(ModelConfigError,
                       match=r'num_data is 4 \(from a loaded checkpoint\)'):
        loss.set_train_set_size(7)
    # a size fixed by the training set is compared as usual
    sized = CRDLoss(2, 3, num_data='train_set', feat_dim=2)
    sized.set_train_set_size(6)
    with pytest.raises(RuntimeError, match='size mismatch for memory_s'):
        sized.load_state_dict(trained.state_dict())


def test_num_data_must_be_an_int_or_train_set():
    with pytest.raises(ValueError, match="positive int or 'train_set'"):
        CRDLoss(2, 2, num_data='train')
    with pytest.raises(ValueError, match="positive int or 'train_set'"):
        CRDLoss(2, 2, num_data=10.0)


def code_setup(seed=0):
    """A ``normalizer='code'`` loss (num_data=10, K=3, T=0.5) and a batch."""
    torch.manual_seed(seed)
    loss = CRDLoss(3, 4, num_data=10, feat_dim=5, num_negatives=3,
                   temperature=0.5, seed=1, normalizer='code')
    return loss, torch.randn(2, 3), torch.randn(2, 4), torch.tensor([1, 7])


def code_by_hand(loss, feat_s, feat_t, indices, bank_s, bank_t, negs,
                 z=None):
    """Loss, Z_S and Z_T of the 'code' critic with plain torch formulas;
    ``z=(Z_S, Z_T)`` fixes the constants, None estimates them here."""
    with torch.no_grad():
        emb_s = F.normalize(feat_s @ loss.embed_s.weight.T +
                            loss.embed_s.bias, dim=1)
        emb_t = F.normalize(feat_t @ loss.embed_t.weight.T +
                            loss.embed_t.bias, dim=1)
    m = 3 / 10
    total, zs = 0., []
    for d, (anchor, bank) in enumerate(((emb_s, bank_t), (emb_t, bank_s))):
        # exp(u.w / T) of the positive (column 0) and the 3 negatives
        rows = torch.cat([bank[indices][:, None], bank[negs]], dim=1)
        e = torch.exp((anchor[:, None, :] * rows).sum(dim=2) / 0.5)
        z_d = e.mean() * 10 if z is None else z[d]
        zs.append(float(z_d))
        h = (e / z_d) / (e / z_d + m)
        total += -(torch.log(h[:, 0]).sum() +
                   torch.log(1 - h[:, 1:]).sum()).item() / 2
    return total, zs


def test_code_normalizer_hand_computed():
    loss, feat_s, feat_t, indices = code_setup()
    assert torch.isnan(loss.log_z_s) and torch.isnan(loss.log_z_t)
    bank_s, bank_t = loss.memory_s.clone(), loss.memory_t.clone()
    value = loss(feat_s, feat_t, indices=indices).item()
    expected, (z_s, z_t) = code_by_hand(loss, feat_s, feat_t, indices,
                                        bank_s, bank_t, loss.last_negatives)
    assert value == pytest.approx(expected, rel=1e-5)
    assert loss.log_z_s.exp().item() == pytest.approx(z_s, rel=1e-5)
    assert loss.log_z_t.exp().item() == pytest.approx(z_t, rel=1e-5)
    # Z is far from 1 here, so the two forms differ
    assert abs(math.log(z_s)) > 1 and abs(math.log(z_t)) > 1
    torch.manual_seed(0)
    paper = CRDLoss(3, 4, num_data=10, feat_dim=5, num_negatives=3,
                    temperature=0.5, seed=1)
    assert paper.normalizer == 'paper'
    assert 'log_z_s' not in paper.state_dict()
    paper_value = paper(feat_s, feat_t, indices=indices).item()
    assert abs(paper_value - value) > 0.1


def test_code_normalizer_is_estimated_once():
    loss, feat_s, feat_t, indices = code_setup()
    loss(feat_s, feat_t, indices=indices)
    z = (loss.log_z_s.exp().item(), loss.log_z_t.exp().item())
    feat_s2, feat_t2 = torch.randn(2, 3) * 3, torch.randn(2, 4) * 3
    indices2 = torch.tensor([0, 9])
    bank_s, bank_t = loss.memory_s.clone(), loss.memory_t.clone()
    value = loss(feat_s2, feat_t2, indices=indices2).item()
    negs = loss.last_negatives
    assert (loss.log_z_s.exp().item(),
            loss.log_z_t.exp().item()) == pytest.approx(z, rel=1e-6)
    expected, _ = code_by_hand(loss, feat_s2, feat_t2, indices2, bank_s,
                               bank_t, negs, z=z)
    assert value == pytest.approx(expected, rel=1e-5)
    # this batch's own estimate would differ
    _, fresh = code_by_hand(loss, feat_s2, feat_t2, indices2, bank_s, bank_t,
                            negs)
    assert fresh[0] != pytest.approx(z[0], rel=1e-3)


def test_code_normalizer_in_eval_mode_before_an_estimate():
    loss, feat_s, feat_t, indices = code_setup()
    loss.eval()
    value = loss(feat_s, feat_t, indices=indices).item()
    expected, _ = code_by_hand(loss, feat_s, feat_t, indices, loss.memory_s,
                               loss.memory_t, loss.last_negatives)
    assert value == pytest.approx(expected, rel=1e-5)
    assert torch.isnan(loss.log_z_s) and torch.isnan(loss.log_z_t)


def test_code_normalizer_survives_a_checkpoint():
    loss, feat_s, feat_t, indices = code_setup()
    loss(feat_s, feat_t, indices=indices)
    state = loss.state_dict()
    assert state['log_z_s'].shape == () and not torch.isnan(state['log_z_s'])
    resumed, _, _, _ = code_setup(seed=3)
    resumed.load_state_dict(state)
    torch.testing.assert_close(resumed.log_z_s, loss.log_z_s)
    torch.testing.assert_close(resumed.log_z_t, loss.log_z_t)
    resumed(torch.randn(2, 3), torch.randn(2, 4), indices=indices)
    torch.testing.assert_close(resumed.log_z_s, loss.log_z_s)
    torch.testing.assert_close(resumed.log_z_t, loss.log_z_t)


def test_code_normalizer_loads_a_checkpoint_without_it():
    loss, feat_s, feat_t, indices = code_setup()
    loss(feat_s, feat_t, indices=indices)
    old = {k: v for k, v in loss.state_dict().items() if 'log_z' not in k}
    fresh, _, _, _ = code_setup()
    fresh.load_state_dict(old)  # strict
    assert torch.isnan(fresh.log_z_s) and torch.isnan(fresh.log_z_t)
    torch.testing.assert_close(fresh.memory_s, loss.memory_s)
    # the train-set-sized banks still take the checkpoint's size
    pending = CRDLoss(3, 4, num_data='train_set', feat_dim=5,
                      num_negatives=3, normalizer='code')
    pending.load_state_dict(old)
    assert pending.num_data == 10 and torch.isnan(pending.log_z_t)
    torch.testing.assert_close(pending.memory_t, loss.memory_t)
    fresh(feat_s, feat_t, indices=indices)  # estimated anew
    assert not torch.isnan(fresh.log_z_s)
