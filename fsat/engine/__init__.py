# Copyright (c) fsat contributors. All rights reserved.
"""MMEngine glue: the device-agnostic DDP wrapper, the launch helper and the
local checkpoint loader."""
from .checkpoint import load_local_checkpoint
from .launch import check_nproc, find_free_port, init_dist
from .model_wrappers import DeviceAgnosticDDP

__all__ = [
    'DeviceAgnosticDDP', 'check_nproc', 'find_free_port', 'init_dist',
    'load_local_checkpoint'
]
