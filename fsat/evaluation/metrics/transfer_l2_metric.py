# Copyright (c) fsat contributors. All rights reserved.
"""The held-out error of supervision transfer (a model's predictions
carry it; see :class:`~fsat.models.SupervisionTransferDistiller`)."""
from typing import Dict, Sequence

from mmengine.evaluator import BaseMetric

from fsat.registry import METRICS

__all__ = ['TransferL2Metric']


@METRICS.register_module()
class TransferL2Metric(BaseMetric):
    """Held-out supervision-transfer error of
    :class:`SupervisionTransferDistiller` predictions.

    Reports, over the evaluated images: ``l2``, the mean per-image
    ``sum_{C,H,W} (t(s) - phi)^2`` (the training loss with
    ``reduction='sum'``); ``mse``, the same per element (``reduction=
    'mean'``); ``rel_l2``, ``sum l2 / sum ||phi||^2`` (0 is a perfect
    match, 1 is what a student predicting zeros gets).

    Args:
        collect_device (str): Device for collecting results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to
            ``'transfer'``.
    """

    default_prefix = 'transfer'
    KEYS = ('transfer_l2', 'target_sq_norm', 'num_elements')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each prediction's three numbers."""
        for sample in data_samples:
            missing = [k for k in self.KEYS if k not in sample]
            if missing:
                raise KeyError(
                    f'TransferL2Metric: a prediction has no '
                    f'{", ".join(missing)}; the model must be a '
                    'SupervisionTransferDistiller')
            self.results.append(tuple(float(sample[k]) for k in self.KEYS))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``l2``, ``mse`` and ``rel_l2`` over all results."""
        if not results:
            raise ValueError('TransferL2Metric: no predictions to evaluate')
        l2 = sum(r[0] for r in results)
        norm = sum(r[1] for r in results)
        elements = sum(r[2] for r in results)
        return dict(l2=l2 / len(results), mse=l2 / elements,
                    rel_l2=l2 / norm if norm > 0 else float('inf'))
