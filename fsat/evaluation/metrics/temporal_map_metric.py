# Copyright (c) fsat contributors. All rights reserved.
"""Temporal action detection mAP as an MMEngine metric."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from terminaltables import AsciiTable

from fsat.evaluation.functional import (
    check_protocol,
    merge_detections,
    temporal_detection_map,
)
from fsat.registry import METRICS


def _as_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class TemporalDetectionMAP(BaseMetric):
    """Per-class AP and mAP of temporal detections at several tIoUs.

    Each data sample carries ``video_id`` (metainfo), ``pred_instances``
    (``segments`` [K, 2] in frames, ``scores`` [K], ``labels`` [K]) and
    ``gt_instances`` (``segments``, ``labels``). Two protocols, documented
    in :mod:`fsat.evaluation.functional.temporal_map`: ``'activitynet'``
    (one-to-one matching, duplicates are false positives, all-point
    interpolation) and ``'pku_mmd'`` (PKU-MMD's official ``evaluate.py``:
    each detection matched to its best instance, an instance counted once,
    PKU-MMD's AP sum); classes without ground truth are left out of the
    mean under both. Every key names its protocol:
    ``<prefix>/<protocol>/mAP@<tIoU>`` and ``<prefix>/<protocol>/mAP_avg``
    (the mean over the thresholds), e.g. ``tdet/pku_mmd/mAP@0.5``; list two
    metrics in the evaluator for both protocols. Samples of the same
    video (e.g. several buffers) are pooled: their predictions are put
    together (and, with ``merge_iou``, duplicates from overlapping buffers
    are merged by class-wise NMS); the ground truth is the ``video_gt``
    (``segments``, ``labels`` of the whole video) of the video's first
    sample when samples carry one, else the pooled ``gt_instances``.

    Args:
        num_classes (int): Number of action classes (no background).
        protocol (str): ``'activitynet'`` or ``'pku_mmd'``. Defaults to
            ``'activitynet'``; the PKU-MMD configs set ``'pku_mmd'`` so their
            numbers compare with the PKU-MMD literature.
        iou_thresholds (Sequence[float]): tIoU thresholds.
            Defaults to 0.1, 0.2, ..., 0.7.
        report_iou (float): Threshold of the per-class table in the log.
            Defaults to 0.5 (the PKU-MMD/FSAT number).
        class_names (Sequence[str], optional): Names for the table.
        merge_iou (float, optional): Class-wise NMS over a video's pooled
            predictions at this tIoU (the final NMS of streamed R-C3D
            inference). Defaults to None (no merging).
        collect_device (str): Device to gather results on. Defaults to
            ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'tdet'``.
    """

    default_prefix = 'tdet'

    def __init__(self,
                 num_classes: int,
                 protocol: str = 'activitynet',
                 iou_thresholds: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.5,
                                                    0.6, 0.7),
                 report_iou: float = 0.5,
                 class_names: Optional[Sequence[str]] = None,
                 merge_iou: Optional[float] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if report_iou not in iou_thresholds:
            raise ValueError(f'report_iou={report_iou} must be one of '
                             f'iou_thresholds={list(iou_thresholds)}')
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'{len(class_names)} class_names for '
                             f'num_classes={num_classes}')
        self.num_classes = num_classes
        self.protocol = check_protocol(protocol)
        self.iou_thresholds = tuple(iou_thresholds)
        self.report_iou = report_iou
        self.class_names = class_names
        self.merge_iou = merge_iou

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances']
            gt = sample.get('video_gt') or sample['gt_instances']
            pred_segments = _as_numpy(pred['segments']).reshape(-1, 2)
            gt_segments = _as_numpy(gt['segments']).reshape(-1, 2)
            self.results.append(
                dict(
                    video_id=sample['video_id'],
                    whole_video_gt='video_gt' in sample,
                    pred=[(int(label), float(s), float(e), float(score))
                          for (s, e), score, label in zip(
                              pred_segments, _as_numpy(pred['scores']),
                              _as_numpy(pred['labels']))],
                    gt=[(int(label), float(s), float(e))
                        for (s, e), label in zip(gt_segments,
                                                 _as_numpy(gt['labels']))]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        predictions, ground_truths = defaultdict(list), defaultdict(list)
        for item in results:
            vid = item['video_id']
            predictions[vid].extend(item['pred'])
            if not item.get('whole_video_gt'):
                ground_truths[vid].extend(item['gt'])
            elif vid not in ground_truths:
                ground_truths[vid] = list(item['gt'])
        if self.merge_iou is not None:
            predictions = {vid: merge_detections(dets, self.merge_iou)
                           for vid, dets in predictions.items()}
        aps = temporal_detection_map(predictions, ground_truths,
                                     self.num_classes, self.iou_thresholds,
                                     self.protocol)
        self._log_table(aps[self.report_iou])
        means = {t: float(np.nanmean(a)) if np.isfinite(a).any() else
                 float('nan') for t, a in aps.items()}
        metrics = {f'{self.protocol}/mAP@{t:g}': v for t, v in means.items()}
        metrics[f'{self.protocol}/mAP_avg'] = float(
            np.nanmean(list(means.values())))
        return metrics

    def _log_table(self, ap: np.ndarray) -> None:
        names = self.class_names or [str(i) for i in range(self.num_classes)]
        rows = [['class', f'AP@{self.report_iou:g} ({self.protocol})']]
        rows += [[n, 'n/a' if np.isnan(v) else f'{100 * v:.2f}']
                 for n, v in zip(names, ap)]
        MMLogger.get_current_instance().info(
            '\n' + AsciiTable(rows).table)
