# Copyright (c) fsat contributors. All rights reserved.
"""Helpers for tests: toy models, toy data, tiny configs, tool runners."""
from .distillers import (
    ToyPairDistiller,
    paired_batch,
    single_process_group,
    tiny_resnet3d,
    tiny_stgcn,
    toy_pair_distiller,
    trained_toy_distiller,
)
from .samples import REAL_SAMPLES_ENV, real_sample, small_smarthome_world
from .tools import (
    REPO_ROOT,
    last_line,
    loader_options,
    repo_path,
    run_logs,
    run_pipeline_config,
    run_tool,
    short_run_options,
)
from .toys import (
    ToyClipBackbone,
    ToyClipDataset,
    build_toy_model,
    toy_depth_rc3d,
    toy_detection_dataset,
    toy_rc3d,
    toy_recognizer,
    toy_stage_config,
    toy_train_config,
)

__all__ = [
    'REAL_SAMPLES_ENV', 'REPO_ROOT', 'ToyClipBackbone', 'ToyClipDataset',
    'build_toy_model', 'toy_depth_rc3d', 'toy_detection_dataset',
    'ToyPairDistiller', 'last_line', 'paired_batch', 'real_sample',
    'loader_options', 'repo_path', 'run_logs', 'run_pipeline_config',
    'small_smarthome_world',
    'run_tool', 'short_run_options', 'single_process_group', 'tiny_resnet3d',
    'tiny_stgcn', 'toy_pair_distiller', 'toy_rc3d', 'toy_recognizer',
    'toy_stage_config', 'toy_train_config', 'trained_toy_distiller'
]
