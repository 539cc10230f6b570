# Copyright (c) fsat contributors. All rights reserved.
"""``shared_collate``: MMEngine's ``pseudo_collate`` with one shared-memory
block per batch.

A DataLoader worker hands every tensor of a batch to the main process
through its own shared-memory segment (a file descriptor sent over a
socket). With ``pseudo_collate``, the OpenMMLab default, a batch of 16 clips
is 16 segments. The main process receives them one by one while the model
waits. That is most of the ``data_time`` of fast CPU training steps.
``shared_collate`` gives exactly what ``pseudo_collate`` gives, lists of
per-sample tensors, dicts of such lists, data samples. But the tensors of
one list that share a shape and dtype are views of one stacked tensor, so
they cross the process boundary as a single segment.

Use it in a dataloader config::

    train_dataloader = dict(..., collate_fn=dict(type='fsat.shared_collate'))
"""
from typing import Any, Sequence

import torch
from mmengine.dataset import pseudo_collate

from fsat.registry import FUNCTIONS

__all__ = ['shared_collate']


def _pack(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pack(v) for k, v in value.items()}
    if isinstance(value, list) and len(value) > 1 and all(
            isinstance(v, torch.Tensor) for v in value):
        first = value[0]
        if all(v.shape == first.shape and v.dtype == first.dtype
               for v in value):
            return list(torch.stack(value).unbind(0))
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_pack(v) for v in value)
    return value


@FUNCTIONS.register_module()
def shared_collate(data_batch: Sequence) -> Any:
    """``pseudo_collate`` whose same-shaped tensor lists share one storage.

    Args:
        data_batch (Sequence): The samples of one batch.

    Returns:
        Any: The structure ``pseudo_collate`` returns, with equal values.
    """
    return _pack(pseudo_collate(data_batch))
