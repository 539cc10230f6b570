# Copyright (c) fsat contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

from fsat.models.ops.box_coder import (
    MAX_LOG_RATIO,
    DeltaXYWHBoxCoder,
    clip_boxes,
    decode_boxes,
    encode_boxes,
)

P = torch.tensor([[0., 0., 10., 10.]], dtype=torch.float64)
G = torch.tensor([[5., 5., 25., 15.]], dtype=torch.float64)


def test_encode_hand_computed():
    # P: centre (5, 5), size 10 x 10; G: centre (15, 10), size 20 x 10
    # dx = 10 / 10, dy = 5 / 10, dw = log(20 / 10), dh = log(10 / 10)
    torch.testing.assert_close(encode_boxes(P, G),
                               torch.tensor([[1., .5, math.log(2), 0.]],
                                            dtype=torch.float64))
    # Fast R-CNN's stds (0.1, 0.1, 0.2, 0.2) and some means
    torch.testing.assert_close(
        encode_boxes(P, G, (0., .5, 0., 0.), (.1, .1, .2, .2)),
        torch.tensor([[10., 0., math.log(2) / .2, 0.]], dtype=torch.float64))
    # legacy +1: P is 11 x 11 centred at 5.5; G 21 x 11 at (15.5, 10.5)
    torch.testing.assert_close(
        encode_boxes(P, G, pixel_offset=1),
        torch.tensor([[10 / 11, 5 / 11, math.log(21 / 11), 0.]],
                     dtype=torch.float64))


def test_decode_hand_computed():
    deltas = torch.tensor([[1., .5, math.log(2), 0.]], dtype=torch.float64)
    torch.testing.assert_close(decode_boxes(P, deltas), G)
    # legacy: P is 11 x 11 centred at (5.5, 5.5); centre moves to
    # (5.5 + 11, 5.5 + 5.5) = (16.5, 11), size 22 x 11; x2 = 16.5 + 11 - 1
    torch.testing.assert_close(
        decode_boxes(P, deltas, pixel_offset=1),
        torch.tensor([[5.5, 5.5, 26.5, 15.5]], dtype=torch.float64))


@pytest.mark.parametrize('offset', [0, 1])
@pytest.mark.parametrize('stats', [((0., 0., 0., 0.), (1., 1., 1., 1.)),
                                   ((.1, -.2, .3, 0.), (.1, .1, .2, .2))])
def test_round_trip(offset, stats):
    rng = np.random.default_rng(offset)
    xy = rng.uniform(-50, 200, (3, 40, 2))
    # size ratios up to 24, below the clamp at 62.5
    wh = rng.uniform(5, 120, (3, 40, 2))
    proposals = torch.tensor(np.concatenate([xy, xy + wh], -1))
    xy = rng.uniform(-50, 200, (3, 40, 2))
    wh = rng.uniform(5, 120, (3, 40, 2))
    targets = torch.tensor(np.concatenate([xy, xy + wh], -1))
    coder = DeltaXYWHBoxCoder(*stats, pixel_offset=offset)
    deltas = coder.encode(proposals, targets)
    assert deltas.shape == (3, 40, 4)
    torch.testing.assert_close(coder.decode(proposals, deltas), targets,
                               rtol=0, atol=1e-9)
    # and the other way round: encode(decode(d)) = d
    d = torch.tensor(rng.uniform(-1, 1, (3, 40, 4)))
    torch.testing.assert_close(coder.encode(proposals,
                                            coder.decode(proposals, d)),
                               d, rtol=0, atol=1e-9)


def test_size_clamp():
    assert MAX_LOG_RATIO == pytest.approx(math.log(62.5))
    deltas = torch.tensor([[0., 0., 10., -10.]], dtype=torch.float64)
    out = decode_boxes(P, deltas)
    # width clamped to 10 * 1000 / 16 = 625 around centre 5; the height
    # is not clamped from below: 10 * exp(-10)
    torch.testing.assert_close(
        out,
        torch.tensor([[5 - 312.5, 5 - 5 * math.exp(-10), 5 + 312.5,
                       5 + 5 * math.exp(-10)]], dtype=torch.float64))
    # the clamp applies after de-normalisation: std 0.2 x 10 = 2 < 4.135
    out = decode_boxes(P, deltas, stds=(1., 1., .2, 1.))
    assert (out[0, 2] - out[0, 0]).item() == pytest.approx(10 * math.exp(2))


def test_clip_to_image():
    boxes = torch.tensor([[-5., 3., 40., 25.], [2., -1., 8., 9.]])
    # continuous: x in [0, W = 30], y in [0, H = 20]
    torch.testing.assert_close(
        clip_boxes(boxes, (20, 30)),
        torch.tensor([[0., 3., 30., 20.], [2., 0., 8., 9.]]))
    # legacy pixel indices: x in [0, 29], y in [0, 19]
    torch.testing.assert_close(
        clip_boxes(boxes, (20, 30), pixel_offset=1),
        torch.tensor([[0., 3., 29., 19.], [2., 0., 8., 9.]]))
    # decode clips when given max_shape
    deltas = torch.tensor([[0., 0., math.log(4), 0.]])
    torch.testing.assert_close(
        decode_boxes(P.float(), deltas, max_shape=(20, 30)),
        torch.tensor([[0., 0., 25., 10.]]))


def test_bad_input_is_an_error():
    with pytest.raises(ValueError, match='4 values in the last dimension'):
        encode_boxes(torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match='differ in shape'):
        decode_boxes(torch.zeros(2, 4), torch.zeros(3, 4))
    with pytest.raises(ValueError, match='must have 4 values each'):
        encode_boxes(P, G, means=(0., 0.))
    with pytest.raises(ValueError, match='must be positive'):
        DeltaXYWHBoxCoder(stds=(1., 0., 1., 1.))
    with pytest.raises(ValueError, match='pixel_offset'):
        decode_boxes(P, G, pixel_offset=2)
    with pytest.raises(ValueError, match='positive'):
        clip_boxes(P, (0, 10))
