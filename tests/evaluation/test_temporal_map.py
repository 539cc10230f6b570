# Copyright (c) fsat contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from fsat.evaluation import TemporalDetectionMAP, temporal_detection_map
from fsat.evaluation.functional import temporal_iou


def _map(preds, gts, num_classes=1, thr=0.5):
    return temporal_detection_map(preds, gts, num_classes, (thr, ))[thr]


def test_temporal_iou():
    np.testing.assert_allclose(
        temporal_iou((0, 10), np.array([[0, 10], [5, 15], [10, 20],
                                        [0, 5]])), [1, 5 / 15, 0, 0.5])


def test_hand_computed_cases():
    gt = {'v': [(0, 0, 10)]}
    assert _map({'v': [(0, 0, 10, 0.9)]}, gt)[0] == 1.0
    # a duplicate of a matched instance is a false positive ranked second:
    # precision [1, 1/2], recall [1, 1] -> AP 1
    assert _map({'v': [(0, 0, 10, .9), (0, 1, 10, .8)]}, gt)[0] == 1.0
    # whichever of two overlapping detections ranks first is the match
    assert _map({'v': [(0, 1, 10, .9), (0, 0, 10, .8)]}, gt)[0] == 1.0
    two = {'v': [(0, 0, 10), (0, 20, 30)]}
    # TP, FP, TP: precision [1, 1/2, 2/3], recall [1/2, 1/2, 1]
    ap = _map({'v': [(0, 20, 30, .9), (0, 50, 60, .8), (0, 0, 10, .7)]},
              two)[0]
    assert ap == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    # tIoU 0.5 is a match at 0.5 and not at 0.6
    assert _map({'v': [(0, 0, 5, .9)]}, gt, thr=0.5)[0] == 1.0
    assert _map({'v': [(0, 0, 5, .9)]}, gt, thr=0.6)[0] == 0.0
    # detections in a video without ground truth are false positives
    assert _map({'w': [(0, 0, 10, .9)], 'v': [(0, 0, 10, .8)]},
                gt)[0] == pytest.approx(0.5)
    # missed instances: recall stops at 1/2
    assert _map({'v': [(0, 0, 10, .9)]}, two)[0] == pytest.approx(0.5)


def test_ties_keep_input_order():
    gt = {'v': [(0, 0, 10)]}
    fp_first = {'v': [(0, 40, 50, .5), (0, 0, 10, .5)]}
    tp_first = {'v': [(0, 0, 10, .5), (0, 40, 50, .5)]}
    assert _map(fp_first, gt)[0] == pytest.approx(0.5)
    assert _map(tp_first, gt)[0] == 1.0


def test_class_without_ground_truth_is_nan_and_left_out():
    gt = {'v': [(0, 0, 10)]}
    preds = {'v': [(0, 0, 10, .9), (1, 0, 10, .9)]}
    ap = _map(preds, gt, num_classes=2)
    assert ap[0] == 1.0 and np.isnan(ap[1])
    assert np.nanmean(ap) == 1.0


def test_label_out_of_range_is_an_error():
    with pytest.raises(ValueError, match='label 3 is outside 0..1'):
        _map({'v': [(3, 0, 1, .5)]}, {'v': []}, num_classes=2)


def reference_ap(dets, gts, thr):
    """Independent brute force: Python lists, explicit PR envelope."""
    num_gt = sum(len(g) for g in gts.values())
    if num_gt == 0:
        return float('nan')
    ranked = sorted(dets, key=lambda d: -d[3])  # Python's sort is stable
    used = {v: [False] * len(g) for v, g in gts.items()}
    hits = []
    for vid, s, e, _ in ranked:
        best = []
        for j, (gs, ge) in enumerate(gts.get(vid, [])):
            inter = max(0.0, min(e, ge) - max(s, gs))
            union = (e - s) + (ge - gs) - inter
            best.append((inter / union if union > 0 else 0.0, -j, j))
        hit = False
        for iou, _, j in sorted(best, reverse=True):
            if iou >= thr and not used[vid][j]:
                used[vid][j] = hit = True
                break
            if iou < thr:
                break
        hits.append(hit)
    precision, recall, tp = [], [], 0
    for k, hit in enumerate(hits, 1):
        tp += hit
        precision.append(tp / k)
        recall.append(tp / num_gt)
    ap, previous = 0.0, 0.0
    for level in sorted(set(recall)):
        if level == 0:
            continue
        best = max(p for p, r in zip(precision, recall) if r >= level)
        ap += (level - previous) * best
        previous = level
    return ap


@pytest.mark.parametrize('seed', range(8))
def test_agrees_with_an_independent_reference(seed):
    rng = np.random.default_rng(seed)
    num_classes, videos = 5, [f'v{i}' for i in range(6)]
    gts = {v: [] for v in videos}
    preds = {v: [] for v in videos}
    for v in videos:
        for _ in range(rng.integers(0, 5)):
            start = float(rng.integers(0, 200))
            gts[v].append((int(rng.integers(0, 4)), start,
                           start + float(rng.integers(5, 60))))
        for _ in range(rng.integers(0, 12)):
            start = float(rng.integers(0, 220))
            # coarse scores make ties frequent; some near-duplicates
            preds[v].append((int(rng.integers(0, 5)), start,
                             start + float(rng.integers(5, 60)),
                             float(rng.integers(0, 4)) / 4))
        for label, s, e in gts[v][:2]:
            preds[v].append((label, s + 1, e, 0.5))
            preds[v].append((label, s, e - 1, 0.5))
    thresholds = (0.1, 0.3, 0.5, 0.7)
    ours = temporal_detection_map(preds, gts, num_classes, thresholds)
    for thr in thresholds:
        for c in range(num_classes):
            dets = [(v, s, e, p) for v in videos
                    for lab, s, e, p in preds[v] if lab == c]
            gt_c = {v: [(s, e) for lab, s, e in gts[v] if lab == c]
                    for v in videos}
            expected = reference_ap(dets, gt_c, thr)
            if np.isnan(expected):
                assert np.isnan(ours[thr][c])  # class 4 never has gt
            else:
                assert abs(ours[thr][c] - expected) < 1e-6


def test_metric_pools_buffers_of_a_video_and_reports_map():
    metric = TemporalDetectionMAP(num_classes=2, class_names=['a', 'b'])

    def sample(video_id, pred, gt):
        return dict(
            video_id=video_id,
            pred_instances=InstanceData(
                segments=torch.tensor([p[1:3] for p in pred]).float(),
                scores=torch.tensor([p[3] for p in pred]),
                labels=torch.tensor([p[0] for p in pred])).to_dict(),
            gt_instances=InstanceData(
                segments=torch.tensor([g[1:] for g in gt]).float(),
                labels=torch.tensor([g[0] for g in gt])).to_dict())

    metric.process({}, [
        sample('v', [(0, 0, 10, .9)], [(0, 0, 10)]),
        sample('v', [(1, 100, 110, .8)], [(1, 100, 120)]),
    ])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['mAP@0.5'] == 1.0  # tIoU 0.5 of the second instance
    assert metrics['mAP@0.7'] == 0.5
    assert set(metrics) == {
        'mAP@0.1', 'mAP@0.2', 'mAP@0.3', 'mAP@0.4', 'mAP@0.5', 'mAP@0.6',
        'mAP@0.7', 'mAP_avg'
    }
