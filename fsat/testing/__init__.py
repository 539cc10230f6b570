# Copyright (c) fsat contributors. All rights reserved.
"""Helpers for tests: toy models, toy data, tiny configs, tool runners."""
from .samples import REAL_SAMPLES_ENV, real_sample
from .tools import REPO_ROOT, last_line, repo_path, run_tool
from .toys import (
                   ToyClipBackbone,
                   ToyClipDataset,
                   toy_recognizer,
                   toy_train_config,
)

__all__ = [
    'REAL_SAMPLES_ENV', 'REPO_ROOT', 'ToyClipBackbone', 'ToyClipDataset',
    'last_line', 'real_sample', 'repo_path', 'run_tool', 'toy_recognizer',
    'toy_train_config'
]
