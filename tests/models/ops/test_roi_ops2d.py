# Copyright (c) fsat contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from fsat.models.ops import roi_ops2d
from fsat.models.ops.roi_ops2d import RoIAlign, RoIPool, roi_align, roi_pool

# f[y, x] = 4 * y + x on a 4 x 4 map: bilinear interpolation of a linear
# map is exact, so a sample at (y, x) inside [0, 3]^2 reads 4 * y + x.
LINEAR = torch.arange(16, dtype=torch.float64).view(1, 1, 4, 4)


def _rois(*rows):
    return torch.tensor(rows, dtype=torch.float64)


# ---------------------------------------------------------------- references


def ref_bilinear(f, y, x):
    """One sample of [C, H, W] ``f``, written as the reference kernel."""
    height, width = f.shape[1:]
    if y < -1 or y > height or x < -1 or x > width:
        return np.zeros(f.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * f[:, y0, x0] + (1 - ly) * lx * f[:, y0, x1]
            + ly * (1 - lx) * f[:, y1, x0] + ly * lx * f[:, y1, x1])


def ref_roi_align(feats, rois, out, scale, ratio, aligned):
    """Loops over RoIs, bins and samples."""
    ph, pw = out
    result = np.zeros((len(rois), feats.shape[1], ph, pw))
    off = 0.5 if aligned else 0.0
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        sx, sy = x1 * scale - off, y1 * scale - off
        rw, rh = x2 * scale - off - sx, y2 * scale - off - sy
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = ratio if ratio > 0 else math.ceil(rh / ph)
        gw = ratio if ratio > 0 else math.ceil(rw / pw)
        count = max(gh * gw, 1)
        for i in range(ph):
            for j in range(pw):
                acc = np.zeros(feats.shape[1])
                for iy in range(gh):
                    y = sy + i * bh + (iy + 0.5) * bh / gh
                    for ix in range(gw):
                        x = sx + j * bw + (ix + 0.5) * bw / gw
                        acc += ref_bilinear(feats[int(b)], y, x)
                result[k, :, i, j] = acc / count
    return result


def c_round(v):
    """C's round: halves away from zero."""
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def ref_roi_pool(feats, rois, out, scale):
    """Loops over RoIs, bins and cells; strict ``>`` from -inf."""
    ph, pw = out
    _, c, height, width = feats.shape
    result = np.zeros((len(rois), c, ph, pw))
    for k, (b, x1, y1, x2, y2) in enumerate(rois):
        sx, sy, ex, ey = (c_round(v * scale) for v in (x1, y1, x2, y2))
        rw, rh = max(ex - sx + 1, 1), max(ey - sy + 1, 1)
        for i in range(ph):
            h0 = min(max(math.floor(i * rh / ph) + sy, 0), height)
            h1 = min(max(math.ceil((i + 1) * rh / ph) + sy, 0), height)
            for j in range(pw):
                w0 = min(max(math.floor(j * rw / pw) + sx, 0), width)
                w1 = min(max(math.ceil((j + 1) * rw / pw) + sx, 0), width)
                for ch in range(c):
                    best = 0.0 if (h1 <= h0 or w1 <= w0) else -math.inf
                    for y in range(h0, h1):
                        for x in range(w0, w1):
                            best = max(best, feats[int(b), ch, y, x])
                    result[k, ch, i, j] = best
    return result


def random_rois(rng, num, batch, height, width, scale):
    """Boxes in image pixels: inside, partly outside, tiny and degenerate."""
    img_h, img_w = height / scale, width / scale
    rows = []
    for n in range(num):
        kind = n % 4
        x1 = rng.uniform(-0.3 * img_w, img_w)
        y1 = rng.uniform(-0.3 * img_h, img_h)
        if kind == 0:  # anywhere, may stick out
            w, h = rng.uniform(1, img_w), rng.uniform(1, img_h)
        elif kind == 1:  # tiny: below one feature cell
            w, h = rng.uniform(0, 1 / scale), rng.uniform(0, 1 / scale)
        elif kind == 2:  # degenerate: zero width or zero height
            w, h = 0.0, rng.uniform(0, img_h / 2)
            if n % 8 == 6:
                w, h = h * img_w / img_h, 0.0
        else:  # large, spilling over two sides
            x1, y1 = -rng.uniform(0, img_w / 3), -rng.uniform(0, img_h / 3)
            w, h = rng.uniform(img_w, 1.6 * img_w), rng.uniform(
                img_h, 1.6 * img_h)
        rows.append((int(rng.integers(batch)), x1, y1, x1 + w, y1 + h))
    return rows


# ------------------------------------------------------------------ RoIAlign


def test_roi_align_hand_computed():
    # aligned: RoI [0, 4] -> [-0.5, 3.5], two bins of 2, one sample each at
    # -0.5 + 1 = 0.5 and 2.5: f(0.5, 0.5) = 2.5, f(0.5, 2.5) = 4.5, ...
    out = roi_align(LINEAR, _rois((0, 0, 0, 4, 4)), 2, sampling_ratio=1)
    np.testing.assert_allclose(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # the same RoI at spatial_scale 1/2 given in a twice larger image
    out = roi_align(LINEAR, _rois((0, 0, 0, 8, 8)), 2, 0.5, 1)
    np.testing.assert_allclose(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # legacy (aligned=False): no shift, samples at 1 and 3
    out = roi_align(LINEAR, _rois((0, 0, 0, 4, 4)), 2, sampling_ratio=1,
                    aligned=False)
    np.testing.assert_allclose(out[0, 0], [[5, 7], [13, 15]])
    # adaptive: one bin, ceil(4 / 1) = 4 samples per axis at 0.5, 1.5,
    # 2.5, 3.5; 3.5 is in [H - 1, H] and reads row 3: mean y = mean x =
    # (0.5 + 1.5 + 2.5 + 3) / 4 = 1.875 -> 4 * 1.875 + 1.875 = 9.375
    out = roi_align(LINEAR, _rois((0, 0, 0, 4, 4)), 1, aligned=False)
    assert out.item() == pytest.approx(9.375)
    # legacy RoI of size 0.2 grows to 1: sample at y = 1 + 0.5 = 1.5,
    # x = 2.5 -> 4 * 1.5 + 2.5 = 8.5
    out = roi_align(LINEAR, _rois((0, 2, 1, 2.2, 1.2)), 1, aligned=False)
    assert out.item() == pytest.approx(8.5)


def test_roi_align_boundary_rule():
    # sample at x = -0.5 (in [-1, 0]): clamped to column 0;
    # y = 1.5 -> 4 * 1.5 + 0 = 6
    out = roi_align(LINEAR, _rois((0, -1, 1, 0, 2)), 1, sampling_ratio=1,
                    aligned=False)
    assert out.item() == pytest.approx(6.0)
    # sample at x = -1.5 (< -1): reads 0
    out = roi_align(LINEAR, _rois((0, -2, 1, -1, 2)), 1, sampling_ratio=1,
                    aligned=False)
    assert out.item() == 0.0
    # sample at (3.5, 3.5), inside [H - 1, H]: the corner cell, 15; with
    # two samples per axis at 3.25 and 3.75 too
    out = roi_align(LINEAR, _rois((0, 3, 3, 4, 4)), 1, sampling_ratio=2,
                    aligned=False)
    assert out.item() == pytest.approx(15.0)
    # half the samples beyond x = W = 4 read 0: x at 3.5 (-> 3) and 4.5
    out = roi_align(LINEAR, _rois((0, 3, 0, 5, 1)), (1, 1), sampling_ratio=2,
                    aligned=False)
    # y at 0.25, 0.75 -> mean 0.5; x reads (4 * y + 3) twice and 0 twice
    assert out.item() == pytest.approx((4 * 0.5 + 3) / 2)
    # samples exactly at x = W and x = -1 still count: columns 3 and 0;
    # y = 0.5 -> 4 * 0.5 + 3 = 5 and 4 * 0.5 + 0 = 2
    out = roi_align(LINEAR, _rois((0, 3.5, 0, 4.5, 1)), 1, sampling_ratio=1,
                    aligned=False)
    assert out.item() == pytest.approx(5.0)
    out = roi_align(LINEAR, _rois((0, -1.5, 0, -0.5, 1)), 1,
                    sampling_ratio=1, aligned=False)
    assert out.item() == pytest.approx(2.0)
    # aligned RoIs of width or height 0, adaptive: no samples, 0
    out = roi_align(LINEAR, _rois((0, 1, 1, 1, 3), (0, 1, 1, 3, 1)), 2)
    assert out.abs().sum() == 0
    # ... but with a fixed sampling ratio the samples sit on the line:
    # x = 1 - 0.5 = 0.5, y at 0.5 + 0.5 and 0.5 + 1.5 -> 4.5 and 8.5
    out = roi_align(LINEAR, _rois((0, 1, 1, 1, 3)), (2, 1), sampling_ratio=1)
    np.testing.assert_allclose(out[0, 0, :, 0], [4.5, 8.5])


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('ratio', [0, 1, 2])
@pytest.mark.parametrize('out,scale', [((2, 2), 1.0), ((3, 2), 0.5),
                                       ((1, 4), 0.25)])
def test_roi_align_matches_loop_reference(aligned, ratio, out, scale):
    rng = np.random.default_rng([int(aligned), ratio, *out])
    feats = rng.standard_normal((3, 2, 7, 9))
    rois = random_rois(rng, 24, 3, 7, 9, scale)
    ours = roi_align(torch.tensor(feats),
                     torch.tensor(rois, dtype=torch.float64), out, scale,
                     ratio, aligned)
    assert ours.shape == (24, 2) + out
    np.testing.assert_allclose(
        ours.numpy(), ref_roi_align(feats, rois, out, scale, ratio, aligned),
        rtol=0, atol=1e-12)


def test_roi_align_chunks_agree(monkeypatch):
    rng = np.random.default_rng(3)
    feats = torch.tensor(rng.standard_normal((2, 3, 8, 8)))
    rois = torch.tensor(random_rois(rng, 17, 2, 8, 8, 1.0),
                        dtype=torch.float64)
    whole = roi_align(feats, rois, 3)
    pooled = roi_pool(feats, rois, 3)
    monkeypatch.setattr(roi_ops2d, 'MAX_CHUNK_ITEMS', 30)  # ~1 RoI a chunk
    torch.testing.assert_close(roi_align(feats, rois, 3), whole, rtol=0,
                               atol=1e-12)
    monkeypatch.setattr(roi_ops2d, 'MAX_CHUNK_ITEMS', 1)
    torch.testing.assert_close(roi_pool(feats, rois, 3), pooled, rtol=0,
                               atol=0)


def test_roi_align_gradcheck():
    rng = np.random.default_rng(0)
    feats = torch.tensor(rng.standard_normal((2, 2, 5, 6)),
                         requires_grad=True)
    rois = torch.tensor(random_rois(rng, 8, 2, 5, 6, 1.0),
                        dtype=torch.float64)
    for ratio, aligned in ((0, True), (2, False)):
        assert torch.autograd.gradcheck(
            lambda f, r=ratio, a=aligned: roi_align(f, rois, (2, 3), 1.0, r,
                                                    a), (feats, ))


def test_roi_align_gradient_by_hand():
    # one sample at (0.5, 0.5): a quarter of the gradient to each of the
    # four cells around it
    feats = torch.zeros(1, 1, 3, 3, requires_grad=True)
    roi_align(feats, _rois((0, 0, 0, 2, 2)), 1, sampling_ratio=1).sum(
    ).backward()
    expected = torch.zeros(3, 3)
    expected[:2, :2] = 0.25
    torch.testing.assert_close(feats.grad[0, 0], expected)


def test_roi_align_module_float32_and_empty():
    rng = np.random.default_rng(1)
    feats = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    rois = random_rois(rng, 6, 2, 6, 6, 0.5)
    module = RoIAlign((2, 2), spatial_scale=0.5, sampling_ratio=2)
    ours = module(torch.tensor(feats), torch.tensor(rois, dtype=torch.float))
    assert ours.dtype == torch.float32
    np.testing.assert_allclose(
        ours.numpy(),
        ref_roi_align(feats.astype(np.float64), rois, (2, 2), 0.5, 2, True),
        atol=1e-5)
    empty = module(torch.tensor(feats), torch.zeros(0, 5))
    assert empty.shape == (0, 4, 2, 2)


@pytest.mark.parametrize('rois,message', [
    (torch.zeros(2, 4), r'rois must be \[K, 5\]'),
    (torch.tensor([[2., 0, 0, 1, 1]]), r'batch indices in 0\.\.1'),
    (torch.tensor([[0.5, 0, 0, 1, 1]]), 'integer batch indices'),
    (torch.tensor([[0., 0, float('nan'), 1, 1]]), 'not finite'),
])
def test_bad_rois_are_errors(rois, message):
    feats = torch.zeros(2, 1, 4, 4)
    with pytest.raises(ValueError, match=message):
        roi_align(feats, rois, 2)
    with pytest.raises(ValueError, match=message):
        roi_pool(feats, rois, 2)


def test_bad_settings_are_errors():
    feats = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match='output_size'):
        roi_align(feats, torch.zeros(1, 5), (2, 0))
    with pytest.raises(ValueError, match='sampling_ratio'):
        roi_align(feats, torch.zeros(1, 5), 2, sampling_ratio=-1)
    with pytest.raises(ValueError, match=r'feats must be \[B, C, H, W\]'):
        roi_pool(torch.zeros(1, 4, 4), torch.zeros(1, 5), 2)


# ------------------------------------------------------------------- RoIPool


def test_roi_pool_hand_computed():
    # RoI 0..3 is 4 cells; bins [0, 2) and [2, 4): their bottom-right cells
    out = roi_pool(LINEAR, _rois((0, 0, 0, 3, 3)), 2)
    np.testing.assert_allclose(out[0, 0], [[5, 7], [13, 15]])
    # RoI 0..2 is 3 cells; bin size 1.5: [floor 0, ceil 1.5) = [0, 2) and
    # [floor 1.5, ceil 3) = [1, 3), overlapping: maxima at (1, 1), (1, 2),
    # (2, 1), (2, 2)
    out = roi_pool(LINEAR, _rois((0, 0, 0, 2, 2)), 2)
    np.testing.assert_allclose(out[0, 0], [[5, 6], [9, 10]])
    # scale 1/2: 1 * 0.5 = 0.5 rounds to 1 and 5 * 0.5 = 2.5 to 3 (C's
    # round; half-to-even would give 0 and 2 and the maximum 10): cells
    # 1..3, maximum f[3, 3] = 15
    out = roi_pool(LINEAR, _rois((0, 1, 1, 5, 5)), 1, spatial_scale=0.5)
    assert out.item() == 15
    # RoI 2..5 is 4 cells, bins [2, 4) and [4, 6) -> clipped to [4, 4):
    # empty bins are 0 even where every value is negative
    out = roi_pool(-1 - LINEAR, _rois((0, 2, 2, 5, 5)), 2)
    np.testing.assert_allclose(out[0, 0], [[-11, 0], [0, 0]])
    # an inverted RoI is one cell (size max(., 1)) at its rounded start
    out = roi_pool(LINEAR, _rois((0, 2, 1, 0, 0)), 1)
    assert out.item() == 6


@pytest.mark.parametrize('out,scale', [((2, 2), 1.0), ((3, 3), 0.5),
                                       ((7, 7), 0.25), ((2, 5), 0.5)])
def test_roi_pool_matches_loop_reference(out, scale):
    rng = np.random.default_rng(out[0] * 10 + out[1])
    feats = rng.standard_normal((3, 2, 7, 9))
    rois = random_rois(rng, 24, 3, 7, 9, scale)
    # also RoIs landing on exact halves after scaling
    rois += [(0, 1 / scale * 0.5, 2.5 / scale, 4.5 / scale, 5.5 / scale),
             (2, -0.5 / scale, -1.5 / scale, 3.5 / scale, 0.5 / scale)]
    ours = roi_pool(torch.tensor(feats),
                    torch.tensor(rois, dtype=torch.float64), out, scale)
    np.testing.assert_array_equal(ours.numpy(),
                                  ref_roi_pool(feats, rois, out, scale))


def test_roi_pool_gradient_goes_to_the_first_maximum():
    feats = torch.ones(1, 1, 3, 3, requires_grad=True)
    with torch.no_grad():
        feats[0, 0, 2, 2] = 0.5
    # one bin over all 9 cells: eight equal maxima, row-major first (0, 0)
    RoIPool(1)(feats, _rois((0, 0, 0, 2, 2)).float()).sum().backward()
    expected = torch.zeros(3, 3)
    expected[0, 0] = 1
    torch.testing.assert_close(feats.grad[0, 0], expected)
    # 2 x 2 bins over cells 0..2: bins overlap on the middle row/column
    feats = torch.arange(9.).view(1, 1, 3, 3).requires_grad_()
    roi_pool(feats, _rois((0, 0, 0, 2, 2)).float(), 2).sum().backward()
    # maxima at (1, 1), (1, 2), (2, 1), (2, 2)
    expected = torch.tensor([[0., 0, 0], [0, 1, 1], [0, 1, 1]])
    torch.testing.assert_close(feats.grad[0, 0], expected)
