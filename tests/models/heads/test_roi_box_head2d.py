# Copyright (c) fsat contributors. All rights reserved.
"""RoIBoxHead2D: RoI labels and targets, losses and detections against
hand-computed values."""
import math

import pytest
import torch

from fsat.models import ModelConfigError, RoIBoxHead2D
from fsat.registry import MODELS


def _head(**kwargs):
    cfg = dict(in_channels=4, num_classes=2, roi_size=2, fc_channels=8,
               spatial_scale=1.0, dropout=0.0)
    cfg.update(kwargs)
    return RoIBoxHead2D(**cfg)


GT = torch.tensor([[0., 0., 10., 10.]])
PROPOSALS = torch.tensor([
    [0., 0., 10., 10.],  # IoU 1: foreground
    [0., 0., 10., 20.],  # IoU 0.5: foreground
    [0., 0., 10., 40.],  # IoU 0.25: background
    [5., 0., 15., 10.],  # IoU 1/3: background
    [20., 20., 30., 30.],  # IoU 0: neither (below 0.1)
])


def test_assign_by_hand():
    head = _head()
    labels, matched, low = head.assign(PROPOSALS, GT, torch.tensor([1]))
    assert labels.tolist() == [1, 1, 2, 2, -1]
    assert low == 0.1
    torch.testing.assert_close(matched, GT.expand(5, 4))
    # no proposal in [0.1, 0.5): background falls back to [0, 0.5)
    labels, _, low = head.assign(PROPOSALS[4:], GT, torch.tensor([1]))
    assert labels.tolist() == [2] and low == 0.0
    # an image without ground truth: all background
    labels, _, _ = head.assign(PROPOSALS, GT[:0], torch.zeros(0).long())
    assert labels.tolist() == [2] * 5


def test_sample_labels_and_targets_by_hand():
    torch.manual_seed(0)
    head = _head()
    rois, labels, targets = head.sample([PROPOSALS], [GT],
                                        [torch.tensor([1])])
    # 3 foreground (two proposals + the added ground truth), 2 background
    assert len(rois) == 5 and (rois[:, 0] == 0).all()
    assert sorted(labels.tolist()) == [1, 1, 1, 2, 2]
    by_box = {tuple(r[1:].tolist()): (int(lab), t)
              for r, lab, t in zip(rois, labels, targets)}
    # proposal (0, 0, 10, 20) -> (0, 0, 10, 10): centre y 10 -> 5 over a
    # height of 20, height halved; stds (0.1, 0.1, 0.2, 0.2)
    label, target = by_box[(0., 0., 10., 20.)]
    assert label == 1
    torch.testing.assert_close(
        target, torch.tensor([0., -0.25 / 0.1, 0., math.log(0.5) / 0.2]))
    assert by_box[(0., 0., 10., 10.)][1].abs().max() == 0
    assert by_box[(0., 0., 10., 40.)][0] == 2
    assert by_box[(0., 0., 10., 40.)][1].abs().max() == 0
    assert (0., 0., 20., 20.) not in by_box
    assert (20., 20., 30., 30.) not in by_box


def test_sample_respects_num_rois_and_fg_fraction():
    torch.manual_seed(0)
    head = _head(num_rois=8)
    fg = GT.repeat(20, 1)
    bg = torch.tensor([[0., 0., 10., 40.]]).repeat(20, 1)
    rois, labels, _ = head.sample([torch.cat([fg, bg]), bg[:3]],
                                  [GT, GT[:0]],
                                  [torch.tensor([0]), torch.zeros(0).long()])
    first = labels[rois[:, 0] == 0]
    assert len(first) == 8 and (first == 0).sum() == 2  # 8 * 0.25
    second = labels[rois[:, 0] == 1]
    assert second.tolist() == [2, 2, 2]  # no ground truth: background
    with pytest.raises(ValueError, match=r'0\.\.1'):
        head.sample([PROPOSALS], [GT], [torch.tensor([2])])


def test_losses_against_a_direct_computation():
    torch.manual_seed(0)
    head = _head()
    cls = torch.randn(4, 3)
    deltas = torch.randn(4, 2, 4) * 2
    labels = torch.tensor([0, 2, 1, 2])
    targets = torch.randn(4, 4)
    losses = head.loss(cls, deltas, labels, targets)
    ce = -sum(cls[i].log_softmax(0)[labels[i]] for i in range(4)) / 4

    def smooth_l1(x):
        x = x.abs()
        return torch.where(x < 1, 0.5 * x**2, x - 0.5).sum()

    reg = (smooth_l1(deltas[0, 0] - targets[0]) +
           smooth_l1(deltas[2, 1] - targets[2])) / 4
    torch.testing.assert_close(losses['loss_cls'], ce)
    torch.testing.assert_close(losses['loss_bbox'], reg)
    # only background: no box loss, still a graph
    losses = head.loss(cls, deltas.requires_grad_(), torch.full((4, ), 2),
                       targets)
    assert losses['loss_bbox'].item() == 0
    losses['loss_bbox'].backward()


def test_forward_shapes_and_roi_layers():
    feats = torch.randn(2, 4, 8, 8)
    rois = torch.tensor([[0., 0., 0., 4., 4.], [1., 2., 2., 8., 6.]])
    for layer in ('RoIAlign', 'RoIPool'):
        cls, deltas = _head(roi_layer=layer)(feats, rois)
        assert cls.shape == (2, 3) and deltas.shape == (2, 2, 4)
    with pytest.raises(ModelConfigError, match='roi_layer'):
        _head(roi_layer='RoIWarp')
    with pytest.raises(ModelConfigError, match='5 channels'):
        _head(in_channels=4)(torch.randn(1, 5, 8, 8), rois[:1])
    with pytest.raises(ModelConfigError, match='bg_iou_low'):
        _head(bg_iou_low=0.6)
    assert isinstance(MODELS.build(dict(type='RoIBoxHead2D', in_channels=4,
                                        num_classes=3)), RoIBoxHead2D)


def test_detections_by_hand():
    head = _head(score_thr=0.25)
    proposals = torch.tensor([[0., 0., 10., 10.], [1., 0., 11., 10.],
                              [30., 30., 50., 50.]])
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1],
                          [0.1, 0.1, 0.8]])
    deltas = torch.zeros(3, 2, 4)
    # class 1 of the last box: moved right by half its width, clipped
    deltas[2, 1, 0] = 0.5 / 0.1
    boxes, scores, labels = head.detections(probs, deltas, proposals,
                                            img_shape=(40, 45))
    # class 0: the second box overlaps the first (IoU 9/11) and goes;
    # class 1: only the second box scores above 0.25
    torch.testing.assert_close(
        boxes, torch.tensor([[0., 0., 10., 10.], [1., 0., 11., 10.]]))
    torch.testing.assert_close(scores, torch.tensor([0.7, 0.3]))
    assert labels.tolist() == [0, 1]
    head = _head(score_thr=0.05, max_per_img=3)
    boxes, scores, labels = head.detections(probs, deltas, proposals,
                                            img_shape=(40, 45))
    assert scores.tolist() == pytest.approx([0.7, 0.3, 0.1])
    assert labels.tolist() == [0, 1, 0]
    boxes, _, labels = head.detections(probs, deltas, proposals,
                                       img_shape=(40, 45))
    assert len(boxes) == 3
    head = _head(score_thr=0.05)
    boxes, scores, labels = head.detections(probs, deltas, proposals,
                                            img_shape=(40, 45))
    clipped = boxes[(labels == 1) & (scores < 0.15)]
    torch.testing.assert_close(clipped, torch.tensor([[40., 30., 45.,
                                                        40.]]))
    empty = head.detections(probs[:0], deltas[:0], proposals[:0], (4, 4))
    assert [len(x) for x in empty] == [0, 0, 0]
