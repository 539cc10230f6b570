# Copyright (c) fsat contributors. All rights reserved.
"""PASCAL VOC box mAP of 2-D detections as an MMEngine metric."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from terminaltables import AsciiTable

from fsat.evaluation.functional.voc_map import (
    check_ap_mode,
    check_matching,
    voc_detection_map,
)
from fsat.registry import METRICS


def _as_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _field(container, key: str, default=None):
    """``container[key]`` for a dict or an ``InstanceData``-like object."""
    if isinstance(container, dict):
        return container.get(key, default)
    return getattr(container, key, default)


@METRICS.register_module()
class VOCBoxMAP(BaseMetric):
    """Per-class AP and mAP of 2-D box detections, PASCAL VOC protocol.

    Each data sample (one image) carries ``pred_instances`` (``bboxes``
    [K, 4] ``(x1, y1, x2, y2)``, ``scores`` [K], ``labels`` [K]) and
    ``gt_instances`` (``bboxes`` [M, 4], ``labels`` [M], optionally
    ``difficult`` and/or ``ignore_flags`` [M], bool: such boxes are VOC's
    *difficult* ones, neither to be found nor counting against a
    detection). mmdet's ``ignored_instances`` (``bboxes``, ``labels``), when
    a sample has them, are added as difficult boxes. Boxes are compared
    in the coordinates given (no rescaling). The protocol is that of
    :mod:`fsat.evaluation.functional.voc_map`: VOC devkit matching by
    default, duplicates are false positives, classes without non-difficult
    ground truth are left out of the mean. Keys: ``<prefix>/mAP@<IoU>``
    per threshold and ``<prefix>/mAP`` (the mean over the thresholds, so
    the plain VOC mAP for the default single 0.5), e.g. ``voc/mAP``.

    Args:
        num_classes (int): Number of object classes (no background).
        iou_thr (float | Sequence[float]): IoU threshold(s) for a match.
            Defaults to 0.5.
        ap_mode (str): ``'area'`` (VOC2010+, default) or ``'11points'``
            (VOC2007, the mode of the VOC2007 test set literature).
        pixel_offset (int): 0 for continuous coordinates (default); 1 for
            the devkit's ``+1`` pixel convention (1-based integer boxes).
        matching (str): ``'voc'`` (devkit, default) or ``'unmatched'``
            (best free box; see the functional module).
        class_names (Sequence[str], optional): Names for the log table.
        collect_device (str): Device to gather results on. Defaults to
            ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'voc'``.
    """

    default_prefix = 'voc'

    def __init__(self,
                 num_classes: int,
                 iou_thr: Union[float, Sequence[float]] = 0.5,
                 ap_mode: str = 'area',
                 pixel_offset: int = 0,
                 matching: str = 'voc',
                 class_names: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f'VOCBoxMAP: num_classes={num_classes!r} must '
                             'be a positive int')
        thresholds = ((iou_thr, ) if isinstance(iou_thr, (int, float))
                      else tuple(iou_thr))
        if not thresholds or not all(0 < t <= 1 for t in thresholds):
            raise ValueError(f'VOCBoxMAP: iou_thr={iou_thr!r} must be one '
                             'or more thresholds in (0, 1]')
        if pixel_offset not in (0, 1):
            raise ValueError(f'VOCBoxMAP: pixel_offset={pixel_offset!r} '
                             'must be 0 or 1')
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f'VOCBoxMAP: {len(class_names)} class_names '
                             f'for num_classes={num_classes}')
        self.num_classes = num_classes
        self.iou_thrs = thresholds
        self.ap_mode = check_ap_mode(ap_mode)
        self.pixel_offset = pixel_offset
        self.matching = check_matching(matching)
        self.class_names = class_names

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's predictions and ground truth as numpy."""
        for sample in data_samples:
            where = f'VOCBoxMAP: data sample {len(self.results)}'
            pred = _field(sample, 'pred_instances')
            gt = _field(sample, 'gt_instances')
            if pred is None or gt is None:
                raise ValueError(f'{where} needs pred_instances and '
                                 'gt_instances')
            result = dict(pred=self._read(pred, where, 'pred_instances',
                                          ('bboxes', 'scores', 'labels')))
            gt_dict = self._read(gt, where, 'gt_instances',
                                 ('bboxes', 'labels'))
            hard = np.zeros(len(gt_dict['labels']), dtype=bool)
            for key in ('difficult', 'ignore_flags'):
                flags = _field(gt, key)
                if flags is None:
                    continue
                flags = _as_numpy(flags).astype(bool).reshape(-1)
                if len(flags) != len(hard):
                    raise ValueError(f'{where}: gt_instances.{key} has '
                                     f'{len(flags)} values for {len(hard)} '
                                     'boxes')
                hard |= flags
            ignored = _field(sample, 'ignored_instances')
            if ignored is not None and len(_field(ignored, 'labels', [])):
                extra = self._read(ignored, where, 'ignored_instances',
                                   ('bboxes', 'labels'))
                gt_dict = {
                    k: np.concatenate([gt_dict[k], extra[k]])
                    for k in ('bboxes', 'labels')
                }
                hard = np.concatenate(
                    [hard, np.ones(len(extra['labels']), dtype=bool)])
            gt_dict['difficult'] = hard
            result['gt'] = gt_dict
            self.results.append(result)

    @staticmethod
    def _read(instances, where: str, name: str,
              keys: Sequence[str]) -> Dict[str, np.ndarray]:
        out = {}
        for key in keys:
            value = _field(instances, key)
            if value is None:
                raise ValueError(f'{where}: {name} has no {key!r}')
            out[key] = _as_numpy(value)
        bboxes = out['bboxes']
        if bboxes.size == 0:
            bboxes = bboxes.reshape(0, 4)
        if bboxes.ndim != 2 or bboxes.shape[1] != 4:
            raise ValueError(f'{where}: {name}.bboxes must be [N, 4], got '
                             f'shape {bboxes.shape}')
        out['bboxes'] = bboxes.astype(np.float64)
        for key in keys[1:]:
            out[key] = out[key].reshape(-1)
            if len(out[key]) != len(bboxes):
                raise ValueError(f'{where}: {name}.{key} has '
                                 f'{len(out[key])} values for '
                                 f'{len(bboxes)} boxes')
        return out

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Per-class AP at each threshold (logged) and the mAP."""
        predictions = [r['pred'] for r in results]
        ground_truths = [r['gt'] for r in results]
        aps = {
            t: voc_detection_map(predictions, ground_truths,
                                 self.num_classes, t, self.ap_mode,
                                 self.pixel_offset, self.matching)
            for t in self.iou_thrs
        }
        num_gt = np.zeros(self.num_classes, dtype=np.int64)
        num_det = np.zeros(self.num_classes, dtype=np.int64)
        for gt, pred in zip(ground_truths, predictions):
            labels = gt['labels'].astype(np.int64)[~gt['difficult']]
            num_gt += np.bincount(labels, minlength=self.num_classes)
            num_det += np.bincount(pred['labels'].astype(np.int64),
                                   minlength=self.num_classes)
        self._log_table(aps, num_gt, num_det)
        means = {t: float(np.nanmean(a)) if np.isfinite(a).any() else
                 float('nan') for t, a in aps.items()}
        metrics = {f'mAP@{t:g}': v for t, v in means.items()}
        metrics['mAP'] = float(np.mean(list(means.values())))
        return metrics

    def _log_table(self, aps: Dict[float, np.ndarray], num_gt: np.ndarray,
                   num_det: np.ndarray) -> None:
        names = self.class_names or [str(i) for i in range(self.num_classes)]
        rows = [['class', 'gts', 'dets'] +
                [f'AP@{t:g} ({self.ap_mode})' for t in aps]]
        for c, name in enumerate(names):
            rows.append([name, int(num_gt[c]), int(num_det[c])] + [
                'n/a' if np.isnan(a[c]) else f'{100 * a[c]:.2f}'
                for a in aps.values()
            ])
        MMLogger.get_current_instance().info('\n' + AsciiTable(rows).table)
