# Copyright (c) fsat contributors. All rights reserved.
"""High-level APIs: config loading, runner building, pipelines (see
:mod:`fsat.apis.pipeline`), streamed temporal detection and inference with
a trained student (:mod:`fsat.apis.inference`)."""
from .checks import (
                     DatasetClassesCheckHook,
                     check_checkpoint_matches,
                     check_config_path,
                     check_dataset_classes,
                     check_required_fields,
                     check_runner,
)
from .detection import detect_video, video_buffers
from .inference import inference_student, init_student
from .runner import (
                     build_runner,
                     default_work_dir,
                     load_config,
                     require_file,
                     setup_launcher,
)

__all__ = [
    'DatasetClassesCheckHook', 'build_runner', 'check_checkpoint_matches',
    'check_config_path', 'check_dataset_classes', 'check_required_fields',
    'check_runner', 'default_work_dir', 'detect_video', 'inference_student',
    'init_student', 'load_config', 'require_file', 'setup_launcher',
    'video_buffers'
]
