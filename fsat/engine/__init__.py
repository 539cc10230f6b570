# Copyright (c) fsat contributors. All rights reserved.
"""MMEngine glue: the device-agnostic DDP wrapper, the launch helper, the
local checkpoint loader, the teacher-feature cache, weight,
training-set-size and channels-last hooks,
training loops that receive the next batch during the current step, and
exact, crash-safe resumption, and the validation curve that chooses a
run's length."""
from .checkpoint import load_local_checkpoint
from .hooks import (
                    PretrainedWeightsHook,
                    TeacherFeatureCacheHook,
                    TrainSetSizeHook,
)
from .launch import check_nproc, find_free_port, init_dist
from .loops import (
                    BackgroundIterator,
                    PrefetchEpochBasedTrainLoop,
                    PrefetchIterBasedTrainLoop,
)
from .memory_format import ChannelsLastHook, to_channels_last
from .model_wrappers import DeviceAgnosticDDP
from .resume import (
                    CheckpointHook,
                    capture_rng_state,
                    checkpoint_is_complete,
                    find_resume_checkpoint,
                    restore_rng_state,
)
from .selection import ValidationCurveHook, best_point, read_curve
from .weights import adapt_conv_input, load_prefixed_weights

__all__ = [
    'BackgroundIterator', 'PrefetchEpochBasedTrainLoop',
    'PrefetchIterBasedTrainLoop', 'CheckpointHook', 'DeviceAgnosticDDP',
    'PretrainedWeightsHook', 'TeacherFeatureCacheHook', 'TrainSetSizeHook',
    'adapt_conv_input', 'check_nproc', 'find_free_port', 'init_dist',
    'load_local_checkpoint', 'load_prefixed_weights', 'capture_rng_state',
    'checkpoint_is_complete', 'find_resume_checkpoint', 'restore_rng_state',
    'ValidationCurveHook', 'best_point', 'read_curve', 'ChannelsLastHook',
    'to_channels_last'
]
