# Copyright (c) fsat contributors. All rights reserved.
"""Where the configs a config names are: ``fsat::...`` and relative paths.

Two rules, documented in ``docs/get_started.md`` ("Using fsat from your own
repository"):

* ``'<package>::<path>'`` names a config installed with a package, e.g.
  ``_base_ = ['fsat::finetune/depth_r3d18_synth.py']`` or
  ``'mmaction::_base_/default_runtime.py'``. fsat's configs are found in
  ``fsat/.mim/configs`` (copied there when a wheel is built, see
  ``setup.py``) or, in a source checkout (``pip install -e .``), in the
  checkout's ``configs/``.
* a relative path naming another config file (a teacher's ``config=``,
  a fusion stream's ``config=``) is relative to the config file that is
  loaded, not to the working directory.

Why not MMEngine's own ``pkg::`` support: MMEngine 0.10.7 only knows the
OpenMMLab packages listed in ``mmengine.config.utils.MODULE2PACKAGE`` and
locates them through ``pkg_resources``, which setuptools >= 81 no longer
ships (``mmaction::`` then fails with ``No module named 'pkg_resources'``).
Its lookup also misses PEP 660 editable installs, whose package directory is
not under ``site-packages``. :func:`install` therefore replaces
``Config._get_cfg_path`` (the one place MMEngine resolves a ``_base_``
entry) by a version that finds any importable package with
:mod:`importlib` and keeps MMEngine's behaviour for local paths.
"""
import importlib.util
import os
import os.path as osp
from typing import List, Optional, Tuple

from fsat.utils.cli import FsatUserError, did_you_mean

#: Separator of a package-qualified config path (``fsat::a/b.py``).
SEP = '::'
#: Scope and package name of fsat's own configs.
FSAT = 'fsat'

_original_get_cfg_path = None


def config_root(package: str = FSAT) -> str:
    """The folder holding ``package``'s installed configs.

    Args:
        package (str): An importable package name, e.g. ``'fsat'`` or
            ``'mmaction'``. Defaults to ``'fsat'``.

    Returns:
        str: ``<package dir>/.mim/configs``, or, for fsat run from a source
        checkout, the checkout's ``configs/``.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FsatUserError(
            f'{package!r} is not an installed package, so configs named '
            f"'{package}{SEP}...' cannot be found")
    package_dir = osp.dirname(spec.origin)
    installed = osp.join(package_dir, '.mim', 'configs')
    if osp.isdir(installed):
        return installed
    if package == FSAT:
        checkout = osp.join(osp.dirname(package_dir), 'configs')
        if osp.isfile(osp.join(checkout, '_base_', 'default_runtime.py')):
            return checkout
    raise FsatUserError(
        f'{package!r} ships no configs (no {installed}); reinstall it')


def _available(root: str) -> List[str]:
    names = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith('.py'):
                names.append(
                    osp.relpath(osp.join(folder, name), root).replace(
                        os.sep, '/'))
    return names


def package_config_path(ref: str, referrer: Optional[str] = None) -> str:
    """The file named by ``'<package>::<path>'``.

    Args:
        ref (str): E.g. ``'fsat::distill/flow2depth_v2c.py'``.
        referrer (str, optional): The config naming it, for messages.

    Returns:
        str: The absolute path of the config file.
    """
    package, _, rel = ref.partition(SEP)
    where = f'{referrer}: ' if referrer else ''
    if not package or not rel or SEP in rel:
        raise FsatUserError(
            f"{where}{ref!r} is not '<package>{SEP}<path of a config>'")
    try:
        root = config_root(package)
    except FsatUserError as e:
        raise FsatUserError(f'{where}{e}') from None
    path = osp.join(root, rel)
    if not osp.isfile(path):
        raise FsatUserError(
            f'{where}{ref!r}: {package} has no config {rel!r} (in {root}).' +
            did_you_mean(rel, _available(root)))
    return path


def _get_cfg_path(cfg_path: str, filename: str) -> Tuple[str, Optional[str]]:
    """``Config._get_cfg_path`` with :func:`package_config_path`.

    The second value is the scope MMEngine writes as ``_scope_`` into every
    dict with a ``type`` that the base defines. fsat's configs get none:
    fsat's tools make ``'fsat'`` the default scope, whose registries also
    hold every mmaction2 and MMEngine type, and a ``_scope_`` key would
    reach functions built from a ``type`` as an argument (MMEngine passes
    the keys of ``collate_fn`` to the function).
    """
    if SEP in cfg_path:
        package = cfg_path.partition(SEP)[0]
        return (package_config_path(cfg_path, filename),
                None if package == FSAT else package)
    return _original_get_cfg_path(cfg_path, filename)


def install() -> None:
    """Make MMEngine's ``Config`` resolve ``pkg::`` bases as above.

    Idempotent; done when :mod:`fsat.registry` or :mod:`fsat.apis` is
    imported, so every fsat tool and ``fsat.apis.load_config`` have it.
    """
    global _original_get_cfg_path
    from mmengine.config import Config
    if _original_get_cfg_path is not None:
        return
    _original_get_cfg_path = Config._get_cfg_path
    Config._get_cfg_path = staticmethod(_get_cfg_path)


def resolve_config_reference(path: str, config_dir: Optional[str]) -> str:
    """Where a config reference inside a config points.

    Args:
        path (str): ``'<package>::<path>'``, an absolute path, or a path
            relative to ``config_dir``.
        config_dir (str, optional): Folder of the config file that holds the
            reference; None resolves against the working directory.

    Returns:
        str: The path to open. A relative path that does not exist next to
        the config but does in the working directory (how fsat read such
        paths before) is returned as it is.
    """
    if SEP in path:
        return package_config_path(path)
    path = osp.expanduser(path)
    if osp.isabs(path):
        return osp.normpath(path)
    if config_dir is None:
        return path
    beside = osp.normpath(osp.join(config_dir, path))
    if not osp.exists(beside) and osp.exists(path):
        return path
    return beside
