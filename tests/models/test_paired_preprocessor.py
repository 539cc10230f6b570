# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch

from fsat.models.data_preprocessors import PairedDataPreprocessor
from fsat.models.errors import ModelConfigError
from fsat.models.utils import (
    CLIP_COUNTS_KEY,
    get_clip_counts,
    mean_per_sample,
    split_per_sample,
)
from fsat.registry import MODELS
from fsat.testing import paired_batch

RGB = dict(
    type='ActionDataPreprocessor',
    mean=[100., 110., 120.],
    std=[50., 60., 70.],
    format_shape='NCTHW')
DEPTH = dict(
    type='ActionDataPreprocessor',
    mean=[10., 10., 10.],
    std=[2., 2., 2.],
    format_shape='NCTHW')
SHAPES = dict(rgb=(3, 2, 4, 4), depth=(3, 2, 4, 4), pose=(2, 5, 25, 3))


def _pre(**preprocessors):
    return MODELS.build(
        dict(type='PairedDataPreprocessor', preprocessors=preprocessors))


def test_each_modality_gets_its_own_normalisation():
    pre = _pre(rgb=RGB, depth=DEPTH)
    data = paired_batch(SHAPES, batch_size=3)
    out = pre(data, training=True)
    rgb, depth = out['inputs']['rgb'], out['inputs']['depth']
    assert rgb.shape == depth.shape == (3, 1, 3, 2, 4, 4)
    raw_rgb = torch.stack(data['inputs']['rgb'])
    mean = torch.tensor([100., 110., 120.]).view(3, 1, 1, 1)
    std = torch.tensor([50., 60., 70.]).view(3, 1, 1, 1)
    assert torch.allclose(rgb, (raw_rgb - mean) / std)
    raw_depth = torch.stack(data['inputs']['depth'])
    assert torch.allclose(depth, (raw_depth - 10) / 2)
    # a modality without a preprocessor passes through unchanged
    assert out['inputs']['pose'] is not None
    assert all(
        torch.equal(a, b)
        for a, b in zip(out['inputs']['pose'], data['inputs']['pose']))
    # the data samples pass through (moved to the device: copies)
    assert [s.video_id for s in out['data_samples']] == [
        s.video_id for s in data['data_samples']
    ]
    assert pre.modalities == ('rgb', 'depth')


def test_a_stacked_batch_is_accepted():
    pre = _pre(depth=DEPTH)
    stacked = torch.ones(2, 1, 3, 2, 4, 4) * 12
    out = pre(dict(inputs=dict(depth=stacked), data_samples=None))
    assert torch.allclose(out['inputs']['depth'], torch.ones_like(stacked))


def test_variable_clips_are_concatenated_and_counted():
    pre = _pre(rgb=RGB, depth=DEPTH)
    data = paired_batch(SHAPES, batch_size=3, clips=dict(rgb=[2, 1, 3]))
    out = pre(data)
    rgb = out['inputs']['rgb']
    # [1, K, C, T, H, W], K = 2 + 1 + 3, clips in sample order
    assert rgb.shape == (1, 6, 3, 2, 4, 4)
    mean = torch.tensor([100., 110., 120.]).view(3, 1, 1, 1)
    std = torch.tensor([50., 60., 70.]).view(3, 1, 1, 1)
    raw = torch.cat(data['inputs']['rgb'])
    assert torch.allclose(rgb[0], (raw - mean) / std)
    samples = out['data_samples']
    assert [s.metainfo[CLIP_COUNTS_KEY] for s in samples] == [
        dict(rgb=2, depth=1), dict(rgb=1, depth=1), dict(rgb=3, depth=1)
    ]
    assert get_clip_counts(samples, 'rgb') == [2, 1, 3]
    # what a recognizer sees: the first two axes flattened, one row a clip
    rows = rgb.flatten(0, 1)
    per_video = mean_per_sample(rows, get_clip_counts(samples, 'rgb'))
    assert per_video.shape == (3, 3, 2, 4, 4)
    assert torch.allclose(per_video[2], rows[3:6].mean(0))
    assert [len(r) for r in split_per_sample(rows, [2, 1, 3])] == [2, 1, 3]


def test_equal_clip_counts_keep_the_mmaction_layout():
    pre = _pre(rgb=RGB)
    data = paired_batch(
        dict(rgb=SHAPES['rgb']), batch_size=2, clips=dict(rgb=[3, 3]))
    out = pre(data)
    assert out['inputs']['rgb'].shape == (2, 3, 3, 2, 4, 4)
    counts = get_clip_counts(out['data_samples'], 'rgb')
    assert counts == [3, 3]
    rows = out['inputs']['rgb'].flatten(0, 1)
    assert torch.allclose(
        mean_per_sample(rows, counts), out['inputs']['rgb'].mean(1))


def test_a_configured_modality_missing_from_the_batch():
    pre = _pre(rgb=RGB, flow=RGB)
    data = paired_batch(dict(rgb=SHAPES['rgb']))
    with pytest.raises(ValueError, match="no 'flow' input .* has 'rgb'"):
        pre(data)


def test_samples_differing_beyond_the_clip_axis():
    pre = _pre(depth=DEPTH)
    data = dict(
        inputs=dict(
            depth=[torch.zeros(1, 3, 2, 4, 4),
                   torch.zeros(1, 3, 2, 5, 4)]),
        data_samples=None)
    with pytest.raises(ValueError, match="modality 'depth': samples differ"):
        pre(data)


def test_inputs_must_be_a_dict():
    with pytest.raises(TypeError, match='dict modality -> tensors'):
        _pre(depth=DEPTH)(dict(inputs=[torch.zeros(1, 3, 2, 4, 4)]))


def test_bad_configs():
    with pytest.raises(ModelConfigError, match='blending'):
        _pre(rgb=dict(
            RGB,
            blending=dict(type='MixupBlending', num_classes=4, alpha=.2)))
    with pytest.raises(ModelConfigError, match='non-empty dict'):
        PairedDataPreprocessor({})
    with pytest.raises(ModelConfigError, match="modality 'rgb.x'"):
        _pre(**{'rgb.x': RGB})


def test_clip_counts_without_records():
    data = paired_batch(dict(rgb=SHAPES['rgb']), batch_size=2)
    samples = data['data_samples']
    assert get_clip_counts(samples, 'rgb', num_rows=6) == [3, 3]
    with pytest.raises(ValueError, match='PairedDataPreprocessor'):
        get_clip_counts(samples, 'rgb')
