# Copyright (c) fsat contributors. All rights reserved.
"""Local checkpoint loading that works with MMEngine 0.10 on torch >= 2.6.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which
rejects what MMEngine stores besides the weights (the message hub's
``HistoryBuffer``, numpy arrays and dtypes). MMEngine 0.10.7 calls
``torch.load`` without the argument, so neither ``--resume`` nor
``tools/test.py`` could read a checkpoint the runner itself wrote. This
module replaces MMEngine's loader for local paths with one that passes
``weights_only=False``, as every torch before 2.6 did: like any OpenMMLab
checkpoint, a local checkpoint is a pickle, so load only files you trust.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(filename: str,
                          map_location: Optional[str] = None) -> dict:
    """Load a local checkpoint with its full training state.

    Args:
        filename (str): Path of the checkpoint.
        map_location (str, optional): As in :func:`torch.load`.

    Returns:
        dict: The checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(2, 'checkpoint not found', filename)
    return torch.load(filename, map_location=map_location, weights_only=False)
