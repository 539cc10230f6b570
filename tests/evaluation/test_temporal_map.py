# Copyright (c) fsat contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from fsat.evaluation import TemporalDetectionMAP, temporal_detection_map
from fsat.evaluation.functional import temporal_iou


def _map(preds, gts, num_classes=1, thr=0.5, protocol='activitynet'):
    return temporal_detection_map(preds, gts, num_classes, (thr, ),
                                  protocol)[thr]


def _ap(dets, gts, protocol, thr=0.5):
    """AP of class 0 in one video ``v``."""
    return _map({'v': dets}, {'v': gts}, thr=thr, protocol=protocol)[0]


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


def _sample(video_id, pred, gt):
    return dict(
        video_id=video_id,
        pred_instances=InstanceData(
            segments=torch.tensor([p[1:3] for p in pred]).float(),
            scores=torch.tensor([p[3] for p in pred]),
            labels=torch.tensor([p[0] for p in pred])).to_dict(),
        gt_instances=InstanceData(
            segments=torch.tensor([g[1:] for g in gt]).float(),
            labels=torch.tensor([g[0] for g in gt])).to_dict())


def test_metric_pools_buffers_of_a_video_and_reports_map():
    metric = TemporalDetectionMAP(num_classes=2, class_names=['a', 'b'])

    metric.process({}, [
        _sample('v', [(0, 0, 10, .9)], [(0, 0, 10)]),
        _sample('v', [(1, 100, 110, .8)], [(1, 100, 120)]),
    ])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['activitynet/mAP@0.5'] == 1.0  # tIoU 0.5 of the 2nd
    assert metrics['activitynet/mAP@0.7'] == 0.5
    assert set(metrics) == {
        f'activitynet/mAP@{t}'
        for t in ('0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7')
    } | {'activitynet/mAP_avg'}


# Cases where the two protocols disagree. Expected values are worked out by
# hand from the rules in the module docstring (ActivityNet: interpolated
# precision over recall steps; PKU-MMD: walk up from the bottom, states only
# after dropping a matched detection, best precision so far x recall drop).
TWO = [(0, 0, 10), (0, 20, 30)]


def test_false_positive_after_the_last_true_positive():
    dets = [(0, 0, 10, .9), (0, 40, 50, .8)]  # TP, then FP
    # ActivityNet: P = [1, 1/2], R = [1, 1] -> AP = 1 * 1 = 1
    assert _ap(dets, [(0, 0, 10)], 'activitynet') == 1.0
    # PKU-MMD: all kept P = 1/2, R = 1; dropping the FP is not evaluated;
    # dropping the TP: P = 0, R = 0, best = 1/2 -> 1/2 * (1 - 0) = 1/2
    assert _ap(dets, [(0, 0, 10)], 'pku_mmd') == 0.5


def test_a_duplicate_below_its_instance_costs_nothing_under_both():
    dets = [(0, 0, 10, .9), (0, 1, 10, .8)]  # tIoU 1 and 9/10
    # ActivityNet: TP, FP: P = [1, 1/2], R = [1, 1] -> 1
    assert _ap(dets, [(0, 0, 10)], 'activitynet') == 1.0
    # PKU-MMD: all kept P = 1/2 (one instance), R = 1; drop the duplicate:
    # P = 1/1, R = 1, best 1, + 1 * 0; drop the first: + 1 * (1 - 0) = 1
    assert _ap(dets, [(0, 0, 10)], 'pku_mmd') == 1.0


def test_two_proposals_on_one_ground_truth():
    gts = [(0, 0, 10), (0, 6, 16)]
    # d1 = [0, 10]: tIoU 1 with g1, 4/16 with g2;
    # d2 = [3, 12]: tIoU 7/12 with g1, 6/13 with g2 (both >= 0.3)
    dets = [(0, 0, 10, .9), (0, 3, 12, .8)]
    # ActivityNet: d1 takes g1, d2 takes the free g2: P = [1, 1],
    # R = [1/2, 1] -> 1/2 * 1 + 1/2 * 1 = 1
    assert _ap(dets, gts, 'activitynet', thr=0.3) == 1.0
    # PKU-MMD: both match g1 (d2's best), g2 is never found. All kept:
    # P = 1/2, R = 1/2; drop d2: P = 1/1, R = 1/2, best 1, + 0; drop d1:
    # P = 0, R = 0, + 1 * 1/2 -> 1/2
    assert _ap(dets, gts, 'pku_mmd', thr=0.3) == 0.5


def test_false_positive_between_true_positives():
    dets = [(0, 0, 10, .9), (0, 40, 50, .8), (0, 20, 30, .7)]
    # ActivityNet: P = [1, 1/2, 2/3], R = [1/2, 1/2, 1]; interpolated:
    # 1/2 * 1 + 1/2 * 2/3 = 5/6
    assert _ap(dets, TWO, 'activitynet') == pytest.approx(5 / 6)
    # PKU-MMD: all kept P = 2/3, R = 1; drop TP [20, 30]: P = 1/2,
    # R = 1/2, best 2/3, + 2/3 * 1/2; drop the FP: skipped; drop TP [0, 10]:
    # P = 0, R = 0, best 2/3, + 2/3 * 1/2 -> 2/3
    assert _ap(dets, TWO, 'pku_mmd') == pytest.approx(2 / 3)


def test_tied_scores():
    top, fp, tp = (0, 0, 10, .9), (0, 40, 50, .5), (0, 20, 30, .5)
    # FP given before the tied TP. ActivityNet (given first ranks first):
    # top, fp, tp -> as above, 5/6. PKU-MMD (given last ranks first):
    # top, tp, fp: all kept P = 2/3, R = 1; drop fp: skipped; drop tp:
    # P = 1/1, R = 1/2, best 1, + 1 * 1/2; drop top: + 1 * 1/2 -> 1
    assert _ap([top, fp, tp], TWO, 'activitynet') == pytest.approx(5 / 6)
    assert _ap([top, fp, tp], TWO, 'pku_mmd') == 1.0
    # TP given before the tied FP: ActivityNet top, tp, fp: P = [1, 1, 2/3],
    # R = [1/2, 1, 1] -> 1; PKU-MMD top, fp, tp: as above, 2/3
    assert _ap([top, tp, fp], TWO, 'activitynet') == 1.0
    assert _ap([top, tp, fp], TWO, 'pku_mmd') == pytest.approx(2 / 3)
    # the same detections split over two videos: "given" order is the order
    # of the videos in `predictions`, then of each video's list
    preds = {'a': [(0, 40, 50, .5)], 'b': [(0, 20, 30, .5)]}
    gts = {'a': [], 'b': [(0, 20, 30)]}
    # PKU-MMD ranks b's TP first: all kept P = 1/2, R = 1; drop a's FP:
    # skipped; drop the TP: + 1/2 * 1 -> 1/2 (the FP always counts here)
    assert _map(preds, gts, protocol='pku_mmd')[0] == 0.5
    # ActivityNet ranks a's FP first: P = [0, 1/2], R = [0, 1] -> 1/2
    assert _map(preds, gts)[0] == 0.5
    # and b before a: TP first -> ActivityNet 1
    assert _map(dict(reversed(list(preds.items()))), gts)[0] == 1.0


def test_equal_tiou_with_two_instances():
    # d1 = [5, 15] has tIoU 5/15 = 1/3 with both [0, 10] and [10, 20]
    dets = [(0, 5, 15, .9), (0, 0, 10, .8)]
    # PKU-MMD picks the instance listed last. [0, 10] then [10, 20]: d1 ->
    # [10, 20], d2 -> [0, 10]: all kept P = 1, R = 1; drop d2: P = 1/1,
    # R = 1/2, + 1 * 1/2; drop d1: + 1 * 1/2 -> 1
    gts = [(0, 0, 10), (0, 10, 20)]
    assert _ap(dets, gts, 'pku_mmd', thr=0.3) == 1.0
    # [10, 20] then [0, 10]: both -> [0, 10]: P = 1/2, R = 1/2; drop d2:
    # P = 1, + 0; drop d1: + 1 * 1/2 -> 1/2
    assert _ap(dets, gts[::-1], 'pku_mmd', thr=0.3) == 0.5
    # ActivityNet takes the instance listed first. [0, 10] first: d1 takes
    # it, d2 (tIoU 0 with [10, 20]) is a FP: P = [1, 1/2], R = [1/2, 1/2]
    # -> 1/2; [10, 20] first: d1 takes it, d2 takes [0, 10] -> 1
    assert _ap(dets, gts, 'activitynet', thr=0.3) == 0.5
    assert _ap(dets, gts[::-1], 'activitynet', thr=0.3) == 1.0


@pytest.mark.parametrize('protocol', ['activitynet', 'pku_mmd'])
def test_zero_length_segments(protocol):
    assert temporal_iou((5, 5), np.array([[5, 5], [0, 10], [5, 8]])).tolist(
    ) == [0, 0, 0]
    # a zero-length detection on a zero-length instance is no match; the
    # instance still counts: 2 instances, FP then TP.
    dets = [(0, 5, 5, .9), (0, 0, 10, .8)]
    gts = [(0, 5, 5), (0, 0, 10)]
    # ActivityNet: P = [0, 1/2], R = [0, 1/2] -> 1/2 * 1/2 = 1/4
    # PKU-MMD: all kept P = 1/2, R = 1/2; drop the TP: P = 0, R = 0,
    # best 1/2, + 1/2 * 1/2; drop the FP: skipped -> 1/4
    assert _ap(dets, gts, protocol) == 0.25


@pytest.mark.parametrize('protocol', ['activitynet', 'pku_mmd'])
def test_classes_without_ground_truth_or_detections(protocol):
    ap = _map({'v': [(1, 0, 10, .9)]}, {'v': [(0, 0, 10)]}, num_classes=3,
              protocol=protocol)
    assert ap[0] == 0.0  # instances, no detection
    assert np.isnan(ap[1]) and np.isnan(ap[2])  # no ground truth


@pytest.mark.parametrize('preds, gts, message', [
    ({'v': [(0, 5, 4, .5)]}, {'v': []}, r"v: detection \(0, 5, 4, 0.5\) "
     'ends before it starts'),
    ({'v': []}, {'w': [(0, 3, 1)]}, 'w: ground truth .* ends before'),
    ({'v': [(0, 0, 4, float('nan'))]}, {'v': []}, 'not finite'),
    ({'v': [(0, 0, float('inf'), .5)]}, {'v': []}, 'not finite'),
])
def test_bad_segments_are_errors(preds, gts, message):
    with pytest.raises(ValueError, match=message):
        _map(preds, gts)


def test_bad_protocol_and_threshold_are_errors():
    with pytest.raises(ValueError, match="protocol='voc' is not one of "
                       "'activitynet', 'pku_mmd'"):
        _map({}, {}, protocol='voc')
    with pytest.raises(ValueError, match="protocol='PKU'"):
        TemporalDetectionMAP(num_classes=2, protocol='PKU')
    for thr in (0, 1.5):
        with pytest.raises(ValueError, match=r'outside \(0, 1\]'):
            _map({}, {}, thr=thr)


def _random_case(seed, ties):
    """Videos with instances of 3 classes, random and near-duplicate
    detections (coarse scores make ties frequent when ``ties``)."""
    rng = np.random.default_rng(seed)
    videos = [f'v{i}' for i in range(rng.integers(1, 6))]
    gts = {v: [] for v in videos}
    preds = {v: [] for v in videos}
    for v in videos:
        for _ in range(rng.integers(0, 6)):
            start = rng.uniform(0, 100)
            gts[v].append((int(rng.integers(0, 3)), start,
                           start + rng.uniform(1, 40)))
        detections = []
        for _ in range(rng.integers(0, 12)):
            start = rng.uniform(0, 110)
            detections.append((int(rng.integers(0, 3)), start,
                               start + rng.uniform(1, 40)))
        for label, start, end in gts[v][:3]:
            for _ in range(rng.integers(0, 3)):
                shift = rng.uniform(-.3, .3, 2) * (end - start)
                detections.append((label, start + shift[0], end + shift[1]))
        for det in detections:
            score = (float(rng.integers(0, 4)) / 4 if ties else
                     float(rng.random()))
            preds[v].append(det + (score, ))
    return videos, preds, gts


def test_activitynet_equals_mmaction2_on_random_cases():
    from mmaction.evaluation.functional import (
        average_precision_at_temporal_iou,
    )
    thresholds = (0.1, 0.3, 0.5, 0.7)
    compared = nonzero = 0
    for seed in range(200):
        videos, preds, gts = _random_case(seed, ties=False)
        ours = temporal_detection_map(preds, gts, 3, thresholds)
        for c in range(3):
            gt_c = {v: np.array([[s, e] for lab, s, e in gts[v] if lab == c])
                    for v in videos}
            gt_c = {v: g for v, g in gt_c.items() if len(g)}
            if not gt_c:
                assert np.isnan(ours[0.5][c])
                continue
            pred_c = [[v, c, s, e, p] for v in videos
                      for lab, s, e, p in preds[v] if lab == c]
            theirs = average_precision_at_temporal_iou(
                gt_c, np.array(pred_c, dtype=object),
                np.array(thresholds)) if pred_c else np.zeros(4)
            for k, thr in enumerate(thresholds):
                # mmaction2 accumulates in float32
                assert abs(ours[thr][c] - theirs[k]) < 1e-6, (seed, c, thr)
                compared += 1
                nonzero += theirs[k] > 0
    assert compared > 1500 and nonzero > compared / 2


def pku_mmd_brute_force(dets, gts, thr):
    """PKU-MMD's AP restated over cut-offs, from scratch at each one.

    The top ``n`` detections (later given first among equal scores) find
    ``D(n)`` distinct instances, each detection counting for its own best
    instance. The curve is read at ``n = N`` and at ``n = k`` for every
    matched detection at 0-based rank ``k`` (the state once it is dropped);
    between consecutive cut-offs the recall drop is weighted by the best
    precision at the cut-offs read so far.
    """
    num_gt = sum(len(g) for g in gts.values())
    if num_gt == 0:
        return float('nan')
    ranked = [d for _, d in sorted(enumerate(dets),
                                   key=lambda x: (-x[1][3], -x[0]))]

    def own_instance(det):
        vid, s, e, _ = det
        best, found = -1.0, None
        for j, (gs, ge) in enumerate(gts.get(vid, [])):
            inter = max(0.0, min(e, ge) - max(s, gs))
            union = max(e, ge) - min(s, gs)
            iou = inter / union if union > 0 else 0.0
            if iou >= thr and iou >= best:
                best, found = iou, (vid, j)
        return found

    own = [own_instance(d) for d in ranked]

    def state(n):
        if n == 0:
            return 0.0, 0.0
        found = len({o for o in own[:n] if o is not None})
        return found / n, found / num_gt

    cuts = [len(ranked)] + [k for k in range(len(ranked) - 1, -1, -1)
                            if own[k] is not None]
    if not ranked:
        return 0.0
    ap, best = 0.0, state(cuts[0])[0]
    for a, b in zip(cuts, cuts[1:]):
        best = max(best, state(b)[0])
        ap += best * (state(a)[1] - state(b)[1])
    return ap


def test_pku_mmd_agrees_with_a_brute_force_restatement():
    # (The implementation also equalled PKU-MMD's evaluate.py itself, bit
    # for bit, on 6,802 random class cases with ties when it was written;
    # that script is not copied into fsat.)
    thresholds = (0.1, 0.3, 0.5, 0.7)
    compared = 0
    for seed in range(150):
        videos, preds, gts = _random_case(seed, ties=True)
        ours = temporal_detection_map(preds, gts, 3, thresholds, 'pku_mmd')
        for c in range(3):
            dets = [(v, s, e, p) for v in videos
                    for lab, s, e, p in preds[v] if lab == c]
            gt_c = {v: [(s, e) for lab, s, e in gts[v] if lab == c]
                    for v in videos}
            for thr in thresholds:
                expected = pku_mmd_brute_force(dets, gt_c, thr)
                if np.isnan(expected):
                    assert np.isnan(ours[thr][c])
                else:
                    assert abs(ours[thr][c] - expected) < 1e-12
                    compared += 1
    assert compared > 1000


def test_metric_keys_name_the_protocol_and_both_fit_one_evaluator():
    from mmengine.evaluator import Evaluator
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('fsat'):
        evaluator = Evaluator([
            dict(type='TemporalDetectionMAP', num_classes=1,
                 protocol='pku_mmd', iou_thresholds=(0.5, )),
            dict(type='TemporalDetectionMAP', num_classes=1,
                 iou_thresholds=(0.5, ))
        ])
    # TP then FP: ActivityNet 1, PKU-MMD 1/2 (test above)
    evaluator.process([_sample('v', [(0, 0, 10, .9), (0, 40, 50, .8)],
                               [(0, 0, 10)])], {})
    assert evaluator.evaluate(1) == {
        'tdet/pku_mmd/mAP@0.5': 0.5,
        'tdet/pku_mmd/mAP_avg': 0.5,
        'tdet/activitynet/mAP@0.5': 1.0,
        'tdet/activitynet/mAP_avg': 1.0
    }


def test_shipped_configs_name_their_protocol():
    import glob

    from fsat.apis import load_config
    from fsat.testing import repo_path
    paths = sorted(glob.glob(repo_path('configs', 'detection', '*.py')))
    assert len(paths) >= 6
    for path in paths:
        cfg = load_config(path)
        expected = 'pku_mmd' if 'pkummd' in path else 'activitynet'
        for key in ('val_evaluator', 'test_evaluator'):
            assert cfg[key]['protocol'] == expected, (path, key)
    pipeline = load_config(
        repo_path('configs', 'pipelines', 'fsat_synth_detection.py'))
    assert pipeline.report_metric == 'tdet/activitynet/mAP@0.5'
