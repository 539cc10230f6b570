# Copyright (c) fsat contributors. All rights reserved.
"""RPNHead2D: anchors, anchor labels, sampling, losses and proposals
against hand-computed values and a brute-force reference."""
import math

import pytest
import torch

from fsat.models import ModelConfigError, RPNHead2D
from fsat.models.ops import encode_boxes
from fsat.registry import MODELS


def _head(**kwargs):
    cfg = dict(in_channels=4, feat_channels=8, anchor_scales=(16, ),
               anchor_ratios=(0.5, 1.0, 2.0), feat_stride=16)
    cfg.update(kwargs)
    return RPNHead2D(**cfg)


# ------------------------------------------------------------- anchors
def test_anchors_of_a_2x2_map_by_hand():
    head = _head()
    a, b = 8 * math.sqrt(2), 4 * math.sqrt(2)  # half sides of ratio 0.5
    expected = []
    for cy in (8., 24.):  # rows, then columns: centres (x + 0.5) * 16
        for cx in (8., 24.):
            expected += [
                [cx - a, cy - b, cx + a, cy + b],  # ratio 0.5: wide
                [cx - 8, cy - 8, cx + 8, cy + 8],  # ratio 1
                [cx - b, cy - a, cx + b, cy + a],  # ratio 2: tall
            ]
    anchors = head.anchors((2, 2))
    torch.testing.assert_close(anchors, torch.tensor(expected))
    # every anchor has the area of its scale; cached per shape
    sides = anchors[:, 2:] - anchors[:, :2]
    torch.testing.assert_close(sides.prod(1), torch.full((12, ), 256.))
    assert head.anchors((1, 4, 2, 2)) is anchors
    # two scales: scales first, then ratios
    two = _head(anchor_scales=(16, 32), anchor_ratios=(1.0, ))
    torch.testing.assert_close(
        two.anchors((1, 1)), torch.tensor([[0., 0., 16., 16.],
                                           [-8., -8., 24., 24.]]))


def test_outputs_follow_the_anchor_order():
    head = _head()
    with torch.no_grad():
        head.conv_cls.weight.zero_()
        head.conv_cls.bias.copy_(torch.tensor([1., 2., 3.]))
        head.conv_reg.weight.zero_()
        head.conv_reg.bias.copy_(torch.arange(12.))
    objectness, deltas = head(torch.rand(2, 4, 2, 3))
    assert objectness.shape == (2, 18) and deltas.shape == (2, 18, 4)
    # anchor (y * W + x) * K + k: its k-th logit and deltas 4k .. 4k + 3
    assert objectness[1].tolist() == [1., 2., 3.] * 6
    torch.testing.assert_close(deltas[0, 3 * 4 + 2],
                               torch.tensor([8., 9., 10., 11.]))
    assert len(head.anchors((2, 3))) == 18


# -------------------------------------------------------------- assign
GT = torch.tensor([[0., 0., 10., 10.], [20., 0., 40., 10.]])
ANCHORS = torch.tensor([
    [0., 0., 10., 10.],  # IoU 1 with gt 0: positive by threshold
    [0., 0., 10., 12.],  # IoU 0.83: positive by threshold
    [20., 20., 30., 30.],  # IoU 0: negative
    [0., 0., 10., 20.],  # IoU 0.5: ignored
    [-1., 0., 9., 10.],  # IoU 0.82, but crosses the border: ignored
    [20., 0., 30., 10.],  # IoU 0.5 with gt 1, its best: positive
    [20., 0., 41., 10.],  # IoU 0.95 with gt 1, crosses the border
    [30., 0., 40., 10.],  # IoU 0.5 with gt 1, tied best: positive
    [0., 0., 10., 40.],  # IoU 0.25: negative
])


def test_assign_by_hand():
    head = _head()
    labels, matched = head.assign(ANCHORS, GT, (40, 40))
    assert labels.tolist() == [1, 1, 0, -1, -1, 1, -1, 1, 0]
    for i, g in ((0, 0), (1, 0), (5, 1), (7, 1)):
        torch.testing.assert_close(matched[i], GT[g])
    # every anchor counts: the border ones win, the 0.5 ones are ignored
    for border in (-1, 1):
        labels, matched = _head(allowed_border=border).assign(
            ANCHORS, GT, (40, 40))
        assert labels.tolist() == [1, 1, 0, -1, 1, -1, 1, -1, 0]
        torch.testing.assert_close(matched[6], GT[1])
    # no ground truth: negatives, except across the border
    labels, matched = head.assign(ANCHORS, GT[:0], (40, 40))
    assert labels.tolist() == [0, 0, 0, 0, -1, 0, -1, 0, 0]
    torch.testing.assert_close(matched, ANCHORS)
    # a ground truth no anchor touches gives no positive
    labels, _ = head.assign(ANCHORS[2:3], GT[:1], (40, 40))
    assert labels.tolist() == [0]


def test_sampling_respects_num_samples_and_pos_fraction():
    torch.manual_seed(0)
    gt = torch.tensor([[10., 10., 30., 30.]])
    positives = gt + torch.tensor([[1., 0., 1., 0.]]) * torch.arange(
        0., 2.5, 0.5)[:, None]  # shifted by up to 2 px: IoU >= 0.81
    negatives = torch.tensor([[40., 40., 50., 50.]]).expand(20, 4)
    ignored = torch.tensor([[10., 10., 30., 50.]]).expand(3, 4)  # IoU 0.5
    anchors = torch.cat([positives, negatives, ignored])
    head = _head(num_samples=8, pos_fraction=0.25)
    image, anchor, labels, targets = head.sample(
        anchors, [gt, gt[:0]], [(64, 64), (64, 64)])
    first = image == 0
    assert first.sum() == 8 and (image[~first] == 1).sum() == 8
    assert labels[first].sum() == 2  # a quarter of 8 positive
    assert (anchor[first & (labels == 1)] < 5).all()
    assert (anchor[first] < 25).all()  # the ignored ones are never drawn
    assert labels[~first].sum() == 0  # no ground truth: negatives only
    assert len(set(anchor[first].tolist())) == 8  # without repeats
    pos = first & (labels == 1)
    torch.testing.assert_close(
        targets[pos], encode_boxes(anchors[anchor[pos]], gt.expand(2, 4)))
    assert targets[labels == 0].abs().sum() == 0
    # fewer positives than the quota: the rest are negatives
    head = _head(num_samples=8, pos_fraction=0.5)
    _, anchor, labels, _ = head.sample(anchors[4:], [gt], [(64, 64)])
    assert len(anchor) == 8 and labels.sum() == 1


# ---------------------------------------------------------------- loss
def test_loss_by_hand():
    torch.manual_seed(0)
    head = _head(num_samples=8, pos_fraction=0.5, loss_bbox_weight=2.0)
    anchors = ANCHORS[:4]  # positive, positive, negative, ignored
    gt = [GT[:1], GT[:0]]
    objectness = torch.tensor([[2., -1., 0.5, 3.], [0.1, 0.2, -0.3, 0.4]])
    deltas = torch.zeros(2, 4, 4)
    deltas[0, 0] = torch.tensor([0.05, 0., 0.5, 0.])
    deltas[1] = 5.0  # image 1 has no positive: no box loss
    losses = head.loss(objectness, deltas, anchors, gt, [(40, 40)] * 2)

    def bce(x, positive):
        return math.log1p(math.exp(-x if positive else x))

    def smooth_l1(d, beta=1 / 9):
        return 0.5 * d * d / beta if abs(d) < beta else abs(d) - beta / 2

    # 3 sampled anchors in image 0, 4 negatives in image 1
    cls = (bce(2., True) + bce(-1., True) + bce(0.5, False) +
           sum(bce(x, False) for x in (0.1, 0.2, -0.3, 0.4))) / 7
    # anchor 0 targets zeros; anchor 1 (0, 0, 10, 12) -> (0, 0, 10, 10):
    # dy = (5 - 6) / 12, dh = log(10 / 12)
    box = (smooth_l1(0.05) + smooth_l1(0.5) + smooth_l1(-1 / 12) +
           smooth_l1(math.log(10 / 12))) / 7
    assert losses['loss_rpn_cls'].item() == pytest.approx(cls, rel=1e-6)
    assert losses['loss_rpn_bbox'].item() == pytest.approx(2 * box,
                                                           rel=1e-6)
    # nothing to sample (every anchor across the border): zero losses
    objectness.requires_grad_()
    losses = head.loss(objectness[:1], deltas[:1], anchors, gt[:1],
                       [(5, 5)])
    assert losses['loss_rpn_cls'].item() == 0
    assert losses['loss_rpn_bbox'].item() == 0
    sum(losses.values()).backward()  # still part of the graph
    assert objectness.grad.abs().sum() == 0


# ----------------------------------------------------------- proposals
def test_proposals_decode_clip_filter_and_nms_by_hand():
    head = _head(min_size=3.0, nms_iou=0.5).eval()
    anchors = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.],
                            [20., 20., 30., 30.], [0., 0., 2., 2.]])
    logits = torch.tensor([[1., 2., 0., 3.]])
    [(boxes, scores)] = head.proposals(logits, torch.zeros(1, 4, 4),
                                       anchors, [(25, 25)])
    # (0, 0, 2, 2) is too small; (0, 0, 10, 10) overlaps the better
    # (1, 1, 11, 11) by 81 / 119; (20, 20, 30, 30) is clipped
    torch.testing.assert_close(
        boxes, torch.tensor([[1., 1., 11., 11.], [20., 20., 25., 25.]]))
    torch.testing.assert_close(scores, torch.tensor([2., 0.]).sigmoid())


def _reference(logits, deltas, anchors, shape, min_size, pre, post, thr):
    """Decode, clip, filter, sort, greedy NMS, one box at a time."""
    height, width = shape
    cands = []
    for i, (x1, y1, x2, y2) in enumerate(anchors.tolist()):
        dx, dy, dw, dh = deltas[i].tolist()
        w, h = x2 - x1, y2 - y1
        cx, cy = x1 + w / 2 + dx * w, y1 + h / 2 + dy * h
        w, h = w * math.exp(dw), h * math.exp(dh)
        box = [min(max(v, 0.0), lim) for v, lim in zip(
            (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2),
            (width, height, width, height))]
        if min(box[2] - box[0], box[3] - box[1]) >= max(min_size, 1e-12):
            cands.append((1 / (1 + math.exp(-float(logits[i]))), box))
    cands = sorted(cands, key=lambda c: -c[0])[:pre]

    def iou(a, b):
        iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
        ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
        inter = iw * ih
        union = ((a[2] - a[0]) * (a[3] - a[1]) +
                 (b[2] - b[0]) * (b[3] - b[1]) - inter)
        return inter / union if union > 0 else 0.0

    kept = []
    for score, box in cands:
        if all(iou(box, k) <= thr for _, k in kept):
            kept.append((score, box))
    return kept[:post]


def test_proposals_equal_a_brute_force_reference():
    torch.manual_seed(0)
    head = _head(anchor_scales=(8, 16), feat_stride=8, min_size=4.0,
                 nms_iou=0.5, train_pre_nms=20, train_proposals=6,
                 test_pre_nms=40, test_proposals=10)
    anchors = head.anchors((3, 3))
    logits = torch.randn(2, 54)
    deltas = 0.3 * torch.randn(2, 54, 4)
    shapes = [(20, 22), (24, 24)]
    for mode, pre, post in ((True, 20, 6), (False, 40, 10)):
        head.train(mode)
        out = head.proposals(logits, deltas, anchors, shapes)
        for b, (boxes, scores) in enumerate(out):
            ref = _reference(logits[b], deltas[b], anchors, shapes[b], 4.0,
                             pre, post, 0.5)
            assert len(boxes) == len(ref) and 0 < len(ref) <= post
            torch.testing.assert_close(
                boxes, torch.tensor([box for _, box in ref]))
            torch.testing.assert_close(
                scores, torch.tensor([score for score, _ in ref]))
            assert not boxes.requires_grad


# -------------------------------------------------------------- config
def test_registered_and_bad_args_raise_one_line_errors():
    head = MODELS.build(dict(type='RPNHead2D', in_channels=4))
    assert isinstance(head, RPNHead2D) and head.num_anchors == 12
    with pytest.raises(ModelConfigError, match='in_channels=4 but'):
        head(torch.zeros(1, 3, 2, 2))
    bad = [
        (dict(in_channels=0), 'in_channels=0 must be a positive int'),
        (dict(feat_stride=1.5), 'feat_stride=1.5'),
        (dict(anchor_scales=()), 'anchor_scales=()'),
        (dict(anchor_ratios=(1, -2)), 'anchor_ratios'),
        (dict(pos_iou=0.3, neg_iou=0.7), 'neg_iou <= pos_iou'),
        (dict(pos_fraction=0), 'pos_fraction=0'),
        (dict(nms_iou=1.5), 'nms_iou=1.5'),
        (dict(allowed_border=-2), 'allowed_border=-2'),
        (dict(min_size=-1), 'min_size=-1'),
        (dict(test_proposals=0), 'test_proposals=0'),
        (dict(bbox_stds=(1, 1, 0, 1)), 'bbox_stds'),
    ]
    for kwargs, message in bad:
        with pytest.raises(ModelConfigError, match=message) as err:
            _head(**kwargs)
        assert '\n' not in str(err.value)
