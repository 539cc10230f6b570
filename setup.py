# Copyright (c) fsat contributors. All rights reserved.
"""Installation script of fsat.

The OpenMMLab stack is pinned (see ``requirements/mminstall.txt``). ``torch``
is deliberately *not* an install requirement: an unpinned ``torch`` makes pip
download a CUDA build of several GB. Install it first (``make test`` and
``make demo`` do so through ``tools/misc/ensure_deps.py``).
"""
import os
import os.path as osp

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))


def get_version() -> str:
    """Read ``__version__`` from ``fsat/version.py`` without importing it."""
    scope: dict = {}
    with open(osp.join(HERE, 'fsat', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'fsat/version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname: str) -> list:
    """Read requirement lines, skipping comments and ``-r`` includes."""
    reqs = []
    with open(osp.join(HERE, fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                reqs.append(line)
    return reqs


def mm_requirements() -> list:
    """The OpenMMLab pins, without torch (see the module docstring).

    A full ``mmcv`` 2.0.x that is already installed (a GPU machine with the
    CUDA ops) replaces the ``mmcv-lite`` pin: both provide the ``mmcv``
    module and must not be installed side by side.
    """
    reqs = []
    for req in parse_requirements('requirements/mminstall.txt'):
        if req.startswith('torch'):
            continue
        if req.startswith('mmcv-lite') and _full_mmcv_installed():
            req = 'mmcv>=2.0.0,<2.1.0'
        reqs.append(req)
    return reqs


def _full_mmcv_installed() -> bool:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return False
    try:
        return version('mmcv').startswith('2.0.')
    except PackageNotFoundError:
        return False


class BuildPyWithConfigs(build_py):
    """``build_py`` that also ships ``configs/`` and ``tools/`` in ``.mim``.

    ``fsat::<path>`` finds the configs in ``fsat/.mim/configs`` of an
    installed (not editable) fsat (``fsat/utils/config_paths.py``), and the
    tools are in ``fsat/.mim/tools``; an editable install reads the
    checkout's folders directly, so nothing is copied for it. Our
    equivalent of OpenMMLab's ``add_mim_extension``, which links or copies
    the same folders from ``setup.py``.
    """

    SHIPPED = {'configs': ('.py', ), 'tools': ('.py', '.sh')}

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        for folder_name, exts in self.SHIPPED.items():
            source = osp.join(HERE, folder_name)
            target = osp.join(self.build_lib, 'fsat', '.mim', folder_name)
            for folder, _, files in os.walk(source):
                for name in sorted(files):
                    if not name.endswith(exts):
                        continue
                    rel = osp.relpath(osp.join(folder, name), source)
                    self.mkpath(osp.dirname(osp.join(target, rel)))
                    self.copy_file(
                        osp.join(folder, name), osp.join(target, rel))


if __name__ == '__main__':
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        long_description = f.read()
    setup(
        name='fsat',
        version=get_version(),
        description='Cross-modal knowledge transfer for action recognition '
        'and detection, in the OpenMMLab style',
        long_description=long_description,
        long_description_content_type='text/markdown',
        keywords='action recognition, knowledge distillation, depth, '
        'skeleton, cross-modal transfer',
        packages=find_packages(exclude=('configs', 'tools', 'tests',
                                        'examples', 'benchmarks', 'docs')),
        include_package_data=True,
        package_data={'fsat': ['py.typed', 'datasets/data/*.txt']},
        python_requires='>=3.8',
        license='Apache License 2.0',
        install_requires=mm_requirements() +
        parse_requirements('requirements/runtime.txt'),
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
        },
        zip_safe=False,
        cmdclass={'build_py': BuildPyWithConfigs},
    )
