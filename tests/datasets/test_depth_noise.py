# Copyright (c) fsat contributors. All rights reserved.
"""SpeckleNoise: I * n with n ~ N(1, variance), reproducible per sample,
missing depth stays missing, a negative variance is refused."""
import numpy as np
import pytest

from fsat.datasets.transforms import JetDepth, SpeckleNoise
from fsat.registry import TRANSFORMS


def _frames(num=3, value=2000.0):
    return [np.full((64, 64), value, dtype=np.float32) for _ in range(num)]


@pytest.mark.parametrize('variance', [1e-3, 1e-1, 1.0])
def test_the_noise_is_multiplicative_with_mean_one_and_the_variance(variance):
    out = SpeckleNoise(variance)(dict(imgs=_frames(), sample_idx=7))['imgs']
    n = np.stack(out) / 2000.0  # the multiplier of every pixel
    assert n.size == 3 * 64 * 64
    assert abs(n.mean() - 1) < 4 * np.sqrt(variance / n.size)
    # the sample variance of 12,288 normal draws is within ~5 % of s^2
    assert n.var() == pytest.approx(variance, rel=0.05)


def test_reproducible_per_sample_and_different_between_samples():
    noise = SpeckleNoise(0.1, seed=3)
    a = noise(dict(imgs=_frames(), sample_idx=5))['imgs']
    b = SpeckleNoise(0.1, seed=3)(dict(imgs=_frames(), sample_idx=5))['imgs']
    c = noise(dict(imgs=_frames(), sample_idx=6))['imgs']
    d = SpeckleNoise(0.1, seed=4)(dict(imgs=_frames(), sample_idx=5))['imgs']
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(a[0], d[0])
    assert not np.array_equal(a[0], a[1])  # each frame its own noise
    # without sample_idx the file name keys the noise
    e = noise(dict(imgs=_frames(), frame_dir='S001C001P001R001A001'))
    f = noise(dict(imgs=_frames(), frame_dir='S001C001P001R001A001'))
    assert np.array_equal(e['imgs'][0], f['imgs'][0])


def test_missing_depth_stays_missing_and_zero_variance_is_identity():
    frame = np.full((8, 8), 1500.0, dtype=np.float32)
    frame[:2] = 0
    out = SpeckleNoise(1.0)(dict(imgs=[frame.copy()], sample_idx=0))
    assert np.all(out['imgs'][0][:2] == 0)
    same = SpeckleNoise(0)(dict(imgs=[frame.copy()], sample_idx=0))
    assert np.array_equal(same['imgs'][0], frame)


def test_pixels_made_negative_read_as_missing_after_jet():
    frame = np.linspace(1000, 3000, 64 * 64, dtype=np.float32).reshape(64, 64)
    noisy = SpeckleNoise(10.0)(dict(imgs=[frame], sample_idx=0))
    depth = noisy['imgs'][0]
    negative = depth <= 0
    # P(n <= 0) = Phi(-1 / sqrt(10)) = 0.376
    assert negative.mean() == pytest.approx(0.376, abs=0.03)
    colors = JetDepth()(noisy)['imgs'][0]
    assert np.all(colors[negative] == 0)


@pytest.mark.parametrize('variance', [-0.1, float('nan'), True, '1'])
def test_a_bad_variance_is_refused_when_the_pipeline_is_built(variance):
    with pytest.raises(ValueError, match='variance .* must be a finite'):
        TRANSFORMS.build(dict(type='SpeckleNoise', variance=variance))


def test_void_depth_is_missing_everywhere_and_jet_reads_it_as_missing():
    out = SpeckleNoise(0.0, void=True)(dict(imgs=_frames(), sample_idx=1))
    assert all(img.shape == (64, 64) and not img.any() for img in out['imgs'])
    jet = JetDepth()(dict(out))['imgs']
    # no valid pixel: every frame encodes to one colour (the missing one)
    assert all(len(np.unique(f.reshape(-1, f.shape[-1]), axis=0)) == 1
               for f in jet)
    with pytest.raises(ValueError, match='void must be True or False'):
        SpeckleNoise(0.1, void='yes')
