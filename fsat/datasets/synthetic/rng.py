# Copyright (c) fsat contributors. All rights reserved.
"""Deterministic random streams keyed by names.

Every random quantity of the world is drawn from a generator seeded by the
world seed and a tuple of names (a sample name, ``('setup', 'S003')``,
...), never from a shared stream, so that a sample's content depends
neither on the order in which samples are generated nor on the number of
worker processes.
"""
import hashlib

import numpy as np


def make_rng(seed: int, *keys) -> np.random.Generator:
    """A PCG64 generator seeded by ``seed`` and ``keys``.

    Args:
        seed (int): The world seed.
        *keys: Names (converted with ``str``) that identify the stream.

    Returns:
        np.random.Generator: A fresh generator.
    """
    text = '\x1f'.join([str(int(seed))] + [str(k) for k in keys])
    digest = hashlib.sha256(text.encode('utf-8')).digest()
    return np.random.default_rng(
        np.random.SeedSequence(int.from_bytes(digest[:16], 'little')))
