# Copyright (c) fsat contributors. All rights reserved.
"""Static checks of a config before anything is built or launched."""
from typing import Any, Iterator, Set, Tuple

import mmengine.registry as mmengine_registry
from mmengine.hooks import Hook
from mmengine.registry import Registry

from fsat.utils.cli import FsatUserError, did_you_mean, suggest


def _root_registries() -> Iterator[Registry]:
    for value in vars(mmengine_registry).values():
        if isinstance(value, Registry) and value.parent is None:
            yield value


def _walk_nodes(registry: Registry) -> Iterator[Registry]:
    yield registry
    for child in registry.children.values():
        yield from _walk_nodes(child)


def registered_names() -> Set[str]:
    """Every name registered in any registry node (fsat's imported first)."""
    import fsat.engine  # noqa: F401  registers into MMEngine's root nodes
    from fsat.registry import ALL_REGISTRIES
    for node in ALL_REGISTRIES:
        node.import_from_location()
    names: Set[str] = set()
    for root in _root_registries():
        for node in _walk_nodes(root):
            names.update(node.module_dict)
    return names


def _is_registered(type_name: str, names: Set[str]) -> bool:
    if type_name in names:
        return True
    if '.' in type_name:  # 'scope.Name' or a dotted import path
        return any(root.get(type_name) is not None
                   for root in _root_registries())
    return False


def _iter_types(node: Any, path: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        value = node.get('type')
        if isinstance(value, str):
            yield (f'{path}.type' if path else 'type'), value
        for key, child in node.items():
            if key != 'type':
                yield from _iter_types(child, f'{path}.{key}' if path else
                                       str(key))
    elif isinstance(node, (list, tuple)):
        for i, child in enumerate(node):
            yield from _iter_types(child, f'{path}[{i}]')


def check_config_types(cfg: Any, filename: str = 'the config') -> None:
    """Fail early, with one line, on a ``type`` no registry knows.

    Every dict with a string ``type`` in the config is checked against the
    names of all registry nodes (MMEngine's, mmaction2's, fsat's, and those
    of packages imported through ``custom_imports`` or plugins).

    Args:
        cfg (Config | dict): The config.
        filename (str): Config file named in the message.
    """
    names = registered_names()
    data = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    hooks = data.get('custom_hooks') or []
    for i, hook in enumerate(hooks if isinstance(hooks, list) else [hooks]):
        if not isinstance(hook, (dict, Hook)):  # MMEngine fails late
            raise FsatUserError(
                f'{filename}: custom_hooks.{i} is {_short(hook)}, not a dict '
                "with a 'type' (--cfg-options cannot write a dict: set "
                'custom_hooks in a config)')
    for path, type_name in _iter_types(data, ''):
        if not _is_registered(type_name, names):
            raise FsatUserError(
                f'{filename}: {path}={type_name!r} is not a registered type.'
                + did_you_mean(type_name, names) +
                ' Register it, or import its module with custom_imports.')


#: Top-level fields the MMEngine runner (and fsat's tools) read, which a
#: ``--cfg-options`` key may set although the config does not have them.
RUNNER_FIELDS = frozenset(
    ('model', 'work_dir', 'train_dataloader', 'val_dataloader',
     'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
     'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
     'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
     'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
     'visualizer', 'default_scope', 'randomness', 'experiment_name',
     'model_wrapper_cfg', 'compile', 'runner_type', 'custom_imports'))


def _dotted_keys(node: Any, prefix: str = '') -> Iterator[str]:
    if isinstance(node, dict):
        items = ((str(k), v) for k, v in node.items())
    elif isinstance(node, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        path = f'{prefix}.{key}' if prefix else key
        yield path
        yield from _dotted_keys(value, path)


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def check_cfg_option_value(key: str, value: Any,
                           filename: str = 'the config') -> None:
    """Fail with one line if a ``--cfg-options`` value is a dict as text.

    MMEngine's ``DictAction`` parses values into numbers, strings and
    lists only, so ``key=dict(type='X')`` or ``key=[dict(type='X')]``
    arrives as the string ``"dict(type='X')"``, on which the runner fails
    late, or never where any string passes. The pipelines' ``cfg_options``
    hold real dicts, which pass.

    Args:
        key (str): The dotted key, for the message.
        value: Its value.
        filename (str): Config file named in the message.
    """
    items = value if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(item, str) and item.lstrip().startswith('dict(')
           for item in items):
        raise FsatUserError(
            f'{filename}: --cfg-options {key}={_short(value, 60)}: a dict '
            'cannot be written on the command line (it stays the text '
            f'"dict(...)"); set its fields one by one ({key}.<field>=...), '
            'or write it in a config')


def check_cfg_option_keys(cfg: Any, key: str,
                          filename: str = 'the config') -> None:
    """Fail with one line if ``--cfg-options`` ``key`` names no field.

    ``key`` is a dotted path (``train_cfg.max_iters``), whose parts may be
    list indices (``param_scheduler.0.T_max``). Every part must exist, so a
    mistyped key is not silently added as a new field that nothing reads.
    A top-level field of :data:`RUNNER_FIELDS` the config lacks may be set
    (with anything below it); the last part may be ``_delete_``. New keys
    are added on purpose with a ``+`` prefix (handled by the caller).

    Args:
        cfg (Config | dict): The config before the options are merged.
        key (str): The option's key, without ``+``.
        filename (str): Config file named in the message.
    """
    if not isinstance(cfg, dict) and hasattr(cfg, 'to_dict'):
        cfg = cfg.to_dict()  # a Config; merge_cfg_options passes a dict
    parts = key.split('.')
    if any(not p for p in parts):
        raise FsatUserError(f'{filename}: --cfg-options key {key!r} has an '
                            'empty part')
    if parts[0] not in cfg and parts[0] in RUNNER_FIELDS:
        return
    node = cfg
    for depth, part in enumerate(parts):
        done = '.'.join(parts[:depth])
        if isinstance(node, dict):
            if part in node:
                node = node[part]
                continue
            if part == '_delete_' and depth == len(parts) - 1:
                return
            close = [
                f'{done}.{k}' if done else k
                for k in suggest(part, [str(k) for k in node])
            ]
        elif isinstance(node, (list, tuple)):
            if part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            raise FsatUserError(
                f'{filename}: --cfg-options {key}: {done} is a list of '
                f'{len(node)} item(s); {part!r} is not an index of it')
        else:
            raise FsatUserError(
                f'{filename}: --cfg-options {key}: {done} is '
                f'{_short(node)}, not a dict; set {done} itself')
        if not close:  # the right name at another place?
            close = sorted(k for k in _dotted_keys(cfg)
                           if k.rsplit('.', 1)[-1] == parts[-1])[:3]
        hint = (' Did you mean ' + ' or '.join(repr(c) for c in close) +
                '?') if close else ''
        raise FsatUserError(
            f'{filename}: --cfg-options {key}: the config has no field '
            f"{'.'.join(parts[:depth + 1])!r}.{hint} Write +{key}=... to "
            'add a new field on purpose.')
