# Copyright (c) fsat contributors. All rights reserved.
"""Config loading and runner construction shared by the tools."""
import logging
import os
import os.path as osp
import sys
from typing import Any, Optional

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import fsat.engine  # DeviceAgnosticDDP, init_dist, checkpoint loader
from fsat.datasets.subsets import check_disjoint_subsets
from fsat.utils import config_paths
from fsat.utils.cli import FsatUserError
from fsat.utils.config_check import (
    check_cfg_option_keys,
    check_cfg_option_value,
    check_config_types,
)

DDP_WRAPPER = 'DeviceAgnosticDDP'
#: Top-level fields that, set by ``--cfg-options``, move every path below
#: their old value (see :func:`merge_cfg_options`).
DATA_ROOT_FIELDS = ('data_root', 'ann_file')
#: What a ``config=`` value inside a model names a config file by.
CONFIG_EXTS = ('.py', '.json', '.yaml', '.yml')

# ``fsat::`` (and any ``<package>::``) bases resolve without pkg_resources
config_paths.install()


def load_config(path: str,
                cfg_options: Optional[dict] = None,
                check_types: bool = True) -> Config:
    """Read a config file the way every fsat tool does.

    * a missing file or a syntax error is one clear line;
    * the current directory is importable, so ``custom_imports`` finds a
      package next to where the tool is run (as ``python -m`` would);
    * ``path`` and ``_base_`` entries may name installed configs:
      ``'fsat::a/b.py'`` (:mod:`fsat.utils.config_paths`);
    * ``--cfg-options`` are merged (:func:`merge_cfg_options`): a key that
      names no field of the config is an error unless it starts with ``+``,
      and ``data_root=<folder>`` re-points every dataset of the config;
    * config files named inside the model (a teacher's or a stream's
      ``config=``) are resolved against the config's folder
      (:func:`resolve_config_references`); those given in ``cfg_options``
      are read as given (relative to the working directory);
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
    if config_paths.SEP in path and not osp.exists(path):
        # an installed config, e.g. tools/train.py fsat::finetune/x.py
        path = config_paths.package_config_path(path)
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
    # before the options: a path given on the command line (or in a
    # pipeline's cfg_options) is relative to the working directory
    resolve_config_references(cfg, osp.dirname(osp.abspath(path)))
    if cfg_options:
        merge_cfg_options(cfg, cfg_options, path)
    cfg.setdefault('default_scope', 'fsat')
    if check_types:
        check_config_types(cfg, path)
    try:  # validation videos must not be trained on
        check_disjoint_subsets(cfg, path)
    except ValueError as e:
        raise FsatUserError(str(e)) from None
    return cfg


def merge_cfg_options(cfg: Config, options: dict, filename: str) -> None:
    """Merge ``--cfg-options`` into ``cfg``, refusing unknown keys.

    * every key must name an existing field (``train_cfg.max_iters``,
      ``model.backbone.depth``, ``param_scheduler.0.T_max``); a mistyped one
      is a one-line error with the closest existing keys. A key written
      ``+a.b`` adds ``a.b`` on purpose (the ``+`` is dropped). Fields the
      MMEngine runner reads (``custom_hooks``, ``randomness``, ...) may be
      set where the config has none;
    * ``data_root=<folder>``: every string of the config that is the old
      ``data_root`` or a path below it is moved below ``<folder>``, so the
      datasets (which copied ``data_root`` when the file was read) follow;
      the same for ``ann_file`` (the configs that read one annotation file,
      e.g. mmaction2's skeleton pickle, have no ``data_root``).

    Args:
        cfg (Config): The config; modified in place.
        options (dict): Key (dotted path) -> value.
        filename (str): The config file, for messages.
    """
    plain = {}
    data = cfg.to_dict()
    for key, value in options.items():
        key = str(key)
        if key.startswith('+'):
            key = key[1:]
            if not all(key.split('.')):
                raise FsatUserError(f'{filename}: --cfg-options key '
                                    f'{"+" + key!r} has an empty part')
        else:
            check_cfg_option_keys(data, key, filename)
        check_cfg_option_value(key, value, filename)
        plain[key] = value
    old_roots = {key: cfg.get(key) for key in DATA_ROOT_FIELDS}
    try:
        cfg.merge_from_dict(plain)
    except (TypeError, KeyError, ValueError) as e:  # a dict below a list
        raise FsatUserError(f'{filename}: --cfg-options: {e}') from None
    for field, old in old_roots.items():
        new = cfg.get(field)
        if (field in plain and isinstance(old, str) and old
                and isinstance(new, str) and new != old):
            for key, value in list(cfg.items()):
                if key != field:
                    cfg[key] = _rebase(value, old, new)


def _rebase(node: Any, old: str, new: str) -> Any:
    """``node`` with strings ``old`` / ``old/...`` moved to ``new``."""
    if isinstance(node, str):
        if node == old:
            return new
        if node.startswith(old.rstrip('/') + '/'):
            return new.rstrip('/') + node[len(old.rstrip('/')):]
        return node
    if isinstance(node, dict):
        for key in list(node.keys()):
            node[key] = _rebase(node[key], old, new)
        return node
    if isinstance(node, list):
        return [_rebase(v, old, new) for v in node]
    if isinstance(node, tuple):
        return tuple(_rebase(v, old, new) for v in node)
    return node


def resolve_config_references(cfg: Config, config_dir: str) -> None:
    """Make every ``config=`` path inside ``cfg.model`` usable from anywhere.

    A teacher's or a late-fusion stream's ``config`` names another config
    file: ``'<package>::<path>'``, an absolute path, or a path relative to
    ``config_dir`` (the folder of the config being loaded). A relative path
    that exists only relative to the working directory (how fsat read such
    paths before) still works, with a warning. Files meant to be inherited
    should write ``'{{ fileDirname }}/...'``, which MMEngine expands in the
    file that holds it (fsat's shipped configs do).

    Args:
        cfg (Config): The loaded config; modified in place.
        config_dir (str): Folder of the config file.
    """

    def visit(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f'{where}.{key}'
                if key == 'config' and isinstance(value, str) and (
                        value.endswith(CONFIG_EXTS) or '::' in value):
                    resolved = config_paths.resolve_config_reference(
                        value, config_dir)
                    if resolved == value and not (osp.isabs(value)
                                                  or '::' in value):
                        print_log(
                            f'{here}={value!r} is read relative to the '
                            f'working directory; write it relative to the '
                            f'config file ({config_dir}) instead',
                            logger='current',
                            level=logging.WARNING)
                    node[key] = resolved
                else:
                    visit(value, here)
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                visit(value, f'{where}.{i}')

    if isinstance(cfg.get('model'), dict):
        visit(cfg.model, 'model')


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
