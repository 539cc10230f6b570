# Copyright (c) fsat contributors. All rights reserved.
"""Automatic import of third-party plugins declared as entry points.

A package that adds distillers, losses, datasets, ... to fsat declares, in
its ``pyproject.toml``::

    [project.entry-points."fsat.plugins"]
    my_plugin = "my_package"            # a module to import

When one of fsat's registries is searched for the first time, every such
module is imported, so its ``@MODELS.register_module()`` decorators run and
its types can be named in configs without ``custom_imports``. Set the
environment variable ``FSAT_DISABLE_PLUGINS=1`` to skip this (e.g. to debug a
broken plugin). A plugin that fails to import is reported with a warning that
names it, and the others still load.
"""
import logging
import os
from importlib.metadata import entry_points
from typing import Dict

from mmengine.logging import print_log

PLUGIN_GROUP = 'fsat.plugins'

# name -> 'loaded' or the error message; filled by the first load_plugins()
_STATE: Dict[str, str] = {}
_done = False


def _plugin_entry_points():
    eps = entry_points()
    if hasattr(eps, 'select'):  # Python >= 3.10
        return list(eps.select(group=PLUGIN_GROUP))
    return list(eps.get(PLUGIN_GROUP, []))  # pragma: no cover


def load_plugins(force: bool = False) -> Dict[str, str]:
    """Import the modules of all installed ``fsat.plugins`` entry points.

    Args:
        force (bool): Import again even if plugins were loaded before
            (newly installed distributions are then found as well).
            Defaults to False.

    Returns:
        dict: Entry-point name -> ``'loaded'`` or the import error message.
    """
    global _done
    if (_done and not force) or os.environ.get('FSAT_DISABLE_PLUGINS'):
        return dict(_STATE)
    _done = True
    for ep in _plugin_entry_points():
        try:
            ep.load()
        except Exception as e:  # a broken plugin must not break fsat
            dist = getattr(ep, 'dist', None)
            dist_name = f' (distribution {dist.name})' if dist else ''
            msg = f'{type(e).__name__}: {e}'
            _STATE[ep.name] = msg
            print_log(
                f'fsat plugin {ep.name!r} = {ep.value!r}{dist_name} failed '
                f'to import and is ignored: {msg}',
                logger='current',
                level=logging.WARNING)
        else:
            _STATE[ep.name] = 'loaded'
    return dict(_STATE)


def loaded_plugins() -> Dict[str, str]:
    """Return the state of every plugin seen so far (name -> state)."""
    return dict(_STATE)
