#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Install what fsat needs, only if it is missing (used by ``make``).

Quiet and fast (standard library only, no imports of the packages) when
everything is already there. The pins:

* ``requirements/torch_cpu.txt`` (``torch==2.13.0``) is installed only when
  no torch is present. pip takes it from the local CPU wheel on our
  machines; an unpinned ``torch`` would pull a multi-GB CUDA build. A user's
  own (e.g. CUDA) torch is kept as it is, which is why the torch pin is not
  in ``requirements/mminstall.txt``.
* ``requirements/mminstall.txt``: ``mmengine==0.10.7``, ``mmaction2==1.1.0``
  and ``mmcv-lite==2.0.1`` (a full ``mmcv`` 2.0.x, e.g. with CUDA ops, is
  accepted instead).
* ``requirements/constraints.txt`` is passed with ``-c`` to every
  ``pip install`` this tool runs: it pins the versions of OpenCV, numpy,
  scipy and decord that the demo's results were made with. Constraints
  only bind what pip installs or upgrades; a package that is already
  installed is kept at its version, as torch is.
* Exactly one OpenCV: ``opencv-contrib-python-headless`` (contrib for
  ``cv2.optflow``, the TV-L1 flow; headless because fsat shows no window,
  and the GUI builds need Qt/X11 system libraries that servers and
  containers lack). mmengine 0.10.7 requires ``opencv-python`` and
  mmaction2 1.1.0 requires ``opencv-contrib-python`` (a full ``mmcv`` also
  requires ``opencv-python``), so installing them pulls two more OpenCV
  distributions. All of them write the same ``cv2`` package: which one's
  files are loaded depends on the install order, and uninstalling any one
  deletes files the others listed too. So after installing, every
  distribution that provides the top-level ``cv2`` package other than the
  kept one is found (from its ``top_level.txt`` or ``RECORD``), all of them
  are uninstalled, and the kept one is re-installed with
  ``--force-reinstall --no-deps``. The same happens when the kept one is
  the only one but a file its ``RECORD`` lists is missing or has another
  size (another build overwrote or deleted it). ``pip check`` then reports
  that mmengine and mmaction2 miss their OpenCV names; both only need
  ``import cv2``, which the kept distribution provides.
* fsat itself, installed in editable mode from this checkout.

Example:
    python tools/misc/ensure_deps.py            # install what is missing
    python tools/misc/ensure_deps.py --dry-run  # only print the pip commands
"""
import argparse
import csv
import importlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
from importlib.metadata import (
    PackageNotFoundError,
    distribution,
    distributions,
    version,
)
from typing import Callable, Iterable, List, Optional
from urllib.parse import unquote, urlparse

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONSTRAINTS = osp.join(ROOT, 'requirements', 'constraints.txt')
# the one distribution of the top-level ``cv2`` package fsat keeps
OPENCV = 'opencv-contrib-python-headless'


def _version(dist: str) -> Optional[str]:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _read(fname: str) -> List[str]:
    reqs = []
    with open(osp.join(ROOT, 'requirements', fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def _satisfied(req: str,
               version_of: Optional[Callable[[str], Optional[str]]] = None
               ) -> bool:
    """Exact pins (``name==x``) must match; bare names must be present.

    Only these two forms are used in ``requirements/*.txt``.
    """
    version_of = version_of or _version
    name, _, pinned = req.partition('==')
    if name == 'torch':  # any torch the user has is kept
        return version_of('torch') is not None
    if name == 'mmcv-lite':
        full = version_of('mmcv')
        if full is not None and full.startswith('2.0.'):
            return True
    have = version_of(name)
    return have is not None and (not pinned or have == pinned)


def _fsat_is_this_checkout() -> bool:
    try:
        dist = distribution('fsat')
    except PackageNotFoundError:
        return False
    try:
        info = json.loads(dist.read_text('direct_url.json') or '{}')
    except ValueError:
        return False
    url = info.get('url', '')
    if not (info.get('dir_info', {}).get('editable')
            and url.startswith('file://')):
        return False
    # the whole path: /check/work/main must not pass for /work/main
    path = unquote(urlparse(url).path)
    return osp.realpath(path) == osp.realpath(ROOT)


def _canonical(name: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r'[-_.]+', '-', name).lower()


def _record_paths(dist) -> List[List[str]]:
    """The rows (path, hash, size) of a distribution's ``RECORD``."""
    text = dist.read_text('RECORD') or ''
    return [row for row in csv.reader(text.splitlines()) if row]


def provides_cv2(dist) -> bool:
    """Whether a distribution writes the top-level ``cv2`` package.

    Args:
        dist: An ``importlib.metadata.Distribution`` (or anything with its
            ``read_text``).

    Returns:
        bool: True when its ``top_level.txt`` names ``cv2`` or its
        ``RECORD`` lists a file under ``cv2/``.
    """
    top_level = (dist.read_text('top_level.txt') or '').split()
    if 'cv2' in top_level:
        return True
    return any(row[0].replace('\\', '/').startswith('cv2/')
               for row in _record_paths(dist))


def cv2_providers(dists: Optional[Iterable] = None) -> List[str]:
    """The installed distributions that provide the top-level ``cv2``.

    Args:
        dists (Iterable, optional): Distributions to look at. Defaults to
            every installed one (``importlib.metadata.distributions()``).

    Returns:
        list[str]: Their canonical names, sorted, each once.
    """
    if dists is None:
        dists = distributions()
    names = set()
    for dist in dists:
        name = dist.metadata['Name']
        if name and provides_cv2(dist):
            names.add(_canonical(name))
    return sorted(names)


def files_intact(dist) -> bool:
    """Whether every file a distribution's ``RECORD`` sizes is as listed.

    Compiled ``__pycache__`` files are not compared (Python rewrites them).
    Only sizes are compared, not hashes, to stay fast: another build's
    ``cv2`` files differ in size.

    Args:
        dist: An ``importlib.metadata.Distribution``.

    Returns:
        bool: False when its ``RECORD`` is missing, or a file it lists with
        a size is missing or has another size.
    """
    rows = _record_paths(dist)
    if not rows:
        return False
    for row in rows:
        path = row[0]
        if len(row) < 3 or not row[2] or '__pycache__' in path:
            continue
        try:
            if os.stat(dist.locate_file(path)).st_size != int(row[2]):
                return False
        except (OSError, ValueError):
            return False
    return True


def _opencv_intact() -> bool:
    try:
        return files_intact(distribution(OPENCV))
    except PackageNotFoundError:
        return False


def opencv_steps(providers: List[str], kept_intact: bool) -> List[List[str]]:
    """The pip commands that leave exactly one intact OpenCV distribution.

    Args:
        providers (list[str]): Canonical names of the installed
            distributions that provide the top-level ``cv2``
            (:func:`cv2_providers`).
        kept_intact (bool): Whether the files of :data:`OPENCV` are all as
            its ``RECORD`` lists them (:func:`files_intact`).

    Returns:
        list[list[str]]: Nothing when :data:`OPENCV` is the only provider
        and intact. Otherwise, uninstall every provider (all of them: the
        files they share are gone once one is uninstalled), then
        ``install --force-reinstall --no-deps`` :data:`OPENCV`.
    """
    if providers == [OPENCV] and kept_intact:
        return []
    steps = []
    if providers:
        steps.append(['uninstall', '-y', *providers])
    steps.append(['install', '-c', CONSTRAINTS, '--force-reinstall',
                  '--no-deps', OPENCV])
    return steps


def _pip(*args: str) -> None:
    """Run ``pip COMMAND ARGS`` quietly (``args[0]`` is the command)."""
    cmd = [
        sys.executable, '-m', 'pip', args[0], '-q',
        '--root-user-action=ignore', *args[1:]
    ]
    print('+', ' '.join(cmd[1:]), flush=True)
    subprocess.check_call(cmd)


def plan(version_of: Optional[Callable[[str], Optional[str]]] = None
         ) -> List[List[str]]:
    """The requirements to ``pip install``, one list per pip call.

    torch comes first and alone (only when no torch is installed), so that
    nothing installed after it can pick another torch build. The OpenCV
    clean-up and fsat's editable install are not part of the plan
    (:func:`main` adds them after the plan has run), nor is the ``-c
    requirements/constraints.txt`` that :func:`main` passes to every call.

    Args:
        version_of (callable): Installed version of a distribution, or
            None when it is absent. Defaults to what is installed
            (``importlib.metadata``).

    Returns:
        list[list[str]]: One list of requirements per pip call, in order.
    """
    steps = []
    torch = [r for r in _read('torch_cpu.txt')
             if not _satisfied(r, version_of)]
    if torch:
        steps.append(torch)
    reqs = (_read('mminstall.txt') + _read('runtime.txt') +
            _read('tests.txt'))
    rest = [r for r in reqs if not _satisfied(r, version_of)]
    if rest:
        steps.append(rest)
    return steps


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='ensure_deps.py',
        description='Install what fsat needs, only if it is missing: torch '
        '(requirements/torch_cpu.txt, only when no torch is installed), '
        'requirements/{mminstall,runtime,tests}.txt (each pip call '
        'constrained by requirements/constraints.txt), exactly one OpenCV '
        f'({OPENCV}; other distributions of cv2 that they pulled in are '
        'removed) and fsat itself (editable). Prints nothing when nothing '
        'is missing.')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print the pip commands that would run, install nothing (the '
        'OpenCV clean-up shown is the one the environment needs now; a '
        'real run checks again after installing)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    steps = plan()
    installs = [['install', '-c', CONSTRAINTS, *step] for step in steps]
    fsat = ([] if _fsat_is_this_checkout() else
            [['install', '-c', CONSTRAINTS, '--no-deps', '-e', ROOT]])
    if args.dry_run:
        cv2_fix = opencv_steps(cv2_providers(), _opencv_intact())
        for step in installs + cv2_fix + fsat:
            print('pip ' + ' '.join(step))
        return
    missing = [r for step in steps for r in step]
    if missing:
        print('fsat: installing missing dependencies: ' + ', '.join(missing),
              flush=True)
    for step in installs:
        _pip(*step)
    # what pip just installed may have pulled in another OpenCV
    importlib.invalidate_caches()
    providers = cv2_providers()
    cv2_fix = opencv_steps(providers, _opencv_intact())
    if cv2_fix:
        others = [p for p in providers if p != OPENCV]
        why = (f'{", ".join(others)} also provide cv2' if others else
               f'{OPENCV} is missing or its files were changed')
        print(f'fsat: keeping one OpenCV ({OPENCV}): {why}', flush=True)
    for step in cv2_fix + fsat:
        _pip(*step)


if __name__ == '__main__':
    main()
