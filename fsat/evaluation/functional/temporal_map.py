# Copyright (c) fsat contributors. All rights reserved.
"""Average precision of temporal action detections, two protocols.

Both protocols work per class and per temporal IoU threshold ``t``
(``0 < t <= 1``), over the detections of the class from all videos and the
ground-truth instances of the class. A detection can only match an
instance of its own video. They differ in how detections are matched and
how the precision-recall curve is summed.

``protocol='activitynet'`` (ActivityNet's ``eval_detection.py``, the
protocol of mmaction2's ``average_precision_at_temporal_iou``):

1. detections are ranked by score, highest first;
2. one-to-one greedy matching down the ranking: a detection is a true
   positive at the instance of highest tIoU among the instances that no
   higher-ranked detection took (equal tIoUs: the instance listed first),
   if that tIoU is ``>= t``; otherwise it is a false positive (so a
   duplicate of a taken instance is a false positive, or matches another
   free instance with tIoU ``>= t``);
3. precision and recall after every rank; AP is the area under the
   all-point interpolated curve (precision made non-increasing from the
   right, summed over the recall steps; VOC 2010+).

``protocol='pku_mmd'`` (the ``match`` and ``ap`` functions of PKU-MMD's
official ``evaluate.py``, ECHO960/PKU-MMD):

1. every detection is matched on its own, independently of the ranking, to
   the instance of its video with the highest tIoU, if that is ``>= t``
   (equal tIoUs: the instance listed last); several detections may match
   one instance, and an instance that is only the second best of a
   detection stays unmatched;
2. the precision of the top ``n`` detections is the number of *distinct*
   instances they match over ``n``; recall is that number over the
   instances of the class;
3. AP walks the ranking from the bottom: starting from all ``N``
   detections (precision ``P_N``, recall ``R_N``), each matched detection
   is dropped in turn (the unmatched ones are dropped without evaluating
   the curve), and each drop adds ``best * (recall before - recall
   after)``, where ``best`` is the highest precision met so far, the state
   after the drop included. So precision is evaluated only where a matched
   detection is the lowest-ranked one kept, plus at ``N``: a false
   positive below the last true positive lowers AP (ActivityNet ignores
   it), while a duplicate there costs nothing.

Details both protocols fix (tested in tests/evaluation):

* **Equal scores.** ``activitynet``: the detection given first ranks
  higher (a stable descending sort). ActivityNet's and mmaction2's code
  rank by ``argsort(scores)[::-1]`` with numpy's default (unstable) sort,
  whose order of equal scores depends on the numpy build and the array
  length (with numpy 2.4 on this project's machine it is not the reversed
  input order for most arrays of 10 or more scores), so there is no
  reference order to follow. ``pku_mmd``: the
  reference sorts ascending with Python's stable sort and walks from the
  bottom, so the detection given *last* ranks higher; fsat does the same.
  "Given" order: videos in the order of ``predictions``, each video's
  detections in their list order.
* **Zero-length segments.** tIoU is intersection over union of the closed
  intervals; when the union has length 0 (two zero-length segments at the
  same point) the tIoU is 0, so a zero-length detection never matches and
  a zero-length instance is always missed (it still counts in recall).
  (mmaction2 computes 0/0 = NaN there, which its ``<`` test lets through:
  a zero-length detection on the same zero-length instance gets AP 1;
  PKU-MMD's script divides by zero.) PKU-MMD's overlap divides by
  the hull ``max(ends) - min(starts)`` instead of the union: the two agree
  whenever the segments intersect, and disjoint segments are below any
  threshold ``> 0`` under both, so the matches are the same.
* **Classes without ground truth** have no AP: NaN, left out of the mean
  (both protocols; PKU-MMD's script counts them as 0 in a mean over all 51
  labels, which changes nothing on its test splits, where every class has
  instances). A class with ground truth and no detection has AP 0.
* **Bad input** (an end before its start, a non-finite value, a threshold
  outside ``(0, 1]``, a label outside ``0..num_classes-1``) is a
  ``ValueError`` naming the video.

Why not mmaction2's ``average_precision_at_temporal_iou`` for
``activitynet``: it computes the same AP on detections without equal
scores or zero-length segments (tests/evaluation compares the two on
random cases), but its order of equal scores is undefined (above), an
empty union gives NaN and a match, and it accumulates in float32. fsat
reuses its ``interpolated_precision_recall`` for the area under the curve.
PKU-MMD's protocol is in no library; it is written here from the formulas
above. PKU-MMD labels' confidence values are not used by either protocol.
"""
import math
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmaction.evaluation.functional import interpolated_precision_recall

PROTOCOLS = ('activitynet', 'pku_mmd')

Detection = Tuple[str, float, float, float]


def check_protocol(protocol: str) -> str:
    """Return ``protocol`` if it is one of :data:`PROTOCOLS`, else raise."""
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol={protocol!r} is not one of '
                         f'{", ".join(map(repr, PROTOCOLS))}')
    return protocol


def temporal_iou(segment: Sequence[float],
                 candidates: np.ndarray) -> np.ndarray:
    """tIoU of one ``[start, end]`` segment with ``candidates`` [K, 2].

    An empty union (two zero-length segments at one point) gives 0.
    """
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    start = np.maximum(segment[0], candidates[:, 0])
    end = np.minimum(segment[1], candidates[:, 1])
    inter = np.clip(end - start, 0, None)
    union = ((segment[1] - segment[0]) +
             (candidates[:, 1] - candidates[:, 0]) - inter)
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """Area under the all-point interpolated precision-recall curve
    (mmaction2's ``interpolated_precision_recall``)."""
    return float(interpolated_precision_recall(
        np.asarray(precision, dtype=np.float64),
        np.asarray(recall, dtype=np.float64)))


def average_precision(detections: List[Detection],
                      ground_truth: Dict[str, np.ndarray],
                      threshold: float,
                      protocol: str = 'activitynet') -> float:
    """AP of one class at one tIoU threshold.

    Args:
        detections (list): ``(video_id, start, end, score)`` of the class,
            in the given order that breaks ties of equal scores.
        ground_truth (dict): ``video_id -> [K, 2]`` instances of the class.
        threshold (float): tIoU needed for a match, in ``(0, 1]``.
        protocol (str): ``'activitynet'`` or ``'pku_mmd'`` (module
            docstring). Defaults to ``'activitynet'``.

    Returns:
        float: The AP, or NaN when the class has no ground truth.
    """
    check_protocol(protocol)
    _check_threshold(threshold)
    num_gt = sum(len(v) for v in ground_truth.values())
    if num_gt == 0:
        return float('nan')
    if not detections:
        return 0.0
    if protocol == 'activitynet':
        return _activitynet_ap(detections, ground_truth, threshold, num_gt)
    return _pku_mmd_ap(detections, ground_truth, threshold, num_gt)


def _activitynet_ap(detections: List[Detection],
                    ground_truth: Dict[str, np.ndarray], threshold: float,
                    num_gt: int) -> float:
    scores = np.array([d[3] for d in detections], dtype=np.float64)
    order = np.argsort(-scores, kind='stable')  # ties: given first, first
    taken = {vid: np.zeros(len(g), dtype=bool)
             for vid, g in ground_truth.items()}
    tp = np.zeros(len(order))
    for rank, i in enumerate(order):
        video_id, start, end, _ = detections[i]
        gts = ground_truth.get(video_id)
        if gts is None or len(gts) == 0:
            continue
        ious = temporal_iou((start, end), gts)
        for j in np.argsort(-ious, kind='stable'):
            if ious[j] < threshold:
                break
            if not taken[video_id][j]:
                taken[video_id][j] = True
                tp[rank] = 1
                break
    tp_cum = np.cumsum(tp)
    precision = tp_cum / np.arange(1, len(tp) + 1)
    recall = tp_cum / num_gt
    return interpolated_ap(precision, recall)


def _pku_mmd_ap(detections: List[Detection],
                ground_truth: Dict[str, np.ndarray], threshold: float,
                num_gt: int) -> float:
    # rank: Python's stable ascending sort read from the bottom, so of
    # equal scores the one given last ranks higher
    ascending = sorted(range(len(detections)),
                       key=lambda i: detections[i][3])
    # each detection's own best instance (equal tIoU: the last listed)
    match: List[Tuple[str, int]] = []
    for i in ascending:
        video_id, start, end, _ = detections[i]
        gts = ground_truth.get(video_id)
        best = None
        if gts is not None and len(gts):
            ious = temporal_iou((start, end), gts)
            j = len(ious) - 1 - int(np.argmax(ious[::-1]))
            if ious[j] >= threshold:
                best = (video_id, j)
        match.append(best)
    hits: Dict[Tuple[str, int], int] = {}
    for m in match:
        if m is not None:
            hits[m] = hits.get(m, 0) + 1
    found = len(hits)  # distinct instances matched by the kept detections
    kept = len(detections)
    best_precision, recall = found / kept, found / num_gt
    ap = 0.0
    for m in match:  # drop the lowest-ranked detection
        kept -= 1
        if m is None:
            continue
        hits[m] -= 1
        if hits[m] == 0:
            found -= 1
        precision = found / kept if kept else 0.0
        new_recall = found / num_gt if kept else 0.0
        best_precision = max(best_precision, precision)
        ap += best_precision * (recall - new_recall)
        recall = new_recall
    return ap


def temporal_detection_map(predictions: Dict[str, Sequence],
                           ground_truths: Dict[str, Sequence],
                           num_classes: int,
                           thresholds: Sequence[float] = (0.5, ),
                           protocol: str = 'activitynet'
                           ) -> Dict[float, np.ndarray]:
    """Per-class AP at each tIoU threshold.

    Args:
        predictions (dict): ``video_id -> [(label, start, end, score), ...]``.
            Their order breaks ties of equal scores (module docstring).
        ground_truths (dict): ``video_id -> [(label, start, end), ...]``.
            Videos without predictions count their instances as missed.
        num_classes (int): Labels are ``0..num_classes-1``.
        thresholds (Sequence[float]): tIoU thresholds, each in ``(0, 1]``.
        protocol (str): ``'activitynet'`` or ``'pku_mmd'``. Defaults to
            ``'activitynet'``.

    Returns:
        dict: ``threshold -> float array [num_classes]`` (NaN for classes
        without ground truth). ``np.nanmean`` of a row is the mAP.
    """
    check_protocol(protocol)
    for thr in thresholds:
        _check_threshold(thr)
    per_class_gt: List[Dict[str, list]] = [
        dict() for _ in range(num_classes)
    ]
    for video_id, instances in ground_truths.items():
        for label, start, end in instances:
            _check_label(label, num_classes, video_id)
            _check_segment(video_id, 'ground truth', (label, start, end))
            per_class_gt[int(label)].setdefault(video_id, []).append(
                (start, end))
    gt_arrays = [{k: np.asarray(v, dtype=np.float64)
                  for k, v in g.items()} for g in per_class_gt]
    per_class_det: List[List[Detection]] = [[] for _ in range(num_classes)]
    for video_id, dets in predictions.items():
        for label, start, end, score in dets:
            _check_label(label, num_classes, video_id)
            _check_segment(video_id, 'detection',
                           (label, start, end, score))
            per_class_det[int(label)].append((video_id, start, end, score))
    return {
        thr: np.array([
            average_precision(per_class_det[c], gt_arrays[c], thr, protocol)
            for c in range(num_classes)
        ])
        for thr in thresholds
    }


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f'tIoU threshold {threshold} is outside (0, 1]')


def _check_label(label: int, num_classes: int, video_id: str) -> None:
    if not 0 <= int(label) < num_classes:
        raise ValueError(f'{video_id}: label {label} is outside '
                         f'0..{num_classes - 1}')


def _check_segment(video_id: str, kind: str, item: tuple) -> None:
    values = [float(v) for v in item[1:]]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f'{video_id}: {kind} {tuple(item)} has a value '
                         'that is not finite')
    if values[1] < values[0]:
        raise ValueError(f'{video_id}: {kind} {tuple(item)} ends before '
                         'it starts')


def merge_detections(detections: Sequence[Tuple[int, float, float, float]],
                     iou_threshold: float
                     ) -> List[Tuple[int, float, float, float]]:
    """Class-wise NMS of one video's pooled detections.

    Overlapping buffers of streamed inference detect the same instance more
    than once; of detections of one class whose tIoU exceeds
    ``iou_threshold``, only the best-scoring one is kept (equal scores: the
    earlier one).

    Args:
        detections (Sequence[tuple]): ``(label, start, end, score)``.
        iou_threshold (float): Overlap above which a detection is dropped.

    Returns:
        list[tuple]: The kept detections, best first per class, classes in
        increasing order.
    """
    import torch

    from fsat.models.ops import nms_1d
    by_class: Dict[int, List[Tuple[int, float, float, float]]] = {}
    for det in detections:
        by_class.setdefault(int(det[0]), []).append(det)
    kept = []
    for label in sorted(by_class):
        dets = by_class[label]
        segments = torch.tensor([[d[1], d[2]] for d in dets],
                                dtype=torch.float64)
        scores = torch.tensor([d[3] for d in dets], dtype=torch.float64)
        kept += [dets[i] for i in nms_1d(segments, scores,
                                         iou_threshold).tolist()]
    return kept
