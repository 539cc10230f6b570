# Copyright (c) fsat contributors. All rights reserved.
import numpy as np
import pytest
import torch

from fsat.models.ops.nms2d import (
    batched_nms_2d,
    box_area,
    box_iou_matrix,
    nms_2d,
)


def brute_iou(a, b, offset):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + offset)
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + offset)
    inter = iw * ih

    def area(x):
        return (max(0.0, x[2] - x[0] + offset) *
                max(0.0, x[3] - x[1] + offset))

    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def brute_nms(boxes, scores, thr, offset=0):
    """Reference: repeatedly take the best remaining box (stable ties)."""
    remaining = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [
            i for i in remaining
            if not brute_iou(boxes[best], boxes[i], offset) > thr
        ]
    return keep


def random_boxes(rng, k, integer=False):
    xy = rng.uniform(0, 50, (k, 2))
    wh = rng.uniform(0, 30, (k, 2))
    if integer:  # pixel boxes, many exact ties of IoU
        xy, wh = np.floor(xy), np.floor(wh)
    return np.concatenate([xy, xy + wh], 1)


def test_iou_hand_computed():
    a = torch.tensor([[0., 0., 10., 10.]])
    b = torch.tensor([[5., 0., 15., 10.], [0., 0., 10., 10.],
                      [10., 0., 20., 10.], [20., 20., 30., 30.],
                      [3., 3., 3., 8.]])
    # continuous: 50 / 150; 1; touching: 0; apart: 0; zero width: 0
    torch.testing.assert_close(
        box_iou_matrix(a, b)[0],
        torch.tensor([1 / 3, 1., 0., 0., 0.]))
    # +1 pixels: 6 x 11 / (121 + 121 - 66); touching: one shared column
    # 1 x 11 / (242 - 11); zero width box is one column: 1 x 6 / 121
    torch.testing.assert_close(
        box_iou_matrix(a, b, pixel_offset=1)[0],
        torch.tensor([66 / 176, 1., 11 / 231, 0., 6 / 121]))
    torch.testing.assert_close(box_area(b, 1),
                               torch.tensor([121., 121., 121., 121., 6.]))
    # two zero-area boxes at one point: empty union -> 0, not NaN
    p = torch.tensor([[1., 1., 1., 1.]])
    assert box_iou_matrix(p, p).item() == 0


@pytest.mark.parametrize('seed', range(20))
@pytest.mark.parametrize('offset', [0, 1])
def test_iou_and_nms_match_brute_force(seed, offset):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 60))
    boxes = random_boxes(rng, k, integer=bool(seed % 2))
    scores = rng.integers(0, 6, k) / 5.0  # ties are frequent
    iou = box_iou_matrix(torch.tensor(boxes), torch.tensor(boxes), offset)
    ref = [[brute_iou(a, b, offset) for b in boxes] for a in boxes]
    np.testing.assert_allclose(iou.numpy(), ref, rtol=0, atol=1e-12)
    for thr in (0.0, 0.3, 0.5, 0.7):
        ours = nms_2d(torch.tensor(boxes), torch.tensor(scores), thr,
                      pixel_offset=offset)
        expected = brute_nms(boxes.tolist(), scores.tolist(), thr, offset)
        assert ours.tolist() == expected
        capped = nms_2d(torch.tensor(boxes), torch.tensor(scores), thr,
                        max_keep=3, pixel_offset=offset)
        assert capped.tolist() == expected[:3]


def test_nms_hand_cases():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 0., 11., 10.],
                          [5., 0., 15., 10.], [30., 30., 40., 40.]])
    scores = torch.tensor([.9, .8, .7, .6])
    # IoU(0, 1) = 90 / 110 = 0.818, IoU(0, 2) = 1/3, IoU(1, 2) = 60 / 140
    assert nms_2d(boxes, scores, 0.5).tolist() == [0, 2, 3]
    assert nms_2d(boxes, scores, 0.3).tolist() == [0, 3]
    # exactly at the threshold is kept (suppress only when IoU > thr):
    # IoU 50 / 100
    half = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 5.]])
    assert nms_2d(half, scores[:2], 0.5).tolist() == [0, 1]
    assert nms_2d(half, scores[:2], 0.49).tolist() == [0]
    # ties keep input order: box 1 first, then 0 is suppressed by it
    assert nms_2d(boxes[:2], torch.tensor([.5, .5]), 0.5).tolist() == [0]
    assert nms_2d(boxes[[1, 0]], torch.tensor([.5, .5]),
                  0.5).tolist() == [0]
    # +1 pixels: IoU(0, 2) = 66 / 176 = 0.375 > 0.35 -> suppressed
    assert nms_2d(boxes, scores, 0.35).tolist() == [0, 2, 3]
    assert nms_2d(boxes, scores, 0.35, pixel_offset=1).tolist() == [0, 3]
    assert nms_2d(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []


def test_batched_nms_hand_case():
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 0., 11., 10.],
                          [0., 0., 10., 10.], [1., 0., 11., 10.]])
    scores = torch.tensor([.9, .8, .85, .95])
    labels = torch.tensor([0, 0, 1, 1])
    # class 0 keeps 0 (.9), class 1 keeps 3 (.95); sorted by score
    keep = batched_nms_2d(boxes, scores, labels, 0.5)
    assert keep.tolist() == [3, 0]
    assert batched_nms_2d(boxes, scores, labels, 0.5,
                          max_keep=1).tolist() == [3]
    assert batched_nms_2d(boxes, scores, torch.zeros(4, dtype=torch.long),
                          0.5).tolist() == [3]
    # equal scores across classes: input order
    keep = batched_nms_2d(boxes[:3], torch.tensor([.5, .1, .5]),
                          labels[:3], 0.5)
    assert keep.tolist() == [0, 2]


@pytest.mark.parametrize('seed', range(10))
def test_batched_nms_matches_per_class_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(1, 60))
    boxes = random_boxes(rng, k, integer=True)
    scores = rng.integers(0, 4, k) / 3.0
    labels = rng.integers(0, 3, k)
    expected = []
    for c in range(3):
        index = np.flatnonzero(labels == c)
        expected += [int(index[i]) for i in brute_nms(
            boxes[index].tolist(), scores[index].tolist(), 0.4)]
    expected.sort(key=lambda i: (-scores[i], i))
    ours = batched_nms_2d(torch.tensor(boxes), torch.tensor(scores),
                          torch.tensor(labels), 0.4)
    assert ours.tolist() == expected


def test_bad_input_is_an_error():
    with pytest.raises(ValueError, match=r'boxes must be \[N, 4\]'):
        nms_2d(torch.zeros(3, 5), torch.zeros(3), 0.5)
    with pytest.raises(ValueError, match=r'scores must be \[3\]'):
        nms_2d(torch.zeros(3, 4), torch.zeros(2), 0.5)
    with pytest.raises(ValueError, match=r'labels must be \[3\]'):
        batched_nms_2d(torch.zeros(3, 4), torch.zeros(3), torch.zeros(4),
                       0.5)
    with pytest.raises(ValueError, match='pixel_offset=2'):
        box_iou_matrix(torch.zeros(1, 4), torch.zeros(1, 4), 2)


@pytest.mark.parametrize('dtype', [torch.float16, torch.float32])
def test_nms_float32_and_half_loops_match_brute_force(dtype):
    # float32 runs the numpy loop, half the torch loop; integer boxes
    # under 2048 are exact in both, so both equal the reference
    rng = np.random.default_rng(7)
    boxes = random_boxes(rng, 300, integer=True)
    scores = rng.integers(0, 50, 300) / 50.0
    for thr in (0.3, 0.7):
        ours = nms_2d(torch.tensor(boxes, dtype=dtype),
                      torch.tensor(scores, dtype=dtype), thr)
        assert ours.tolist() == brute_nms(boxes.tolist(), scores.tolist(),
                                          thr)


@pytest.mark.parametrize('offset', [0, 1])
def test_numpy_and_torch_loops_keep_the_same_boxes(offset):
    from fsat.models.ops.nms2d import _greedy_numpy, _greedy_torch
    gen = torch.Generator().manual_seed(offset)
    objects = torch.rand(15, 4, generator=gen) * 200
    objects[:, 2:] += objects[:, :2]
    boxes = objects[torch.randint(0, 15, (800, ), generator=gen)]
    ranked = (boxes + torch.randn(800, 4, generator=gen) * 5).float()
    for thr in (0.3, 0.5, 0.7):
        for cap in (-1, 10):
            assert _greedy_numpy(ranked, thr, cap, offset) == _greedy_torch(
                ranked, thr, cap, offset)
