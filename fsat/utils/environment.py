# Copyright (c) fsat contributors. All rights reserved.
"""What the numbers of a run depend on: software versions and hardware.

:func:`collect_environment` is cheap and never raises, so that a pipeline can
record it with every run; :func:`render_environment` lists the distinct
environments of a ``results.json`` for ``results.md``.
"""
import importlib
import importlib.metadata
import json
import os
import platform
from collections import Counter
from typing import Callable, Dict, List, Optional, Union

Value = Union[str, int, None]


def _safe(func: Callable[[], Value]) -> Value:
    """``func()``, or None when it raises (a missing or broken package)."""
    try:
        return func()
    except Exception:
        return None


def _module_version(name: str) -> Optional[str]:
    """``__version__`` of the module ``name`` as imported, else None."""
    version = getattr(importlib.import_module(name), '__version__', None)
    return None if version is None else str(version)


def _distributions(module: str) -> Optional[str]:
    """The installed distributions that provide ``module``, with versions,
    e.g. ``'opencv-python 4.9.0.80, opencv-python-headless 4.9.0.80'``."""
    names = importlib.metadata.packages_distributions().get(module) or []
    return ', '.join(f'{name} {importlib.metadata.version(name)}'
                     for name in sorted(set(names))) or None


def _cpu_model() -> Optional[str]:
    """The ``model name`` of /proc/cpuinfo (Linux), else the processor."""
    if os.path.isfile('/proc/cpuinfo'):
        with open('/proc/cpuinfo', encoding='utf-8', errors='replace') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    return value.strip()
    return platform.processor() or None


def _gpus() -> Optional[str]:
    """Names of the visible CUDA devices, None without CUDA."""
    import torch
    if not torch.cuda.is_available():
        return None
    return ', '.join(
        torch.cuda.get_device_name(i)
        for i in range(torch.cuda.device_count()))


def _cuda() -> Optional[str]:
    import torch
    return torch.version.cuda if torch.cuda.is_available() else None


def _torch_threads() -> int:
    import torch
    return torch.get_num_threads()


def _mmcv() -> Optional[str]:
    """mmcv's version and the distribution (mmcv or mmcv-lite) it is."""
    version = _module_version('mmcv')
    dists = _safe(lambda: _distributions('mmcv'))
    return f'{version} ({dists})' if dists else version


def _fsat() -> str:
    from fsat.version import __version__
    return __version__


def collect_environment() -> Dict[str, Value]:
    """The software and hardware a run's numbers depend on.

    Every value is a str, an int or None (a package that is missing or
    fails to import, no CUDA), so the dict is JSON-serializable. Nothing
    here raises or does heavy work: packages are imported (most already
    are in a run) and the installed distributions are listed once.

    Returns:
        dict: ``python``, ``platform`` (OS and kernel), ``cpu`` (model
        name), ``cpu_count`` (logical cores), ``torch``,
        ``torch_threads``, ``cuda`` and ``gpu`` (None without CUDA),
        ``numpy``, ``scipy``, ``opencv`` (``cv2.__version__``),
        ``opencv_distributions`` (the distributions that install
        ``cv2``: several may shadow each other), ``decord``,
        ``mmengine``, ``mmcv`` (with its distribution, mmcv or
        mmcv-lite), ``mmaction2`` and ``fsat``.
    """
    getters: Dict[str, Callable[[], Value]] = dict(
        python=platform.python_version,
        platform=platform.platform,
        cpu=_cpu_model,
        cpu_count=os.cpu_count,
        torch=lambda: _module_version('torch'),
        torch_threads=_torch_threads,
        cuda=_cuda,
        gpu=_gpus,
        numpy=lambda: _module_version('numpy'),
        scipy=lambda: _module_version('scipy'),
        opencv=lambda: _module_version('cv2'),
        opencv_distributions=lambda: _distributions('cv2'),
        decord=lambda: _module_version('decord'),
        mmengine=lambda: _module_version('mmengine'),
        mmcv=_mmcv,
        mmaction2=lambda: _module_version('mmaction'),
        fsat=_fsat,
    )
    return {key: _safe(get) for key, get in getters.items()}


def _distinct(results: dict) -> List[tuple]:
    """``(environment, number of runs)`` in order of first appearance; a
    run without one counts for the top-level environment."""
    top = results.get('environment')
    counts: Counter = Counter()
    envs: Dict[str, dict] = {}
    for run in results.get('runs', []):
        env = run.get('environment') or top
        if not env:
            continue
        key = json.dumps(env, sort_keys=True)
        envs.setdefault(key, env)
        counts[key] += 1
    if not envs and top:
        return [(top, 0)]
    return [(env, counts[key]) for key, env in envs.items()]


def _cell(value) -> str:
    return '-' if value is None else str(value).replace('|', '\\|')


def render_environment(results: dict) -> str:
    """A Markdown section with the environment(s) the runs ran on.

    A run's environment is its record's ``environment``, else the top-level
    one of ``results.json``. Distinct environments get one column each,
    headed by how many runs used it; keys whose values differ are in bold.

    Args:
        results (dict): A pipeline's ``results.json``.

    Returns:
        str: The section, or ``''`` when ``results`` records no
        environment (results written before environments were recorded).
    """
    envs = _distinct(results)
    if not envs:
        return ''
    keys = list(dict.fromkeys(k for env, _ in envs for k in env))
    if len(envs) == 1:
        intro = 'Environment of the runs:'
    else:
        intro = (f'The runs ran in {len(envs)} different environments '
                 '(keys that differ in bold):')
    header = [f'{n} run{"" if n == 1 else "s"}' if n else 'results.json'
              for _, n in envs]
    lines = [
        intro, '', '| | ' + ' | '.join(header) + ' |',
        '|---|' + '---|' * len(envs)
    ]
    for key in keys:
        values = [env.get(key) for env, _ in envs]
        name = f'**{key}**' if len(set(map(str, values))) > 1 else key
        lines.append(f'| {name} | ' + ' | '.join(map(_cell, values)) + ' |')
    return '\n'.join(lines) + '\n'
