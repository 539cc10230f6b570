# Copyright (c) fsat contributors. All rights reserved.
"""Config loading and runner construction shared by the tools."""
import os
import os.path as osp
import sys
from typing import Optional

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import fsat.engine  # DeviceAgnosticDDP, init_dist, checkpoint loader
from fsat.datasets.subsets import check_disjoint_subsets
from fsat.utils.cli import FsatUserError
from fsat.utils.config_check import check_config_types

DDP_WRAPPER = 'DeviceAgnosticDDP'


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                check_types: bool = True) -> Config:
    """Read a config file the way every fsat tool does.

    * a missing file or a syntax error is one clear line;
    * the current directory is importable, so ``custom_imports`` finds a
      package next to where the tool is run (as ``python -m`` would);
    * ``--cfg-options`` are merged;
    * ``default_scope`` defaults to ``'fsat'``, so fsat and mmaction2 types
      both resolve in configs that do not inherit fsat's runtime;
    * every ``type`` is checked against the registries (``check_types``);
    * validation and test picks carved from the training videos must be
      disjoint from the training picks
      (:func:`fsat.datasets.subsets.check_disjoint_subsets`).

    Args:
        path (str): The config file.
        cfg_options (dict, optional): Overrides from ``--cfg-options``.
        check_types (bool): Whether to check every ``type`` name.
            Defaults to True.

    Returns:
        Config: The loaded config.
    """
    if not osp.isfile(path):
        raise FsatUserError(f'config file does not exist: {path}')
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as e:
        raise FsatUserError(f'{path}: syntax error at line {e.lineno}: '
                            f'{e.msg}') from e
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.setdefault('default_scope', 'fsat')
    if check_types:
        check_config_types(cfg, path)
    try:  # validation videos must not be trained on
        check_disjoint_subsets(cfg, path)
    except ValueError as e:
        raise FsatUserError(str(e)) from None
    return cfg


def default_work_dir(config_path: str) -> str:
    """``./work_dirs/<config name>``, as in mmaction2."""
    name = osp.splitext(osp.basename(config_path))[0]
    return osp.join('./work_dirs', name)


def require_file(path: str, what: str) -> str:
    """Return ``path`` if it is a file, else fail with one line."""
    if not osp.isfile(path):
        raise FsatUserError(f'{what} does not exist: {path}')
    return path


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` for ``launcher`` and start the process group.

    The model wrapper defaults to :class:`DeviceAgnosticDDP` (also when a
    config sets ``model_wrapper_cfg`` without a type), and the process group
    is initialised by :func:`fsat.engine.init_dist` before the runner exists,
    so that CPU-only machines use gloo and GPU nodes nccl.

    Args:
        cfg (Config): The config; modified in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    cfg.launcher = launcher
    wrapper = cfg.get('model_wrapper_cfg') or {}
    if 'type' not in wrapper:
        wrapper = dict(wrapper, type=DDP_WRAPPER)
    cfg.model_wrapper_cfg = wrapper
    if launcher != 'none':
        dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
        backend = fsat.engine.init_dist(launcher, **dist_cfg)
        print_log(f'process group initialised with {backend}',
                  logger='current')


def build_runner(cfg: Config) -> Runner:
    """Build the runner named by ``cfg.runner_type`` (default ``Runner``)."""
    if 'runner_type' in cfg:
        from fsat.registry import RUNNERS
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
