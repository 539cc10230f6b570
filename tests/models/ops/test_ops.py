# Copyright (c) fsat contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from fsat.models.ops import TemporalRoIPool, nms_1d, segment_iou_matrix


def brute_nms(segments, scores, thr):
    """Reference: repeatedly take the best remaining segment."""
    remaining = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        bs, be = segments[best]
        kept = []
        for i in remaining:
            s, e = segments[i]
            inter = max(0.0, min(be, e) - max(bs, s))
            union = (be - bs) + (e - s) - inter
            if not (union > 0 and inter / union > thr):
                kept.append(i)
        remaining = kept
    return keep


@pytest.mark.parametrize('seed', range(10))
def test_nms_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 40))
    starts = rng.uniform(0, 100, k)
    segments = np.stack([starts, starts + rng.uniform(1, 30, k)], 1)
    scores = rng.integers(0, 6, k) / 5.0  # ties are frequent
    for thr in (0.0, 0.3, 0.5, 0.7):
        ours = nms_1d(torch.tensor(segments), torch.tensor(scores), thr)
        assert ours.tolist() == brute_nms(segments.tolist(), scores.tolist(),
                                          thr)


def test_nms_edge_cases():
    empty = nms_1d(torch.zeros(0, 2), torch.zeros(0), 0.5)
    assert empty.tolist() == []
    segs = torch.tensor([[0., 10.], [1., 10.], [20., 30.]])
    keep = nms_1d(segs, torch.tensor([.9, .8, .7]), 0.5)
    assert keep.tolist() == [0, 2]
    assert nms_1d(segs, torch.tensor([.9, .8, .7]), 0.5,
                  max_keep=1).tolist() == [0]
    iou = segment_iou_matrix(segs, segs)
    assert iou[0, 1] == pytest.approx(0.9) and iou[0, 2] == 0


def matrix_nms(segments, scores, thr, max_keep=-1):
    """Reference: the K x K tIoU matrix of segment_iou_matrix, one row a
    kept segment (nms_1d before its loop moved to numpy)."""
    order = torch.sort(scores, descending=True, stable=True).indices
    iou = segment_iou_matrix(segments[order], segments[order])
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(int(order[i]))
        if 0 < max_keep <= len(keep):
            break
        suppressed |= iou[i] > thr
    return keep


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_nms_numpy_loop_equals_the_iou_matrix(dtype):
    """Float segments take the numpy loop: the same kept segments as the
    matrix form, bit for bit, with ties, zero-length segments, IoUs at
    the threshold and max_keep; integer segments take the torch loop."""
    from fsat.models.ops.nms1d import _greedy_numpy, _greedy_torch
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(1, 300))
        starts = rng.integers(0, 200, k).astype(float)
        lengths = rng.integers(0, 40, k).astype(float)  # some zero
        segs = torch.tensor(np.stack([starts, starts + lengths], 1),
                            dtype=dtype)
        scores = torch.tensor(rng.integers(0, 8, k) / 7.0, dtype=dtype)
        for thr in (0.0, 0.25, 0.5, 0.7):  # 0.25, 0.5: exact ties
            for max_keep in (-1, 5):
                ours = nms_1d(segs, scores, thr, max_keep=max_keep)
                assert ours.tolist() == matrix_nms(segs, scores, thr,
                                                   max_keep)
        ranked = segs[torch.sort(scores, descending=True,
                                 stable=True).indices]
        assert _greedy_numpy(ranked, 0.5, -1) == _greedy_torch(
            ranked, 0.5, -1)
    ints = torch.tensor([[0, 10], [1, 10], [20, 30]])
    assert nms_1d(ints, torch.tensor([.9, .8, .7]), 0.5).tolist() == [0, 2]


def brute_roi_pool(feats, rois, out, stride):
    """Reference: explicit bins and max over every element."""
    _, c, length, h, w = feats.shape
    result = np.zeros((len(rois), c) + tuple(out))
    for r, (b, start, end) in enumerate(rois):
        first = min(math.floor(start / stride), length - 1)
        last = min(max(math.ceil(end / stride), first + 1), length)
        crop = feats[int(b), :, first:last]
        sizes = crop.shape[1:]
        for i in range(out[0]):
            for j in range(out[1]):
                for k in range(out[2]):
                    lo = [math.floor(n * s / o) for n, s, o in zip(
                        (i, j, k), sizes, out)]
                    hi = [math.ceil((n + 1) * s / o) for n, s, o in zip(
                        (i, j, k), sizes, out)]
                    block = crop[:, lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
                    result[r, :, i, j, k] = block.reshape(c, -1).max(1)
    return result


@pytest.mark.parametrize('out', [(1, 4, 4), (2, 3, 3), (4, 2, 1)])
def test_roi_pool_matches_brute_force(out):
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((2, 3, 12, 7, 7)).astype(np.float32)
    rois = [(0, 0, 96), (1, 5, 17), (0, 40, 41), (1, 90, 200), (0, 8, 80)]
    pool = TemporalRoIPool(out, temporal_stride=8)
    ours = pool(torch.tensor(feats), torch.tensor(rois, dtype=torch.float))
    assert ours.shape == (len(rois), 3) + out
    np.testing.assert_allclose(
        ours.numpy(), brute_roi_pool(feats, rois, out, 8), rtol=0, atol=0)


def test_roi_pool_gradient_flows_to_the_max():
    feats = torch.zeros(1, 1, 4, 2, 2, requires_grad=True)
    with torch.no_grad():
        feats[0, 0, 1, 0, 0] = 5.0
    out = TemporalRoIPool((1, 1, 1), 8)(feats, torch.tensor([[0., 0., 16.]]))
    out.sum().backward()
    assert feats.grad[0, 0, 1, 0, 0] == 1 and feats.grad.sum() == 1
