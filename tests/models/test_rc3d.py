# Copyright (c) fsat contributors. All rights reserved.
"""R-C3D: anchors, coding, target assignment by hand; a tiny detector
whose losses fall; predictions in frames of the whole video."""
import math

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from fsat.models import (
    ModelConfigError,
    ProposalClassifierHead,
    TemporalProposalHead,
)
from fsat.models.utils.segments import (
    decode_segments,
    encode_segments,
    sample_labels,
)
from fsat.registry import MODELS
from fsat.testing import toy_rc3d


def test_anchors_are_centred_on_feature_steps():
    head = TemporalProposalHead(8, feat_channels=4, anchor_scales=(1, 2),
                                temporal_stride=8)
    assert head.anchors(2).tolist() == [[0, 8], [-4, 12], [8, 16],
                                        [4, 20]]


def test_segment_coding_by_hand_and_round_trip():
    anchors = torch.tensor([[0., 10.], [10., 30.]])
    targets = torch.tensor([[2., 14.], [10., 20.]])
    deltas = encode_segments(anchors, targets)
    # centres 5 -> 8 (length 10), 20 -> 15 (length 20)
    expected = torch.tensor([[0.3, math.log(1.2)], [-0.25, math.log(0.5)]])
    torch.testing.assert_close(deltas, expected)
    stds = (0.1, 0.2)
    torch.testing.assert_close(
        decode_segments(anchors, encode_segments(anchors, targets, stds),
                        stds), targets)


def test_sample_labels_respects_the_positive_fraction():
    torch.manual_seed(0)
    labels = torch.tensor([1] * 10 + [0] * 30 + [-1] * 5)
    picked = sample_labels(labels, 16, 0.25)
    assert len(picked) == 16
    assert (labels[picked] == 1).sum() == 4
    assert (labels[picked] >= 0).all()
    few = sample_labels(torch.tensor([1, 0, 0, -1]), 16, 0.5)
    assert sorted(few.tolist()) == [0, 1, 2]


def test_proposal_targets_by_hand():
    head = TemporalProposalHead(8, feat_channels=4, anchor_scales=(1, 2),
                                temporal_stride=8)
    anchors = head.anchors(3)  # [0,8] [-4,12] [8,16] [4,20] [16,24] [12,28]
    gt = torch.tensor([[8., 17.], [22., 40.]])
    labels, matched = head.targets(anchors, gt)
    # tIoU with gt 0: 0, 4/21, 8/9, 9/16, 1/16, 5/20; with gt 1:
    # 0, 0, 0, 0, 2/24, 6/28 (best anchor of gt 1: the last one)
    assert labels.tolist() == [0, 0, 1, -1, 0, 1]
    torch.testing.assert_close(matched[2], gt[0])
    torch.testing.assert_close(matched[5], gt[1])
    none, _ = head.targets(anchors, gt[:0])
    assert none.tolist() == [0] * 6


def test_classifier_sampling_labels_background_as_last_class():
    torch.manual_seed(0)
    head = ProposalClassifierHead(8, num_classes=3, hidden_channels=8,
                                  temporal_stride=8, num_samples=8,
                                  fg_fraction=0.5)
    props = [torch.tensor([[0., 20.], [2., 18.], [40., 60.], [0., 3.]])]
    gt = [torch.tensor([[0., 20.]])]
    rois, labels, matched = head.sample(props, gt, [torch.tensor([2])])
    # fg: [0,20], [2,18] (tIoU .8) and the gt itself; bg: [0,3] (.15);
    # [40,60] (tIoU 0) is neither
    assert sorted(labels.tolist()) == [2, 2, 2, 3]
    assert rois[:, 0].eq(0).all()
    fg = labels == 2
    assert matched[fg].eq(torch.tensor([0., 20.])).all()


def _detector(**kw):
    cfg = dict(toy_rc3d(num_classes=2), **kw)
    with DefaultScope.overwrite_default_scope('fsat'):
        return MODELS.build(cfg)


def _buffers(n=4, frames=32, seed=0):
    """Buffers where class c is a bright band moving at speed c + 1 for a
    stretch of frames; the rest is dark noise."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        x = torch.rand(1, 3, frames, 16, 16, generator=g) * 0.1
        label = i % 2
        start = int(torch.randint(0, frames - 16, (1, ), generator=g))
        length = 12 if label == 0 else 16
        for t in range(start, start + length):
            col = (t * (label + 1)) % 16
            x[0, :, t, :, col] = 1.0
        sample = ActionDataSample()
        sample.gt_instances = InstanceData(
            segments=torch.tensor([[start, start + length]]).float(),
            labels=torch.tensor([label]))
        sample.set_metainfo(dict(buffer_start=100 * i, frame_interval=2,
                                 video_id=f'v{i}'))
        inputs.append(x)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_tiny_detector_losses_fall():
    torch.manual_seed(0)
    model = _detector()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    batch = _buffers()
    history = []
    for _ in range(40):
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
        assert set(losses) == {'loss_rpn_cls', 'loss_rpn_reg', 'loss_cls',
                               'loss_reg'}
        total = sum(losses.values())
        opt.zero_grad()
        total.backward()
        opt.step()
        history.append(total.item())
    assert sum(history[-5:]) / 5 < 0.5 * sum(history[:5]) / 5, history


def test_predictions_are_in_frames_of_the_whole_video():
    torch.manual_seed(0)
    model = _detector().eval()
    batch = _buffers(2)
    with torch.no_grad():
        out = model.test_step(batch)
    for i, sample in enumerate(out):
        pred = sample.pred_instances
        assert len(pred.segments) > 0
        assert len(pred.scores) == len(pred.labels) == len(pred.segments)
        # input frames [0, 32) of buffer i -> video frames 100 i + 2 t
        assert pred.segments.min() >= 100 * i
        assert pred.segments.max() <= 100 * i + 2 * 32
        assert (pred.segments[:, 1] > pred.segments[:, 0]).all()
        assert set(pred.labels.tolist()) <= {0, 1}
        assert (pred.scores[:-1] >= pred.scores[1:]).all()


def test_stride_mismatch_is_a_clear_error():
    model = _detector(temporal_stride=4)
    batch = model.data_preprocessor(_buffers(1), False)
    with pytest.raises(ModelConfigError, match='32 input frames into 4'):
        model(**batch, mode='tensor')
