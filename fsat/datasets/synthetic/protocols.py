# Copyright (c) fsat contributors. All rights reserved.
"""NTU names, evaluation protocols and the session plan of the world.

The world reuses the real NTU RGB+D protocols unchanged:

* NTU-60 cross-subject: train on performers :data:`NTU60_CS_TRAIN`;
* NTU-60 cross-view: train on cameras C002 and C003, test on C001;
* NTU-120 cross-setup: train on even setups, test on odd setups;
* NTU-120 cross-subject: train on :data:`NTU120_CS_TRAIN` (for ids <= 40
  the same as NTU-60's).

A *session* is one (setup, performer) pair; it performs every class of a
half, each replication, filmed by every camera. Sessions cycle through
the four combinations of (even / odd setup) x (cross-subject train / test
performer), so any 4 consecutive sessions cover every protocol's train
and test side for every class.
"""
import itertools
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .rng import make_rng

NTU60_CS_TRAIN = frozenset(
    (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35,
     38))
NTU120_CS_TRAIN = NTU60_CS_TRAIN | frozenset(
    (45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
     82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103))
NTU60_CV_TRAIN_CAMERAS = frozenset((2, 3))

_NAME = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')


def ntu_name(setup: int, camera: int, performer: int, replication: int,
             action: int) -> str:
    """``SsssCcccPpppRrrrAaaa``."""
    return (f'S{setup:03d}C{camera:03d}P{performer:03d}'
            f'R{replication:03d}A{action:03d}')


def parse_ntu_name(name: str) -> Dict[str, int]:
    """Split ``SsssCcccPpppRrrrAaaa`` into its integer fields.

    Args:
        name (str): A sample name.

    Returns:
        dict: ``setup``, ``camera``, ``performer``, ``replication``,
        ``action``.
    """
    m = _NAME.match(name)
    if m is None:
        raise ValueError(f'not an NTU sample name: {name!r}')
    keys = ('setup', 'camera', 'performer', 'replication', 'action')
    return dict(zip(keys, map(int, m.groups())))


def ntu_split(name: str, protocol: str) -> str:
    """``'train'`` or ``'test'`` of a sample under a protocol.

    Args:
        name (str): Sample name.
        protocol (str): ``'xsub60'``, ``'xview60'``, ``'xsub120'`` or
            ``'xset120'``.
    """
    f = parse_ntu_name(name)
    train = {
        'xsub60': f['performer'] in NTU60_CS_TRAIN,
        'xview60': f['camera'] in NTU60_CV_TRAIN_CAMERAS,
        'xsub120': f['performer'] in NTU120_CS_TRAIN,
        'xset120': f['setup'] % 2 == 0,
    }[protocol]
    return 'train' if train else 'test'


#: NTU RGB+D 60 was recorded in setups S001-S017; NTU-120's extension added
#: S018-S032, where the classes 61-120 were recorded.
NTU60_SETUPS = range(1, 18)


def half_setups(half: str, num_setups: int) -> List[int]:
    """Setups a half of the world uses, as in the real dataset.

    TARGET classes (the NTU-60 stand-in) are filmed in NTU-60's setups
    S001-S017, so the NTU-60 protocols keep them; SOURCE classes (the
    NTU-120-minus-60 stand-in) in S018 and above when the world has them.

    Args:
        half (str): ``'target'`` or ``'source'``.
        num_setups (int): Setups 1..num_setups exist.
    """
    ntu60 = [s for s in range(1, num_setups + 1) if s in NTU60_SETUPS]
    extension = [s for s in range(1, num_setups + 1) if s not in NTU60_SETUPS]
    if half == 'source' and len(extension) >= 4:
        return extension
    return ntu60


def plan_sessions(num_sessions: int, setup_ids: Sequence[int],
                  num_performers: int, seed: int,
                  stream: str = 'sessions') -> List[Tuple[int, int]]:
    """Distinct (setup, performer) sessions covering all protocol sides.

    Args:
        num_sessions (int): Number of sessions.
        setup_ids (Sequence[int]): The setups available.
        num_performers (int): Performers 1..num_performers are available.
        seed (int): World seed (shuffles the pairing).
        stream (str): Name of the random stream. Defaults to
            ``'sessions'``.

    Returns:
        list[tuple]: ``(setup, performer)``; session ``i`` has an even
        setup iff ``i`` is even, a cross-subject train performer iff
        ``(i // 2)`` is even.
    """
    rng = make_rng(seed, stream)
    setups = {0: [s for s in setup_ids if s % 2 == 0],
              1: [s for s in setup_ids if s % 2 == 1]}
    people = {0: [p for p in range(1, num_performers + 1)
                  if p in NTU60_CS_TRAIN],
              1: [p for p in range(1, num_performers + 1)
                  if p not in NTU60_CS_TRAIN]}
    pools = {}
    for parity, side in itertools.product((0, 1), (0, 1)):
        pairs = list(itertools.product(setups[parity], people[side]))
        pools[(parity, side)] = [pairs[k] for k in rng.permutation(len(pairs))]
    uses: Dict[Tuple[str, int], int] = {}
    sessions = []
    for i in range(num_sessions):
        pool = pools[(i % 2, (i // 2) % 2)]
        if not pool:
            raise ValueError(
                f'{num_sessions} sessions need more (setup, performer) '
                f'pairs than {len(setup_ids)} setups x {num_performers} '
                'performers provide')
        # The least used setup and performer first: spread both.
        best = min(range(len(pool)), key=lambda k: (
            uses.get(('s', pool[k][0]), 0) + uses.get(('p', pool[k][1]), 0),
            k))
        s, p = pool.pop(best)
        uses[('s', s)] = uses.get(('s', s), 0) + 1
        uses[('p', p)] = uses.get(('p', p), 0) + 1
        sessions.append((s, p))
    assert len(set(sessions)) == len(sessions)
    return sessions


def pku_performer_split(num_sequences: int, val_fraction: float
                        ) -> np.ndarray:
    """Whether each PKU sequence belongs to the cross-subject validation
    side (the last ``val_fraction`` of the sequences, as in phase 1 where
    0291-0334 are validation)."""
    n_val = max(1, int(round(num_sequences * val_fraction)))
    return np.arange(num_sequences) >= num_sequences - n_val
