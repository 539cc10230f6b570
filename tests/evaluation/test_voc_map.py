# Copyright (c) fsat contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from fsat.evaluation.functional.voc_map import (
    box_iou,
    class_agnostic_ap,
    label_chance_map,
    relabel_detections,
    voc_ap,
    voc_detection_map,
)
from fsat.evaluation.metrics.voc_map_metric import VOCBoxMAP
from fsat.registry import METRICS

A = (0, 0, 10, 10)
B = (20, 20, 30, 30)
FAR = (50, 50, 60, 60)


def _pred(*dets):
    """``(label, box, score)`` rows of one image."""
    return dict(bboxes=np.array([d[1] for d in dets],
                                dtype=float).reshape(-1, 4),
                scores=np.array([d[2] for d in dets], dtype=float),
                labels=np.array([d[0] for d in dets], dtype=int))


def _gt(*boxes, difficult=None):
    """``(label, box)`` rows of one image."""
    gt = dict(bboxes=np.array([b[1] for b in boxes],
                              dtype=float).reshape(-1, 4),
              labels=np.array([b[0] for b in boxes], dtype=int))
    if difficult is not None:
        gt['difficult'] = np.array(difficult, dtype=bool)
    return gt


def _ap(dets, gts, difficult=None, **kwargs):
    """AP of class 0 in one image."""
    return voc_detection_map([_pred(*[(0, b, s) for b, s in dets])],
                             [_gt(*[(0, b) for b in gts],
                                  difficult=difficult)], 1, **kwargs)[0]


def test_box_iou_both_conventions():
    np.testing.assert_allclose(
        box_iou([A], [(5, 0, 15, 10), A, (10, 0, 20, 10), B]),
        [[1 / 3, 1, 0, 0]])
    # +1 pixels: 6 x 11 / (121 + 121 - 66); touching boxes share a column
    np.testing.assert_allclose(
        box_iou([A], [(5, 0, 15, 10), A, (10, 0, 20, 10), B],
                pixel_offset=1), [[66 / 176, 1, 11 / 231, 0]])


def test_voc_ap_both_modes():
    # P = [1, 1/2, 2/3] at R = [1/2, 1/2, 1]
    p, r = np.array([1, .5, 2 / 3]), np.array([.5, .5, 1])
    # area: envelope 1 up to R 1/2, then 2/3
    assert voc_ap(r, p, 'area') == pytest.approx(0.5 + 0.5 * 2 / 3)
    # 11 points: t = 0 .. 0.5 (6 levels) best P 1, t = 0.6 .. 1 best 2/3
    assert voc_ap(r, p, '11points') == pytest.approx((6 + 5 * 2 / 3) / 11)
    assert voc_ap([], [], 'area') == 0 and voc_ap([], [], '11points') == 0


def test_hand_computed_cases():
    # one box found, then a duplicate (a false positive): P [1, 1/2],
    # R [1, 1] -> 1 in both modes
    dets = [(A, .9), ((1, 0, 10, 10), .8)]
    assert _ap(dets, [A]) == 1.0
    assert _ap(dets, [A], ap_mode='11points') == 1.0
    # TP, FP, TP over two boxes: see test_voc_ap_both_modes
    dets = [(B, .9), (FAR, .8), (A, .7)]
    assert _ap(dets, [A, B]) == pytest.approx(5 / 6)
    assert _ap(dets, [A, B], ap_mode='11points') == pytest.approx(28 / 33)
    # a false positive first: P [0, 1/2], R [0, 1] -> 1/2 in both modes
    dets = [(FAR, .9), (A, .8)]
    assert _ap(dets, [A]) == 0.5
    assert _ap(dets, [A], ap_mode='11points') == pytest.approx(0.5)
    # missed box: R stops at 1/2
    assert _ap([(A, .9)], [A, B]) == 0.5
    # 11 points (6 / 11): recall 1/2 reached at t = 0 .. 0.5
    assert _ap([(A, .9)], [A, B], ap_mode='11points') == pytest.approx(6 / 11)
    # no detection: 0
    assert _ap([], [A]) == 0.0


def test_recall_of_exactly_three_tenths_counts_at_level_three_tenths():
    gts = [(10 * i, 0, 10 * i + 5, 5) for i in range(10)]
    dets = [(g, 1.0) for g in gts[:3]]  # P 1 at R 0.1, 0.2, 0.3
    assert _ap(dets, gts) == pytest.approx(0.3)
    # levels 0, 0.1, 0.2, 0.3 (np.arange(0, 1.1, 0.1) would miss 0.3)
    assert _ap(dets, gts, ap_mode='11points') == pytest.approx(4 / 11)


def test_difficult_boxes_are_neither_found_nor_false_positives():
    # FP, then a detection of difficult B (ignored), then A: with B
    # difficult P [0, 1/2] at R [0, 1] (one box to find) -> 1/2
    dets = [(FAR, .95), (B, .9), (A, .8)]
    assert _ap(dets, [A, B], difficult=[False, True]) == 0.5
    assert _ap(dets, [A, B], difficult=[False, True],
               ap_mode='11points') == pytest.approx(0.5)
    # without the flag B is found: P [0, 1/2, 2/3], R [0, 1/2, 1] -> 2/3
    assert _ap(dets, [A, B]) == pytest.approx(2 / 3)
    # several detections of a difficult box are all ignored
    dets = [(B, .95), ((20, 20, 30, 29), .9), (A, .8)]
    assert _ap(dets, [A, B], difficult=[False, True]) == 1.0
    # a class whose only box is difficult has no AP
    assert np.isnan(_ap([(A, .9)], [A], difficult=[True]))


def test_voc_and_unmatched_matching_differ_on_a_second_free_box():
    a2 = (2, 0, 12, 10)  # IoU(A, a2) = 80 / 120
    d2 = (0.5, 0, 10.5, 10)  # IoU 9.5 / 10.5 with A, 8.5 / 11.5 with a2
    dets = [(A, .9), (d2, .8)]
    # devkit: d2's best box A is taken -> a duplicate, false positive:
    # P [1, 1/2], R [1/2, 1/2]
    assert _ap(dets, [A, a2]) == 0.5
    # unmatched: d2 takes a2 -> P [1, 1], R [1/2, 1]
    assert _ap(dets, [A, a2], matching='unmatched') == 1.0
    # devkit: d2's best box A is difficult -> ignored, although a2 overlaps
    # enough, and a2 is missed; unmatched: a2 is free and overlaps enough
    assert _ap([(d2, .9)], [a2, A], difficult=[False, True]) == 0.0
    assert _ap([(d2, .9)], [a2, A], difficult=[False, True],
               matching='unmatched') == 1.0


def test_ties_keep_the_given_order():
    # equal scores: the detection given first ranks first
    assert _ap([(FAR, .5), (A, .5)], [A]) == 0.5
    assert _ap([(A, .5), (FAR, .5)], [A]) == 1.0
    # across images: images in the order given
    preds = [_pred((0, FAR, .5)), _pred((0, A, .5))]
    gts = [_gt(), _gt((0, A))]
    assert voc_detection_map(preds, gts, 1)[0] == 0.5
    assert voc_detection_map(preds[::-1], gts[::-1], 1)[0] == 1.0
    # equal IoU with two boxes: the first listed is taken
    left, right = (0, 0, 10, 10), (10, 0, 20, 10)
    mid = (5, 0, 15, 10)  # IoU 1/3 with both
    assert voc_detection_map([_pred((0, mid, .9), (0, right, .8))],
                             [_gt((0, left), (0, right))], 1,
                             iou_thr=0.3)[0] == 1.0
    assert voc_detection_map([_pred((0, mid, .9), (0, right, .8))],
                             [_gt((0, right), (0, left))], 1,
                             iou_thr=0.3)[0] == 0.5


def test_threshold_and_pixel_convention():
    wide = (0, 0, 20, 10)  # IoU with A: 1/2 continuous, 121 / 231 with +1
    assert _ap([(wide, .9)], [A]) == 1.0  # IoU >= 0.5 matches
    assert _ap([(wide, .9)], [A], iou_thr=0.51) == 0.0
    assert _ap([(wide, .9)], [A], iou_thr=0.51, pixel_offset=1) == 1.0
    assert _ap([(wide, .9)], [A], iou_thr=0.53, pixel_offset=1) == 0.0


def test_classes_without_ground_truth_and_detections_in_other_images():
    preds = [_pred((0, A, .9), (1, A, .9)), _pred((0, A, .8))]
    gts = [_gt((0, A)), _gt()]
    ap = voc_detection_map(preds, gts, 3)
    # class 0: TP, then a false positive in an image without its boxes
    assert ap[0] == 1.0 and np.isnan(ap[1]) and np.isnan(ap[2])


@pytest.mark.parametrize('pred,gt,message', [
    (_pred((3, A, .5)), _gt(), 'image 0: prediction label 3 is outside'),
    (_pred(), _gt((-1, A)), 'image 0: ground truth label -1 is outside'),
    (dict(bboxes=np.zeros((1, 5)), scores=[1.], labels=[0]), _gt(),
     r'prediction bboxes must be \[N, 4\]'),
    (dict(bboxes=np.zeros((2, 4)), scores=[1.], labels=[0, 0]), _gt(),
     'has 1 scores for 2 boxes'),
    (dict(bboxes=np.zeros((1, 4)), labels=[0]), _gt(), 'has no scores'),
    (_pred((0, (5, 0, 4, 1), .5)), _gt(), 'has x2 < x1 or y2 < y1'),
    (_pred((0, (0, 0, np.inf, 1), .5)), _gt(), 'not finite'),
    (_pred(), _gt((0, A), difficult=[True, False]),
     '2 difficult flags for 1'),
])
def test_bad_input_is_an_error(pred, gt, message):
    with pytest.raises(ValueError, match=message):
        voc_detection_map([pred], [gt], 2)


def test_bad_settings_are_errors():
    with pytest.raises(ValueError, match="ap_mode='11point'"):
        voc_detection_map([], [], 1, ap_mode='11point')
    with pytest.raises(ValueError, match='outside'):
        voc_detection_map([], [], 1, iou_thr=0)
    with pytest.raises(ValueError, match='1 predictions for 0'):
        voc_detection_map([_pred()], [], 1)


def devkit_ap(preds, gts, c, thr, mode, offset):
    """Independent reference in the devkit's form: ignored detections stay
    in the ranking with tp = fp = 0, precision 0/0 is NaN and skipped."""
    truth, npos = {}, 0
    for img, g in enumerate(gts):
        idx = [i for i, lab in enumerate(g['labels']) if lab == c]
        truth[img] = dict(bb=[list(g['bboxes'][i]) for i in idx],
                          diff=[bool(g['difficult'][i]) for i in idx],
                          det=[False] * len(idx))
        npos += sum(not d for d in truth[img]['diff'])
    found = [(img, list(b), s) for img, p in enumerate(preds)
             for b, s, lab in zip(p['bboxes'], p['scores'], p['labels'])
             if lab == c]
    if npos == 0:
        return float('nan')
    found.sort(key=lambda d: -d[2])  # stable
    tp, fp = np.zeros(len(found)), np.zeros(len(found))
    for d, (img, bb, _) in enumerate(found):
        g = truth[img]
        ovmax, jmax = -np.inf, -1
        for j, bbgt in enumerate(g['bb']):
            iw = min(bb[2], bbgt[2]) - max(bb[0], bbgt[0]) + offset
            ih = min(bb[3], bbgt[3]) - max(bb[1], bbgt[1]) + offset
            if iw > 0 and ih > 0:
                ua = ((bb[2] - bb[0] + offset) * (bb[3] - bb[1] + offset) +
                      (bbgt[2] - bbgt[0] + offset) *
                      (bbgt[3] - bbgt[1] + offset) - iw * ih)
                if iw * ih / ua > ovmax:
                    ovmax, jmax = iw * ih / ua, j
        if ovmax >= thr:
            if not g['diff'][jmax]:
                if not g['det'][jmax]:
                    tp[d], g['det'][jmax] = 1, True
                else:
                    fp[d] = 1
        else:
            fp[d] = 1
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    rec = tp / npos
    with np.errstate(invalid='ignore'):
        prec = tp / (tp + fp)
    if mode == '11points':
        ap = 0.0
        for t in np.arange(11) / 10:
            p = prec[(rec >= t) & ~np.isnan(prec)]
            ap += (p.max() if len(p) else 0.0) / 11
        return ap
    mrec = np.concatenate([[0], rec, [1]])
    mpre = np.concatenate([[0], prec, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = np.fmax(mpre[i], mpre[i + 1])
    i = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[i] - mrec[i - 1]) * mpre[i]))


@pytest.mark.parametrize('seed', range(12))
def test_agrees_with_a_devkit_style_reference(seed):
    rng = np.random.default_rng(seed)
    num_classes, preds, gts = 3, [], []
    for _ in range(int(rng.integers(1, 6))):
        m = int(rng.integers(0, 6))
        xy = np.floor(rng.uniform(0, 40, (m, 2)))
        boxes = np.concatenate([xy, xy + np.floor(rng.uniform(2, 20,
                                                              (m, 2)))], 1)
        gts.append(dict(bboxes=boxes, labels=rng.integers(0, num_classes, m),
                        difficult=rng.random(m) < 0.25))
        # jittered copies of the boxes (duplicates likely) and random ones
        copies = boxes[rng.integers(0, max(m, 1), 2 * m)] if m else \
            np.zeros((0, 4))
        copies = copies + np.floor(rng.uniform(-3, 4, copies.shape))
        copies[:, 2:] = np.maximum(copies[:, 2:], copies[:, :2])
        xy = np.floor(rng.uniform(0, 40, (3, 2)))
        extra = np.concatenate([xy, xy + 8], 1)
        dets = np.concatenate([copies, extra])
        preds.append(dict(bboxes=dets,
                          scores=rng.integers(0, 5, len(dets)) / 4.0,
                          labels=rng.integers(0, num_classes, len(dets))))
    for mode in ('area', '11points'):
        for offset in (0, 1):
            for thr in (0.3, 0.5, 0.7):
                ours = voc_detection_map(preds, gts, num_classes, thr, mode,
                                         offset)
                for c in range(num_classes):
                    ref = devkit_ap(preds, gts, c, thr, mode, offset)
                    if np.isnan(ref):
                        assert np.isnan(ours[c])
                    else:
                        assert ours[c] == pytest.approx(ref, abs=1e-12)


# -------------------------------------------------------------------- metric


def _sample(pred, gt, **gt_extra):
    sample = dict(
        pred_instances=InstanceData(
            bboxes=torch.tensor(pred['bboxes']).float(),
            scores=torch.tensor(pred['scores']).float(),
            labels=torch.tensor(pred['labels'])).to_dict(),
        gt_instances=InstanceData(
            bboxes=torch.tensor(gt['bboxes']).float(),
            labels=torch.tensor(gt['labels']),
            **{k: torch.tensor(v) for k, v in gt_extra.items()}).to_dict())
    return sample


# image 0: class 0 box A, class 1 box B (difficult); image 1: class 1 box A
# class 0: found -> AP 1; class 1: FP (.95), B (ignored if difficult), A:
# difficult B: P [0, 1/2] at R [0, 1] -> 1/2; else P [0, 1/2, 2/3] at
# R [0, 1/2, 1] -> 2/3
PREDS = [_pred((0, A, .9), (1, B, .8)), _pred((1, FAR, .95), (1, A, .7))]
GTS = [_gt((0, A), (1, B)), _gt((1, A))]


@pytest.mark.parametrize('flag', ['difficult', 'ignore_flags'])
def test_metric_reports_map(flag):
    metric = VOCBoxMAP(num_classes=2, class_names=['a', 'b'])
    metric.process({}, [
        _sample(PREDS[0], GTS[0], **{flag: [False, True]}),
        _sample(PREDS[1], GTS[1]),
    ])
    metrics = metric.compute_metrics(metric.results)
    assert metrics == {'mAP@0.5': pytest.approx(0.75),
                       'mAP': pytest.approx(0.75)}


def test_metric_without_flags_thresholds_and_prefix():
    with DefaultScope.overwrite_default_scope('fsat'):
        metric = METRICS.build(
            dict(type='VOCBoxMAP', num_classes=2, iou_thr=[0.5, 0.95],
                 ap_mode='11points'))
    metric.process({}, [_sample(p, g) for p, g in zip(PREDS, GTS)])
    # exact boxes match at both thresholds; 11 points: class 1 best
    # precision 2/3 at every level -> (1 + 2/3) / 2
    assert metric.evaluate(2) == {
        'voc/mAP@0.5': pytest.approx(5 / 6),
        'voc/mAP@0.95': pytest.approx(5 / 6),
        'voc/mAP': pytest.approx(5 / 6),
    }


def test_metric_reads_mmdet_ignored_instances_and_data_elements():
    metric = VOCBoxMAP(num_classes=2)
    gt0 = _gt((0, A))
    sample = _sample(PREDS[0], gt0)
    sample['ignored_instances'] = InstanceData(
        bboxes=torch.tensor([B]).float(), labels=torch.tensor([1]))
    sample['pred_instances'] = InstanceData(**{
        k: torch.as_tensor(v) for k, v in sample['pred_instances'].items()})
    metric.process({}, [sample, _sample(PREDS[1], GTS[1])])
    assert metric.compute_metrics(metric.results)['mAP'] == pytest.approx(
        0.75)


@pytest.mark.parametrize('edit,message', [
    (lambda s: s.pop('gt_instances'), 'needs pred_instances and gt_inst'),
    (lambda s: s['pred_instances'].pop('scores'),
     "pred_instances has no 'scores'"),
    (lambda s: s['gt_instances'].update(bboxes=torch.zeros(1, 5)),
     r'gt_instances.bboxes must be \[N, 4\]'),
    (lambda s: s['pred_instances'].update(labels=torch.zeros(3)),
     'pred_instances.labels has 3 values for 2 boxes'),
    (lambda s: s['gt_instances'].update(
        difficult=torch.zeros(5, dtype=torch.bool)),
     'gt_instances.difficult has 5 values for 2 boxes'),
])
def test_metric_malformed_samples_are_errors(edit, message):
    sample = _sample(PREDS[0], GTS[0])
    edit(sample)
    with pytest.raises(ValueError, match=message):
        VOCBoxMAP(num_classes=2).process({}, [sample])


def test_metric_bad_settings_and_labels_are_errors():
    with pytest.raises(ValueError, match='iou_thr'):
        VOCBoxMAP(num_classes=2, iou_thr=1.5)
    with pytest.raises(ValueError, match='ap_mode'):
        VOCBoxMAP(num_classes=2, ap_mode='voc07')
    with pytest.raises(ValueError, match='1 class_names'):
        VOCBoxMAP(num_classes=2, class_names=['a'])
    metric = VOCBoxMAP(num_classes=1)
    metric.process({}, [_sample(PREDS[0], GTS[0])])
    with pytest.raises(ValueError, match='label 1 is outside 0..0'):
        metric.compute_metrics(metric.results)


# two frames, one actor each (class 0 in the first, 1 in the second),
# boxed perfectly and classified right, the first more confidently
CHANCE_PREDS = [_pred((0, A, 0.9)), _pred((1, B, 0.8))]
CHANCE_GTS = [_gt((0, A)), _gt((1, B))]


def test_relabelling_renames_each_images_classes():
    same, swap = [0, 1], [1, 0]
    mean = {}
    for m1 in (same, swap):
        for m2 in (same, swap):
            preds = relabel_detections(CHANCE_PREDS, np.array([m1, m2]))
            assert preds[0]['scores'] is CHANCE_PREDS[0]['scores']
            mean[m1[0], m2[0]] = np.nanmean(
                voc_detection_map(preds, CHANCE_GTS, 2))
    # by hand: both right 1; both wrong 0; only the second wrong: class 0
    # holds a hit (0.9) then a false positive (0.8), AP 1, class 1 none;
    # only the first wrong: class 1 holds a false positive (0.9) then a
    # hit (0.8), AP 0.5, class 0 none
    assert mean == {(0, 0): 1.0, (1, 1): 0.0, (0, 1): 0.5, (1, 0): 0.25}
    with pytest.raises(ValueError, match='for 2 images'):
        relabel_detections(CHANCE_PREDS, np.zeros((3, 2), int))
    with pytest.raises(ValueError, match='outside 0..0'):
        relabel_detections(CHANCE_PREDS, np.zeros((2, 1), int))


def test_label_chance_is_the_mean_over_random_relabellings():
    calls = []
    aps = label_chance_map(CHANCE_PREDS, CHANCE_GTS, 2, draws=400, seed=3,
                           progress=lambda: calls.append(1))
    assert aps.shape == (400, 2) and len(calls) == 400
    per_draw = np.nanmean(aps, axis=1)
    # each draw is one of the four hand-computed cases, all of them drawn
    assert set(np.round(per_draw, 6)) == {0.0, 0.25, 0.5, 1.0}
    # expectation (1 + 0 + 0.5 + 0.25) / 4; 400 draws: std of the mean
    # about 0.019
    assert abs(per_draw.mean() - 0.4375) < 0.08
    again = label_chance_map(CHANCE_PREDS, CHANCE_GTS, 2, draws=400, seed=3)
    np.testing.assert_array_equal(aps, again)
    # a single class cannot be renamed: chance equals the real AP
    one = label_chance_map([_pred((0, A, 0.9))], [_gt((0, A))], 1, draws=3)
    np.testing.assert_array_equal(one, np.ones((3, 1)))
    with pytest.raises(ValueError, match='draws=0'):
        label_chance_map(CHANCE_PREDS, CHANCE_GTS, 2, draws=0)


def test_class_agnostic_ap_merges_the_classes():
    assert class_agnostic_ap(CHANCE_PREDS, CHANCE_GTS) == 1.0
    # a miss scored first, then the two actors (one with the wrong class):
    # precision 1/2 at recall 1/2 and 2/3 at recall 1, envelope 2/3
    preds = [_pred((1, FAR, 0.95), (0, A, 0.9)), _pred((0, B, 0.8))]
    assert np.isclose(class_agnostic_ap(preds, CHANCE_GTS), 2 / 3)
    assert np.isclose(class_agnostic_ap(preds, CHANCE_GTS,
                                        ap_mode='11points'), 2 / 3)
    # by class, the same detections find class 0 only
    assert np.isclose(np.nanmean(voc_detection_map(preds, CHANCE_GTS, 2)),
                      0.5)
