# Copyright (c) fsat contributors. All rights reserved.
"""tools/test.py on a detector with both protocols in one evaluator: the
logged keys name their protocol, and the logged values equal the dumped
predictions pooled per video and evaluated offline."""
import os.path as osp
import pickle
import re
from collections import defaultdict

import numpy as np
from mmengine.config import Config

from fsat.datasets.synthetic import generate_world
from fsat.evaluation.functional import (
    merge_detections,
    temporal_detection_map,
)
from fsat.testing import (
    build_toy_model,
    run_tool,
    toy_depth_rc3d,
    toy_detection_dataset,
)

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def _offline(dump, protocol):
    """Pool each video's buffers, merge at 0.3, whole-video ground truth."""
    preds, gts = defaultdict(list), {}
    for s in dump:
        p = s['pred_instances']
        preds[s['video_id']] += [
            (int(lab), float(a), float(b), float(sc))
            for (a, b), sc, lab in zip(p['segments'], p['scores'],
                                       p['labels'])
        ]
        g = s['video_gt']
        gts.setdefault(s['video_id'], [
            (int(lab), float(a), float(b))
            for (a, b), lab in zip(g['segments'], g['labels'])
        ])
    preds = {v: merge_detections(d, 0.3) for v, d in preds.items()}
    aps = temporal_detection_map(preds, gts, 3, THRESHOLDS, protocol)
    return {t: float(np.nanmean(a)) for t, a in aps.items()}


def test_tools_test_reports_both_protocols(tmp_path):
    world = str(tmp_path / 'tiny')
    generate_world('tiny', world, seed=0, workers=1, progress=False)
    model = toy_depth_rc3d()
    metric = dict(type='TemporalDetectionMAP', num_classes=3, merge_iou=0.3)
    cfg = dict(
        default_scope='fsat',
        model=model,
        test_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=toy_detection_dataset(osp.join(world, 'pku_mmd'))),
        test_evaluator=[dict(metric, protocol='pku_mmd'), metric],
        test_cfg=dict(type='TestLoop'))
    config = str(tmp_path / 'det.py')
    Config(cfg).dump(config)
    ckpt = str(tmp_path / 'det.pth')
    build_toy_model(model, save_to=ckpt)
    dump = str(tmp_path / 'dets.pkl')
    proc = run_tool('test.py', [config, ckpt, '--work-dir',
                                str(tmp_path / 'wd'), '--dump', dump])
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert 'AP@0.5 (pku_mmd)' in out and 'AP@0.5 (activitynet)' in out
    logged = {(p, float(t)): float(v) for p, t, v in re.findall(
        r'tdet/(pku_mmd|activitynet)/mAP@([0-9.]+): ([0-9.]+)', out)}
    assert len(logged) == 2 * len(THRESHOLDS)
    with open(dump, 'rb') as f:
        samples = pickle.load(f)
    for protocol in ('pku_mmd', 'activitynet'):
        expected = _offline(samples, protocol)
        for t in THRESHOLDS:
            assert abs(logged[(protocol, t)] - expected[t]) < 6e-5
    # the untrained detector finds something, and the protocols differ
    assert logged[('activitynet', 0.1)] > 0
    assert any(logged[('pku_mmd', t)] != logged[('activitynet', t)]
               for t in THRESHOLDS)
