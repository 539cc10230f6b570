# Copyright (c) fsat contributors. All rights reserved.
"""High-level APIs: config loading, runner building (and, later, pipelines)."""
from .runner import (
                     build_runner,
                     default_work_dir,
                     load_config,
                     require_file,
                     setup_launcher,
)

__all__ = [
    'build_runner', 'default_work_dir', 'load_config', 'require_file',
    'setup_launcher'
]
