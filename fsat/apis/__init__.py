# Copyright (c) fsat contributors. All rights reserved.
"""High-level APIs: config loading, runner building, pipelines (see
:mod:`fsat.apis.pipeline`) and streamed temporal detection."""
from .checks import (
                     DatasetClassesCheckHook,
                     check_checkpoint_matches,
                     check_dataset_classes,
                     check_required_fields,
)
from .detection import detect_video, video_buffers
from .runner import (
                     build_runner,
                     default_work_dir,
                     load_config,
                     require_file,
                     setup_launcher,
)

__all__ = [
    'DatasetClassesCheckHook', 'check_checkpoint_matches',
    'check_dataset_classes', 'check_required_fields', 'build_runner',
    'default_work_dir', 'detect_video', 'load_config',
    'require_file', 'setup_launcher', 'video_buffers'
]
