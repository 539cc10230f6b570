# Copyright (c) fsat contributors. All rights reserved.
"""Access to the real dataset sample files kept beside the checkout."""
import os
import os.path as osp

#: Environment variable naming the folder of real sample files.
REAL_SAMPLES_ENV = 'FSAT_REAL_SAMPLES'


def real_sample(*parts: str) -> str:
    """Path of a real sample file, or skip the calling test.

    The real files are never copied into the repository; ``make test`` and
    ``.ci/run`` point ``FSAT_REAL_SAMPLES`` at them.

    Args:
        *parts (str): Path below the folder, e.g. ``'ntu', 'x.skeleton'``.
            None gives the folder itself.

    Returns:
        str: The existing path.
    """
    import pytest
    root = os.environ.get(REAL_SAMPLES_ENV)
    if not root:
        pytest.skip(f'{REAL_SAMPLES_ENV} is not set: no real sample files')
    path = osp.join(root, *parts)
    if not osp.exists(path):
        pytest.skip(f'real sample missing: {path}')
    return path
