# Copyright (c) fsat contributors. All rights reserved.
"""Streamed temporal detection of a long video, buffer by buffer.

A video is cut into overlapping buffers by the test-mode dataset (e.g.
:class:`fsat.datasets.PKUMMDDetectionDataset`); the detector sees one
buffer at a time, so memory does not grow with the video's length. The
detections of all buffers are put together in frames of the whole video
and merged by class-wise NMS (overlapping buffers find the same instance
twice).
"""
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.utils import ProgressBar

from fsat.evaluation.functional import merge_detections

__all__ = ['detect_video', 'video_buffers']


def video_buffers(dataset, video_id: str) -> List[int]:
    """Indices of ``dataset``'s items (buffers) of one video, in order."""
    indices = [
        i for i in range(len(dataset))
        if dataset.get_data_info(i)['video_id'] == video_id
    ]
    if not indices:
        known = sorted({dataset.get_data_info(i)['video_id']
                        for i in range(len(dataset))})
        raise KeyError(f'video {video_id!r} is not in the dataset '
                       f'({len(known)} videos, e.g. {known[:5]})')
    return indices


@torch.no_grad()
def detect_video(model,
                 dataset,
                 video_id: str,
                 merge_iou: Optional[float] = 0.3,
                 progress: bool = True) -> Dict[str, np.ndarray]:
    """Detect the actions of one video, one buffer at a time.

    Args:
        model: A detector in eval mode whose ``test_step`` returns data
            samples with ``pred_instances`` in frames of the whole video
            (e.g. :class:`fsat.models.RC3D`).
        dataset: A test-mode dataset giving the video's buffers.
        video_id (str): The video.
        merge_iou (float, optional): Class-wise NMS threshold over all
            buffers' detections; None keeps every detection. Defaults to
            0.3.
        progress (bool): Show a progress bar over the buffers. Defaults
            to True.

    Returns:
        dict: ``segments`` [D, 2] (frames, exclusive end), ``scores`` [D],
        ``labels`` [D], ``buffers`` (how many were run), best first.
    """
    indices = video_buffers(dataset, video_id)
    bar = ProgressBar(len(indices)) if progress else None
    detections = []
    for index in indices:
        sample = model.test_step(pseudo_collate([dataset[index]]))[0]
        pred = sample.pred_instances
        detections += [
            (int(label), float(s), float(e), float(score))
            for (s, e), score, label in zip(pred.segments.tolist(),
                                            pred.scores.tolist(),
                                            pred.labels.tolist())
        ]
        del sample, pred
        if bar is not None:
            bar.update()
    if merge_iou is not None:
        detections = merge_detections(detections, merge_iou)
    detections.sort(key=lambda d: -d[3])
    return dict(
        segments=np.array([d[1:3] for d in detections],
                          dtype=np.float32).reshape(-1, 2),
        scores=np.array([d[3] for d in detections], dtype=np.float32),
        labels=np.array([d[0] for d in detections], dtype=np.int64),
        buffers=len(indices))
