#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Install what fsat needs, only if it is missing (used by ``make``).

Quiet and fast (standard library only, no imports of the packages) when
everything is already there. The pins:

* ``torch==2.13.0`` is installed only when no torch is present. pip takes it
  from the local CPU wheel on our machines; an unpinned ``torch`` would pull
  a multi-GB CUDA build. A user's own (e.g. CUDA) torch is kept as it is.
* ``mmengine==0.10.7``, ``mmaction2==1.1.0`` and ``mmcv-lite==2.0.1`` (a
  full ``mmcv`` 2.0.x, e.g. with CUDA ops, is accepted instead).
* opencv with the contrib modules (``cv2.optflow`` for TV-L1 flow).
* fsat itself, installed in editable mode from this checkout.
"""
import json
import os.path as osp
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, version
from typing import List, Optional
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


def _satisfied(req: str) -> bool:
    """Exact pins (``name==x``) must match; bare names must be present.

    Only these two forms are used in ``requirements/*.txt``.
    """
    name, _, pinned = req.partition('==')
    if name == 'torch':
        return _version('torch') is not None
    if name == 'mmcv-lite':
        full = _version('mmcv')
        if full is not None and full.startswith('2.0.'):
            return True
    have = _version(name)
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


def main() -> None:
    reqs = (_read('mminstall.txt') + _read('runtime.txt') +
            _read('tests.txt'))
    missing = [r for r in reqs if not _satisfied(r)]
    if missing:
        print('fsat: installing missing dependencies: ' + ', '.join(missing),
              flush=True)
        # torch first and alone, so nothing else can pick another build
        if any(r.startswith('torch') for r in missing):
            _pip('torch==2.13.0')
        rest = [r for r in missing if not r.startswith('torch')]
        if rest:
            _pip(*rest)
    if not _opencv_has_contrib():
        # mmcv's opencv-python can shadow the contrib build's cv2 module
        _pip('--force-reinstall', '--no-deps',
             'opencv-contrib-python-headless')
    if not _fsat_is_this_checkout():
        _pip('--no-deps', '-e', ROOT)


if __name__ == '__main__':
    main()
