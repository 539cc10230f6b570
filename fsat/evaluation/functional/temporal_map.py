# Copyright (c) fsat contributors. All rights reserved.
"""Average precision of temporal action detections (ActivityNet protocol).

For one class and one temporal IoU threshold:

1. detections of the class from all videos are sorted by score, highest
   first; equal scores keep their input order (stable sort), so results do
   not depend on the sorting algorithm;
2. each detection is matched against the ground-truth instances of the same
   video and class, taken in decreasing tIoU; it is a true positive at the
   first one with ``tIoU >= threshold`` that no earlier detection matched,
   else a false positive (a duplicate of a matched instance is a false
   positive);
3. precision and recall follow the ranked list, recall over the number of
   ground-truth instances of the class;
4. AP is the area under the interpolated precision-recall curve: precision
   is made monotonically non-increasing from the right, and summed over the
   recall steps (VOC 2010+ / ActivityNet all-point interpolation).

Classes without ground truth have no defined AP: they are reported as NaN
and left out of the mean (their detections cannot change any other class).
Confidence values of the PKU-MMD labels are not used for matching.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

Segment = Tuple[float, float]


def temporal_iou(segment: Sequence[float],
                 candidates: np.ndarray) -> np.ndarray:
    """tIoU of one ``[start, end]`` segment with ``candidates`` [K, 2]."""
    candidates = np.asarray(candidates, dtype=np.float64).reshape(-1, 2)
    start = np.maximum(segment[0], candidates[:, 0])
    end = np.minimum(segment[1], candidates[:, 1])
    inter = np.clip(end - start, 0, None)
    union = ((segment[1] - segment[0]) +
             (candidates[:, 1] - candidates[:, 0]) - inter)
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """Area under the all-point interpolated precision-recall curve."""
    mprec = np.concatenate([[0.0], precision, [0.0]])
    mrec = np.concatenate([[0.0], recall, [1.0]])
    for i in range(len(mprec) - 2, -1, -1):
        mprec[i] = max(mprec[i], mprec[i + 1])
    steps = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[steps] - mrec[steps - 1]) * mprec[steps]))


def average_precision(detections: List[Tuple[str, float, float, float]],
                      ground_truth: Dict[str, np.ndarray],
                      threshold: float) -> float:
    """AP of one class at one tIoU threshold.

    Args:
        detections (list): ``(video_id, start, end, score)`` of the class.
        ground_truth (dict): ``video_id -> [K, 2]`` instances of the class.
        threshold (float): tIoU needed for a match.

    Returns:
        float: The AP, or NaN when the class has no ground truth.
    """
    num_gt = sum(len(v) for v in ground_truth.values())
    if num_gt == 0:
        return float('nan')
    if not detections:
        return 0.0
    scores = np.array([d[3] for d in detections], dtype=np.float64)
    order = np.argsort(-scores, kind='stable')
    matched = {vid: np.zeros(len(g), dtype=bool)
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
            if not matched[video_id][j]:
                matched[video_id][j] = True
                tp[rank] = 1
                break
    tp_cum = np.cumsum(tp)
    precision = tp_cum / np.arange(1, len(tp) + 1)
    recall = tp_cum / num_gt
    return interpolated_ap(precision, recall)


def temporal_detection_map(predictions: Dict[str, Sequence],
                           ground_truths: Dict[str, Sequence],
                           num_classes: int,
                           thresholds: Sequence[float] = (0.5, )
                           ) -> Dict[float, np.ndarray]:
    """Per-class AP at each tIoU threshold.

    Args:
        predictions (dict): ``video_id -> [(label, start, end, score), ...]``.
        ground_truths (dict): ``video_id -> [(label, start, end), ...]``.
            Videos without predictions count their instances as missed.
        num_classes (int): Labels are ``0..num_classes-1``.
        thresholds (Sequence[float]): tIoU thresholds.

    Returns:
        dict: ``threshold -> float array [num_classes]`` (NaN for classes
        without ground truth). ``np.nanmean`` of a row is the mAP.
    """
    per_class_gt: List[Dict[str, np.ndarray]] = [
        dict() for _ in range(num_classes)
    ]
    for video_id, instances in ground_truths.items():
        for label, start, end in instances:
            _check_label(label, num_classes, video_id)
            per_class_gt[int(label)].setdefault(video_id, []).append(
                (start, end))
    per_class_gt = [{k: np.asarray(v, dtype=np.float64)
                     for k, v in g.items()} for g in per_class_gt]
    per_class_det: List[list] = [[] for _ in range(num_classes)]
    for video_id, dets in predictions.items():
        for label, start, end, score in dets:
            _check_label(label, num_classes, video_id)
            per_class_det[int(label)].append((video_id, start, end, score))
    return {
        thr: np.array([
            average_precision(per_class_det[c], per_class_gt[c], thr)
            for c in range(num_classes)
        ])
        for thr in thresholds
    }


def _check_label(label: int, num_classes: int, video_id: str) -> None:
    if not 0 <= int(label) < num_classes:
        raise ValueError(f'{video_id}: label {label} is outside '
                         f'0..{num_classes - 1}')


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
