# Copyright (c) fsat contributors. All rights reserved.
"""Pack a temporal-detection buffer into model inputs and a data sample."""
from typing import Dict, Sequence

import numpy as np
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform, to_tensor
from mmengine.structures import InstanceData

from fsat.registry import TRANSFORMS

#: Buffer-level keys put in the data sample's metainfo by default.
DETECTION_META_KEYS = ('video_id', 'buffer_start', 'buffer_len',
                       'frame_interval', 'num_input_frames',
                       'num_valid_input_frames', 'total_frames')


def _segments(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float32).reshape(-1, 2)


def _labels(value) -> np.ndarray:
    return np.asarray(value, dtype=np.int64).reshape(-1)


@TRANSFORMS.register_module()
class PackDetectionInputs(BaseTransform):
    """Pack a detection buffer like mmaction2's ``PackActionInputs``.

    Output: ``dict(inputs=torch.Tensor, data_samples=ActionDataSample)``.
    ``inputs`` is the pipeline's ``imgs``, ``[1, C, T, H, W]`` after
    mmaction2's ``FormatShape('NCTHW')``. The data sample holds

    * ``gt_instances``: ``InstanceData(segments=float32 [N, 2], labels=
      int64 [N])`` from ``gt_segments`` / ``gt_labels`` (input frames
      relative to the buffer start; empty when the results have none);
    * the metainfo ``meta_keys`` found in the results (by default
      ``video_id``, ``buffer_start``, ``buffer_len``, ``frame_interval``,
      ``num_input_frames``, ``num_valid_input_frames``, ``total_frames``);
    * the metainfo ``video_gt = dict(segments=np.ndarray float32 [M, 2],
      labels=np.ndarray int64 [M])`` from ``video_segments`` /
      ``video_labels``: every instance of the whole video in original
      frames, for evaluation (absent when the results have none).

    Required keys: ``imgs``. Optional keys: ``gt_segments``, ``gt_labels``,
    ``video_segments``, ``video_labels`` and the ``meta_keys``.

    Args:
        meta_keys (Sequence[str]): Metainfo keys. Defaults to
            :data:`DETECTION_META_KEYS`.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = DETECTION_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack the inputs and the data sample."""
        if 'imgs' not in results:
            raise KeyError('PackDetectionInputs needs the "imgs" of the '
                           'pipeline; end it with e.g. FormatShape('
                           "input_format='NCTHW')")
        segments = _segments(results.get('gt_segments', ()))
        labels = _labels(results.get('gt_labels', ()))
        if len(segments) != len(labels):
            raise ValueError(f'{len(segments)} gt_segments but '
                             f'{len(labels)} gt_labels')
        data_sample = ActionDataSample()
        data_sample.gt_instances = InstanceData(
            segments=to_tensor(segments), labels=to_tensor(labels))
        meta = {key: results[key] for key in self.meta_keys
                if key in results}
        if 'video_segments' in results:
            meta['video_gt'] = dict(
                segments=_segments(results['video_segments']),
                labels=_labels(results.get('video_labels', ())))
        data_sample.set_metainfo(meta)
        return dict(
            inputs=to_tensor(results['imgs']), data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
