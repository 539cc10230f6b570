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

Small tensors (at most :data:`INLINE_BYTES`, such as the label of each
data sample) would still cost a segment each: in a DataLoader worker they
travel by value inside the pickle and arrive as ordinary tensors. For a
batch of 8 depth clips of the demo's fine-tuning config this took the
fetch of a ready batch from 4.4 to 2.2 ms on this machine
(``benchmarks/collate_ipc.py``).

Use it in a dataloader config::

    train_dataloader = dict(..., collate_fn=dict(type='fsat.shared_collate'))
"""
from typing import Any, Sequence

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.structures import BaseDataElement
from torch.utils.data import get_worker_info

from fsat.registry import FUNCTIONS

__all__ = ['shared_collate', 'INLINE_BYTES']

#: Tensors up to this size cross from a worker inside the pickle.
INLINE_BYTES = 16 * 1024


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> torch.Tensor:
    return torch.from_numpy(array).requires_grad_(requires_grad)


class _ByValue:
    """A small CPU tensor that unpickles as a tensor, copied by value
    instead of through a shared-memory segment."""

    __slots__ = ('array', 'requires_grad')

    def __init__(self, tensor: torch.Tensor) -> None:
        self.array = tensor.detach().numpy().copy()
        self.requires_grad = tensor.requires_grad

    def __reduce__(self):
        return _rebuild_tensor, (self.array, self.requires_grad)


def _small(value: Any) -> bool:
    return (type(value) is torch.Tensor and value.device.type == 'cpu'
            and value.dtype not in (torch.bfloat16, torch.complex32)
            and value.numel() * value.element_size() <= INLINE_BYTES)


def _inline(value: Any) -> Any:
    """Wrap the small tensors of ``value`` in :class:`_ByValue` (in place
    for data elements, which a worker built for this batch alone)."""
    if _small(value):
        return _ByValue(value)
    if isinstance(value, dict):
        return {k: _inline(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_inline(v) for v in value)
    if isinstance(value, BaseDataElement):
        for key in value.keys():  # data fields
            field = getattr(value, key)
            new = _inline(field)
            if new is not field:
                # past the field's type check: it is a tensor again once
                # it is unpickled in the main process
                object.__setattr__(value, key, new)
    return value


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
        Inside a DataLoader worker its small tensors are wrapped so that
        they cross to the main process by value (they are tensors there).
    """
    batch = _pack(pseudo_collate(data_batch))
    if get_worker_info() is not None:
        batch = _inline(batch)
    return batch
