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
* opencv with the contrib modules (``cv2.optflow`` for TV-L1 flow).
* fsat itself, installed in editable mode from this checkout.

Example:
    python tools/misc/ensure_deps.py            # install what is missing
    python tools/misc/ensure_deps.py --dry-run  # only print the pip commands
"""
import argparse
import json
import os.path as osp
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, version
from typing import Callable, List, Optional
from urllib.parse import unquote, urlparse

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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


def _opencv_has_contrib() -> bool:
    code = 'import cv2, sys; sys.exit(0 if hasattr(cv2, "optflow") else 1)'
    return subprocess.call([sys.executable, '-c', code],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def _pip(*args: str) -> None:
    cmd = [
        sys.executable, '-m', 'pip', 'install', '-q',
        '--root-user-action=ignore', *args
    ]
    print('+', ' '.join(cmd[1:]), flush=True)
    subprocess.check_call(cmd)


def plan(version_of: Optional[Callable[[str], Optional[str]]] = None
         ) -> List[List[str]]:
    """The ``pip install`` argument lists that would install what is missing.

    torch comes first and alone (only when no torch is installed), so that
    nothing installed after it can pick another torch build. The opencv
    contrib check and fsat's editable install are not part of the plan
    (:func:`main` adds them after the plan has run).

    Args:
        version_of (callable): Installed version of a distribution, or
            None when it is absent. Defaults to what is installed
            (``importlib.metadata``).

    Returns:
        list[list[str]]: One argument list per pip call, in order.
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
        'requirements/{mminstall,runtime,tests}.txt, opencv with the '
        'contrib modules and fsat itself (editable). Prints nothing when '
        'nothing is missing.')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='print the pip commands that would run, install nothing')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    steps = plan()
    if not _opencv_has_contrib():
        # mmcv's opencv-python can shadow the contrib build's cv2 module
        steps.append(['--force-reinstall', '--no-deps',
                      'opencv-contrib-python-headless'])
    if not _fsat_is_this_checkout():
        steps.append(['--no-deps', '-e', ROOT])
    if args.dry_run:
        for step in steps:
            print('pip install ' + ' '.join(step))
        return
    missing = [r for step in steps for r in step if not r.startswith('-')
               and r != ROOT]
    if missing:
        print('fsat: installing missing dependencies: ' + ', '.join(missing),
              flush=True)
    for step in steps:
        _pip(*step)


if __name__ == '__main__':
    main()
