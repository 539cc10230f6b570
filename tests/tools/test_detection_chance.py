# Copyright (c) fsat contributors. All rights reserved.
"""tools/analysis/detection_chance.py: a detector's mAP against the mAP of
its own detections with random classes."""
import json
import pickle

import numpy as np
import torch

from fsat.evaluation.functional import label_chance_map
from fsat.testing import last_line, run_tool

CONFIG = 'configs/detection2d/frcnn_r18_flow_jhmdb_synth.py'  # 10 classes


def _sample(gt_label, dets):
    """One frame as tools/test.py --dump writes it: an actor at a fixed
    box, and ``(label, score, shift)`` detections (shift moves the box)."""
    box = [10., 10., 50., 90.]
    return dict(
        img_id='x',
        pred_instances=dict(
            bboxes=torch.tensor([[v + s for v in box] for _, _, s in dets]),
            scores=torch.tensor([p for _, p, _ in dets]),
            labels=torch.tensor([c for c, _, _ in dets])),
        gt_instances=dict(bboxes=torch.tensor([box]),
                          labels=torch.tensor([gt_label])))


def test_real_and_chance_map_of_a_dump(tmp_path):
    # 20 frames, classes 0-3 five each; the right class scores highest,
    # a wrong one lower, and a far-off box (a miss) in between
    rng = np.random.default_rng(0)
    samples = [
        _sample(i % 4, [(i % 4, 0.9 - 0.01 * i, 0), ((i + 1) % 4, 0.5, 0),
                        (int(rng.integers(4)), 0.7, 200)])
        for i in range(20)
    ]
    dump = tmp_path / 'preds.pkl'
    dump.write_bytes(pickle.dumps(samples))
    out = tmp_path / 'chance.json'
    proc = run_tool('analysis/detection_chance.py',
                    [CONFIG, str(dump), str(dump), '--draws', '30',
                     '--seed', '4', '--out', str(out)])
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())['rows']
    assert len(rows) == 2 and rows[0] == rows[1]
    row = rows[0]
    # every actor is found first by its own class: AP 1 for classes 0-3
    assert row['map'] == 1.0 and row['images'] == 20 and row['draws'] == 30
    assert row['per_class']['ap'][:4] == [1.0] * 4
    # merged, the 20 actors (0.90 .. 0.71) all come before the misses
    assert row['agnostic_ap'] == 1.0
    preds = [dict(bboxes=s['pred_instances']['bboxes'].numpy(),
                  scores=s['pred_instances']['scores'].numpy(),
                  labels=s['pred_instances']['labels'].numpy())
             for s in samples]
    gts = [dict(bboxes=s['gt_instances']['bboxes'].numpy(),
                labels=s['gt_instances']['labels'].numpy())
           for s in samples]
    direct = np.nanmean(label_chance_map(preds, gts, 10, draws=30, seed=4),
                        axis=1)
    assert np.isclose(row['chance_mean'], direct.mean())
    assert np.isclose(row['chance_std'], direct.std(ddof=1))
    assert 0 < row['chance_mean'] < 0.6
    ratio = 1.0 / row['chance_mean']
    assert (f"| {dump} | 100.00 | {100 * row['chance_mean']:.2f} ± "
            f"{100 * row['chance_std']:.2f} |") in proc.stdout
    assert '| mean of 2 | 100.00 | ' in proc.stdout
    assert f'| {ratio:.2f} | 100.00 |' in proc.stdout
    assert '| clap | 100.00 |' in proc.stdout  # class names of the config


def test_bad_dumps_and_configs_are_one_line_errors(tmp_path):
    missing = run_tool('analysis/detection_chance.py',
                       [CONFIG, str(tmp_path / 'none.pkl')])
    assert missing.returncode == 1
    assert last_line(missing.stderr).endswith('none.pkl: no such file')
    junk = tmp_path / 'junk.pkl'
    junk.write_bytes(b'not a pickle')
    proc = run_tool('analysis/detection_chance.py', [CONFIG, str(junk)])
    assert 'junk.pkl: not a readable predictions dump' in last_line(
        proc.stderr)
    other = tmp_path / 'other.pkl'
    other.write_bytes(pickle.dumps([dict(pred_scores=1)]))
    proc = run_tool('analysis/detection_chance.py', [CONFIG, str(other)])
    assert last_line(proc.stderr).endswith(
        'other.pkl: VOCBoxMAP: data sample 0 needs pred_instances and '
        'gt_instances')
    proc = run_tool('analysis/detection_chance.py',
                    ['configs/finetune/depth_r3d18_synth.py', str(other)])
    assert last_line(proc.stderr).endswith(
        'depth_r3d18_synth.py: no VOCBoxMAP in test_evaluator or '
        'val_evaluator')
