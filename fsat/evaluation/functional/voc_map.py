# Copyright (c) fsat contributors. All rights reserved.
"""PASCAL VOC average precision of 2-D box detections, in numpy.

The official VOC devkit is MATLAB (``VOCevaldet.m``) and mmdet, whose
``eval_map`` ports it, is not part of fsat's environment, so the protocol
is written here from the devkit's rules. Per class, over the detections of
the class from all images and the ground-truth boxes of the class (a
detection only meets boxes of its own image):

1. detections are ranked by score, highest first; equal scores keep the
   given order (a stable sort: images in the order given, each image's
   detections in their order). The devkit sorts with MATLAB's stable
   ``sort``; py-faster-rcnn's ``voc_eval.py`` uses numpy's unstable
   default sort, whose order of ties is not defined;
2. each detection, down the ranking, is matched (``matching='voc'``, the
   devkit's rule, default) to the ground-truth box of highest IoU in its
   image, difficult and already matched boxes included (equal IoUs: the
   box listed first). If that IoU is ``>= iou_thr``: a difficult box makes
   the detection *ignored* (neither true nor false positive); a box not
   yet matched makes it a true positive and the box matched; a box
   already matched makes it a false positive (a duplicate), even when
   another free box overlaps it enough. Otherwise it is a false positive.
   ``matching='unmatched'`` instead takes the free, non-difficult box of
   highest IoU; if none reaches ``iou_thr`` the detection is ignored when
   a difficult box does, else a false positive (the ``'activitynet'``
   rule of :mod:`fsat.evaluation.functional.temporal_map`, with difficult
   boxes);
3. ignored detections are dropped; precision and recall after every rank,
   recall over the number of *non-difficult* boxes of the class;
4. AP, ``ap_mode='area'`` (VOC2010 and later, default): the area under
   the precision-recall curve with precision made non-increasing from the
   right; ``ap_mode='11points'`` (VOC2007): the mean over recall levels
   ``t = 0, 0.1, ..., 1`` of the best precision at recall ``>= t`` (0 if
   none). The levels are ``k / 10`` rounded to the nearest double:
   py-faster-rcnn and mmdet use ``np.arange(0, 1.1, 0.1)``, whose
   ``0.30000000000000004``, ``0.6000000000000001`` and
   ``0.7000000000000001`` miss a recall of exactly 3/10, 6/10 or 7/10.

IoU is ``intersection / union`` with continuous coordinates
(``pixel_offset=0``, default, widths ``x2 - x1``), or with the devkit's
inclusive pixel indices (``pixel_offset=1``, widths ``x2 - x1 + 1``,
as the devkit and py-faster-rcnn compute it); use 1 to reproduce
published VOC numbers from 1-based integer boxes.

**Classes without ground truth** (no non-difficult box: nothing to
recall) have no AP: NaN, left out of the mean, as in mmdet's ``eval_map``
(the devkit divides by zero there). A class with ground truth and no
(non-ignored) detection has AP 0. **Bad input** (wrong shapes, a
non-finite value, a box with ``x2 < x1`` or ``y2 < y1``, a label outside
``0..num_classes-1``) is a ``ValueError`` naming the image.
"""
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

AP_MODES = ('area', '11points')
MATCHINGS = ('voc', 'unmatched')


def check_ap_mode(ap_mode: str) -> str:
    """Return ``ap_mode`` if it is one of :data:`AP_MODES`, else raise."""
    if ap_mode not in AP_MODES:
        raise ValueError(f'ap_mode={ap_mode!r} is not one of '
                         f'{", ".join(map(repr, AP_MODES))}')
    return ap_mode


def check_matching(matching: str) -> str:
    """Return ``matching`` if it is one of :data:`MATCHINGS`, else raise."""
    if matching not in MATCHINGS:
        raise ValueError(f'matching={matching!r} is not one of '
                         f'{", ".join(map(repr, MATCHINGS))}')
    return matching


def _check_pixel_offset(pixel_offset: int) -> int:
    if pixel_offset not in (0, 1):
        raise ValueError(f'pixel_offset={pixel_offset!r} must be 0 '
                         '(continuous) or 1 (VOC devkit +1 convention)')
    return pixel_offset


def box_iou(boxes: np.ndarray, gts: np.ndarray,
            pixel_offset: int = 0) -> np.ndarray:
    """IoU of ``boxes`` [N, 4] with ``gts`` [M, 4] -> [N, M] (float64).

    ``pixel_offset`` 0: continuous coordinates; 1: the devkit's inclusive
    pixel indices. An empty union gives 0.
    """
    _check_pixel_offset(pixel_offset)
    a = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(gts, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    sides = np.clip(rb - lt + pixel_offset, 0, None)
    inter = sides[..., 0] * sides[..., 1]

    def area(x):
        return (np.clip(x[:, 2] - x[:, 0] + pixel_offset, 0, None) *
                np.clip(x[:, 3] - x[:, 1] + pixel_offset, 0, None))

    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def voc_ap(recall: np.ndarray, precision: np.ndarray,
           ap_mode: str = 'area') -> float:
    """AP from precision and recall after each rank (module docstring).

    Args:
        recall (np.ndarray): [N], non-decreasing.
        precision (np.ndarray): [N].
        ap_mode (str): ``'area'`` (VOC2010+) or ``'11points'`` (VOC2007).
            Defaults to ``'area'``.

    Returns:
        float: The AP (0 for no detections).
    """
    check_ap_mode(ap_mode)
    recall = np.asarray(recall, dtype=np.float64).reshape(-1)
    precision = np.asarray(precision, dtype=np.float64).reshape(-1)
    if recall.shape != precision.shape:
        raise ValueError(f'recall {recall.shape} and precision '
                         f'{precision.shape} differ in shape')
    if ap_mode == '11points':
        levels = np.arange(11) / 10
        return float(sum(precision[recall >= t].max(initial=0.0)
                         for t in levels) / 11)
    rec = np.concatenate([[0.0], recall, [1.0]])
    pre = np.concatenate([[0.0], precision, [0.0]])
    pre = np.maximum.accumulate(pre[::-1])[::-1]
    step = np.flatnonzero(rec[1:] != rec[:-1])
    return float(np.sum((rec[step + 1] - rec[step]) * pre[step + 1]))


def voc_average_precision(detections: Sequence[tuple],
                          ground_truth: Dict[int, np.ndarray],
                          difficult: Dict[int, np.ndarray],
                          iou_thr: float = 0.5,
                          ap_mode: str = 'area',
                          pixel_offset: int = 0,
                          matching: str = 'voc') -> float:
    """AP of one class.

    Args:
        detections (Sequence[tuple]): ``(image_index, box, score)`` of the
            class, ``box`` = ``(x1, y1, x2, y2)``, in the given order that
            breaks ties of equal scores.
        ground_truth (dict): ``image_index -> [M, 4]`` boxes of the class.
        difficult (dict): ``image_index -> [M]`` bool flags of those boxes
            (missing images: none difficult).
        iou_thr (float): IoU needed for a match, in ``(0, 1]``.
            Defaults to 0.5.
        ap_mode (str): ``'area'`` or ``'11points'``. Defaults to ``'area'``.
        pixel_offset (int): IoU convention, 0 or 1. Defaults to 0.
        matching (str): ``'voc'`` (devkit) or ``'unmatched'``.
            Defaults to ``'voc'``.

    Returns:
        float: The AP, or NaN when the class has no non-difficult box.
    """
    check_ap_mode(ap_mode)
    check_matching(matching)
    _check_pixel_offset(pixel_offset)
    _check_threshold(iou_thr)
    flags = {img: np.asarray(difficult.get(img, np.zeros(len(g))),
                             dtype=bool).reshape(-1)
             for img, g in ground_truth.items()}
    num_pos = sum(int((~f).sum()) for f in flags.values())
    if num_pos == 0:
        return float('nan')
    scores = np.array([d[2] for d in detections], dtype=np.float64)
    order = np.argsort(-scores, kind='stable')
    taken = {img: np.zeros(len(g), dtype=bool)
             for img, g in ground_truth.items()}
    outcome: List[int] = []  # 1 true positive, 0 false positive
    for i in order:
        img, box, _ = detections[i]
        gts = ground_truth.get(img)
        if gts is None or len(gts) == 0:
            outcome.append(0)
            continue
        ious = box_iou(np.asarray(box)[None], gts, pixel_offset)[0]
        hard, used = flags[img], taken[img]
        if matching == 'voc':
            j = int(np.argmax(ious))  # first of equal maxima
            if ious[j] < iou_thr:
                outcome.append(0)
            elif hard[j]:
                continue  # ignored
            elif not used[j]:
                used[j] = True
                outcome.append(1)
            else:
                outcome.append(0)  # duplicate
            continue
        free = np.where(~hard & ~used, ious, -1.0)
        j = int(np.argmax(free))
        if free[j] >= iou_thr:
            used[j] = True
            outcome.append(1)
        elif (hard & (ious >= iou_thr)).any():
            continue  # ignored
        else:
            outcome.append(0)
    if not outcome:
        return 0.0
    tp = np.cumsum(outcome)
    precision = tp / np.arange(1, len(tp) + 1)
    return voc_ap(tp / num_pos, precision, ap_mode)


def voc_detection_map(predictions: Sequence[dict],
                      ground_truths: Sequence[dict],
                      num_classes: int,
                      iou_thr: float = 0.5,
                      ap_mode: str = 'area',
                      pixel_offset: int = 0,
                      matching: str = 'voc') -> np.ndarray:
    """Per-class VOC AP over a set of images.

    Args:
        predictions (Sequence[dict]): One per image: ``bboxes`` [K, 4]
            ``(x1, y1, x2, y2)``, ``scores`` [K], ``labels`` [K]. Their order
            breaks ties of equal scores (module docstring).
        ground_truths (Sequence[dict]): One per image, same order:
            ``bboxes`` [M, 4], ``labels`` [M], optional ``difficult`` [M]
            (bool; difficult boxes are neither to be found nor counted
            against a detection).
        num_classes (int): Labels are ``0..num_classes-1``.
        iou_thr (float): IoU needed for a match, in ``(0, 1]``.
            Defaults to 0.5.
        ap_mode (str): ``'area'`` (VOC2010+) or ``'11points'`` (VOC2007).
            Defaults to ``'area'``.
        pixel_offset (int): 0: continuous coordinates; 1: the devkit's
            ``+1`` pixel convention. Defaults to 0.
        matching (str): ``'voc'`` (devkit) or ``'unmatched'``.
            Defaults to ``'voc'``.

    Returns:
        np.ndarray: [num_classes] AP (NaN for classes without non-difficult
        ground truth); ``np.nanmean`` of it is the mAP.
    """
    check_ap_mode(ap_mode)
    check_matching(matching)
    _check_pixel_offset(pixel_offset)
    _check_threshold(iou_thr)
    if len(predictions) != len(ground_truths):
        raise ValueError(f'{len(predictions)} predictions for '
                         f'{len(ground_truths)} ground truths: give one of '
                         'each per image')
    per_class_det: List[list] = [[] for _ in range(num_classes)]
    per_class_gt: List[Dict[int, np.ndarray]] = [
        dict() for _ in range(num_classes)
    ]
    per_class_hard: List[Dict[int, np.ndarray]] = [
        dict() for _ in range(num_classes)
    ]
    for img, (pred, gt) in enumerate(zip(predictions, ground_truths)):
        boxes, scores, labels = _read(pred, img, 'prediction', num_classes,
                                      with_scores=True)
        gt_boxes, _, gt_labels = _read(gt, img, 'ground truth', num_classes)
        hard = gt.get('difficult')
        hard = (np.zeros(len(gt_boxes), dtype=bool) if hard is None else
                np.asarray(hard).astype(bool).reshape(-1))
        if len(hard) != len(gt_boxes):
            raise ValueError(f'image {img}: {len(hard)} difficult flags for '
                             f'{len(gt_boxes)} ground-truth boxes')
        for box, score, label in zip(boxes, scores, labels):
            per_class_det[label].append((img, box, score))
        for c in np.unique(gt_labels):
            mask = gt_labels == c
            per_class_gt[c][img] = gt_boxes[mask]
            per_class_hard[c][img] = hard[mask]
    return np.array([
        voc_average_precision(per_class_det[c], per_class_gt[c],
                              per_class_hard[c], iou_thr, ap_mode,
                              pixel_offset, matching)
        for c in range(num_classes)
    ])


def relabel_detections(predictions: Sequence[dict],
                       mappings: np.ndarray) -> List[dict]:
    """The predictions with each image's class labels renamed.

    Args:
        predictions (Sequence[dict]): One per image, as for
            :func:`voc_detection_map`.
        mappings (np.ndarray): [num_images, num_classes] ints; image ``i``'s
            label ``c`` becomes ``mappings[i, c]``.

    Returns:
        list[dict]: Copies with ``labels`` replaced; boxes and scores are
        shared with the input.
    """
    mappings = np.asarray(mappings)
    if mappings.ndim != 2 or len(mappings) != len(predictions):
        raise ValueError(f'mappings of shape {mappings.shape} for '
                         f'{len(predictions)} images: give [num_images, '
                         'num_classes]')
    out = []
    for img, pred in enumerate(predictions):
        labels = np.asarray(pred['labels']).astype(np.int64).reshape(-1)
        if len(labels) and (labels.min() < 0
                            or labels.max() >= mappings.shape[1]):
            raise ValueError(f'image {img}: prediction label outside '
                             f'0..{mappings.shape[1] - 1}')
        out.append(dict(pred, labels=mappings[img][labels]))
    return out


def label_chance_map(predictions: Sequence[dict],
                     ground_truths: Sequence[dict],
                     num_classes: int,
                     draws: int = 100,
                     seed: int = 0,
                     progress: Optional[Callable[[], None]] = None,
                     **voc_kwargs) -> np.ndarray:
    """Per-class VOC AP of the detections with their classes made random.

    The chance level of *these* detections: every image's labels are
    renamed by its own random permutation of the classes, so the boxes,
    their scores and their order, and which boxes of an image share a
    class, are kept, and only the class's dependence on the image is
    lost. A detector that localised as well but could not tell the
    classes apart scores this on average; with one actor a frame, perfect
    boxes and balanced classes it is about ``1 / num_classes``, and less
    where the boxes miss.

    Args:
        predictions, ground_truths, num_classes: As for
            :func:`voc_detection_map`.
        draws (int): Random relabellings. Defaults to 100.
        seed (int): Seed of the permutations. Defaults to 0.
        progress (callable, optional): Called once per draw.
        **voc_kwargs: ``iou_thr``, ``ap_mode``, ``pixel_offset``,
            ``matching`` of :func:`voc_detection_map`.

    Returns:
        np.ndarray: [draws, num_classes] AP per draw (NaN as in
        :func:`voc_detection_map`).
    """
    if not isinstance(draws, int) or draws < 1:
        raise ValueError(f'draws={draws!r} must be a positive int')
    rng = np.random.default_rng(seed)
    out = np.empty((draws, num_classes))
    for d in range(draws):
        mappings = np.stack([
            rng.permutation(num_classes) for _ in range(len(predictions))
        ]) if len(predictions) else np.zeros((0, num_classes), np.int64)
        out[d] = voc_detection_map(
            relabel_detections(predictions, mappings), ground_truths,
            num_classes, **voc_kwargs)
        if progress is not None:
            progress()
    return out


def class_agnostic_ap(predictions: Sequence[dict],
                      ground_truths: Sequence[dict], **voc_kwargs) -> float:
    """VOC AP of the detections with every class merged into one.

    How well the boxes fit, whatever their class: the localisation part of
    a detector's mAP. Each image's boxes of several classes all count (a
    box repeated for several classes is a duplicate after its first
    match).

    Args:
        predictions, ground_truths: As for :func:`voc_detection_map`.
        **voc_kwargs: ``iou_thr``, ``ap_mode``, ``pixel_offset``,
            ``matching`` of :func:`voc_detection_map`.

    Returns:
        float: The AP (NaN without non-difficult ground truth).
    """
    def merged(items):
        return [dict(item, labels=np.zeros(len(np.asarray(
            item['labels']).reshape(-1)), np.int64)) for item in items]

    return float(voc_detection_map(merged(predictions),
                                   merged(ground_truths), 1,
                                   **voc_kwargs)[0])


def _read(item: dict, img: int, kind: str, num_classes: int,
          with_scores: bool = False) -> tuple:
    """Boxes [N, 4], scores [N] (or None) and labels [N] of one image."""
    keys = ('bboxes', 'scores', 'labels') if with_scores else ('bboxes',
                                                               'labels')
    missing = [k for k in keys if k not in item]
    if missing:
        raise ValueError(f'image {img}: {kind} has no {", ".join(missing)}')
    boxes = np.asarray(item['bboxes'], dtype=np.float64)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'image {img}: {kind} bboxes must be [N, 4], got '
                         f'shape {boxes.shape}')
    labels = np.asarray(item['labels']).reshape(-1)
    scores: Optional[np.ndarray] = None
    if with_scores:
        scores = np.asarray(item['scores'], dtype=np.float64).reshape(-1)
        if len(scores) != len(boxes):
            raise ValueError(f'image {img}: {kind} has {len(scores)} scores '
                             f'for {len(boxes)} boxes')
        if not np.isfinite(scores).all():
            raise ValueError(f'image {img}: {kind} has a score that is not '
                             'finite')
    if len(labels) != len(boxes):
        raise ValueError(f'image {img}: {kind} has {len(labels)} labels for '
                         f'{len(boxes)} boxes')
    if len(labels) and (labels.astype(np.int64) != labels).any():
        raise ValueError(f'image {img}: {kind} labels must be integers')
    labels = labels.astype(np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(f'image {img}: {kind} label {bad} is outside '
                         f'0..{num_classes - 1}')
    if not np.isfinite(boxes).all():
        raise ValueError(f'image {img}: {kind} has a box value that is not '
                         'finite')
    bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if bad.any():
        raise ValueError(f'image {img}: {kind} box '
                         f'{boxes[bad][0].tolist()} has x2 < x1 or y2 < y1')
    return boxes, scores, labels


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f'IoU threshold {threshold} is outside (0, 1]')
