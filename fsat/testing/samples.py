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


def small_smarthome_world(out: str) -> str:
    """Write a small synthetic Toyota Smarthome world to ``out``.

    The ``smarthome`` preset's 13 classes, 6 subjects (2, 3, 4, 6, 7, 10:
    the CS protocol's training subjects 6 and 7, the held-out 3 and 4, and
    two test subjects), one routine, short 128x96 clips: 234 clips in a
    few seconds. Point ``FSAT_SMARTHOME_ROOT`` at the returned folder to
    run the ``configs/vpn/*_synth.py`` configs on it.

    Args:
        out (str): Output folder (created).

    Returns:
        str: ``out``.
    """
    from fsat.datasets.synthetic import generate_world, get_preset
    preset = get_preset(
        'smarthome', subjects=(2, 3, 4, 6, 7, 10), routines=1,
        action_frames=32, frames_range=(32, 40), idle_frames=(2, 4),
        rgb_size=(128, 96))
    generate_world(preset, out, seed=0, workers=1, progress=False)
    return out
