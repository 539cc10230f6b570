# Copyright (c) fsat contributors. All rights reserved.
"""Multi-stage experiment pipelines (see :mod:`.loading`)."""
from .loading import (
    DONE,
    PIPELINE_FIELDS,
    Pipeline,
    Run,
    Stage,
    check_configs,
    execute_run,
    load_pipeline,
    preflight,
    prepare_data,
    run_pipeline,
)
from .loading import _base_digests as _base_digests
from .loading import _last_checkpoint as _last_checkpoint
from .loading import _MetricsRecorder as _MetricsRecorder
from .loading import _read_done as _read_done
from .loading import _stop_train_workers as _stop_train_workers

__all__ = [
    'DONE', 'PIPELINE_FIELDS', 'Pipeline', 'Run', 'Stage', 'check_configs',
    'execute_run', 'load_pipeline', 'preflight', 'prepare_data',
    'run_pipeline'
]
