# Copyright (c) fsat contributors. All rights reserved.
"""Streamed detection of one long video: buffer by buffer, merged, in
frames of the whole video."""
import os.path as osp

import numpy as np
import pytest

from fsat.apis import detect_video, video_buffers
from fsat.datasets import PKUMMDDetectionDataset
from fsat.datasets.synthetic import generate_world
from fsat.testing import build_toy_model, toy_depth_rc3d, toy_detection_dataset


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('world') / 'tiny')
    generate_world('tiny', out, seed=0, workers=1, progress=False)
    cfg = toy_detection_dataset(osp.join(out, 'pku_mmd'))
    assert cfg.pop('type') == 'PKUMMDDetectionDataset'
    return PKUMMDDetectionDataset(**cfg)


def _model():
    cfg = toy_depth_rc3d(
        proposal_head=dict(feat_channels=8, anchor_scales=(1, 2)),
        classifier_head=dict(hidden_channels=16))
    return build_toy_model(cfg).eval()


def test_detect_video_runs_every_buffer_once_and_merges(dataset):
    model = _model()
    video = dataset.get_data_info(0)['video_id']
    indices = video_buffers(dataset, video)
    total = dataset.get_data_info(indices[0])['total_frames']
    assert len(indices) >= 3  # a long video: several buffers
    seen = []
    original = model.test_step

    def counting(batch):
        seen.append(batch['data_samples'][0].metainfo['buffer_start'])
        return original(batch)

    model.test_step = counting
    raw = detect_video(model, dataset, video, merge_iou=None,
                       progress=False)
    assert seen == [dataset.get_data_info(i)['buffer_start']
                    for i in indices]
    assert raw['buffers'] == len(indices)
    assert len(raw['scores']) > 0
    assert (raw['segments'] >= 0).all() and (raw['segments'] <= total).all()
    assert (np.diff(raw['scores']) <= 0).all()  # best first
    merged = detect_video(model, dataset, video, merge_iou=0.3,
                          progress=False)
    assert 0 < len(merged['scores']) < len(raw['scores'])
    with pytest.raises(KeyError, match="'nope' is not in the dataset"):
        detect_video(model, dataset, 'nope', progress=False)
