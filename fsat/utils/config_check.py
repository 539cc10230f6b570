# Copyright (c) fsat contributors. All rights reserved.
"""Static checks of a config before anything is built or launched."""
from typing import Any, Iterator, Set, Tuple

import mmengine.registry as mmengine_registry
from mmengine.registry import Registry

from fsat.utils.cli import FsatUserError, did_you_mean


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
    for path, type_name in _iter_types(data, ''):
        if not _is_registered(type_name, names):
            raise FsatUserError(
                f'{filename}: {path}={type_name!r} is not a registered type.'
                + did_you_mean(type_name, names) +
                ' Register it, or import its module with custom_imports.')
