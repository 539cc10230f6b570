# Copyright (c) fsat contributors. All rights reserved.
"""Per-sample clip counts recorded by the multimodal data preprocessor.

A video modality's batch is ``[N, num_clips, C, T, H, W]`` when every
sample has the same number of clips, or ``[1, K, C, T, H, W]`` with
``K = sum(counts)`` when they differ (see
:class:`~fsat.models.data_preprocessors.PairedDataPreprocessor`). Either
way a recognizer flattens the first two axes, so its per-clip features are
``[K, ...]`` rows in sample order, and ``counts[i]`` rows belong to sample
``i``. These helpers turn such rows back into per-sample values.
"""
from typing import List, Optional, Sequence

import torch

__all__ = ['CLIP_COUNTS_KEY', 'get_clip_counts', 'mean_per_sample',
           'split_per_sample']

#: Metainfo key of each data sample: ``dict(modality -> num_clips)``.
CLIP_COUNTS_KEY = 'clip_counts'


def get_clip_counts(data_samples: Optional[Sequence],
                    modality: str,
                    num_rows: Optional[int] = None) -> List[int]:
    """Number of clips (rows) of each sample for ``modality``.

    Args:
        data_samples (list[ActionDataSample]): The batch's samples, as the
            data preprocessor returned them.
        modality (str): The modality, e.g. ``'rgb'``.
        num_rows (int, optional): Rows of the per-clip tensor; without
            recorded counts they are split evenly over the samples.

    Returns:
        list[int]: One count per sample.
    """
    if not data_samples:
        raise ValueError('clip counts need the data samples of the batch')
    counts = [
        s.metainfo.get(CLIP_COUNTS_KEY, {}).get(modality)
        for s in data_samples
    ]
    if all(c is not None for c in counts):
        return [int(c) for c in counts]
    if num_rows is None or num_rows % len(data_samples):
        raise ValueError(
            f'the data samples carry no {CLIP_COUNTS_KEY!r} for modality '
            f'{modality!r}; was the batch made by '
            'PairedDataPreprocessor?')
    return [num_rows // len(data_samples)] * len(data_samples)


def split_per_sample(rows: torch.Tensor,
                     counts: Sequence[int]) -> List[torch.Tensor]:
    """``[K, ...]`` -> one ``[counts[i], ...]`` tensor per sample."""
    if rows.shape[0] != sum(counts):
        raise ValueError(f'{rows.shape[0]} rows but the clip counts '
                         f'{list(counts)} add up to {sum(counts)}')
    return list(torch.split(rows, list(counts), dim=0))


def mean_per_sample(rows: torch.Tensor,
                    counts: Sequence[int]) -> torch.Tensor:
    """Average the rows of each sample: ``[K, ...] -> [N, ...]``.

    FSAT's video-level feature ``F^video = 1/N_i sum_j F_j^clip`` (paper
    Eq. 3) when ``rows`` are the per-clip features of whole videos.
    """
    counts = list(counts)
    if len(set(counts)) == 1:  # one reshape, no Python loop
        if rows.shape[0] != sum(counts):
            raise ValueError(f'{rows.shape[0]} rows but the clip counts '
                             f'add up to {sum(counts)}')
        return rows.reshape(len(counts), counts[0], *rows.shape[1:]).mean(1)
    return torch.stack([r.mean(0) for r in split_per_sample(rows, counts)])
