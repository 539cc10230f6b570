# Copyright (c) fsat contributors. All rights reserved.
"""Validation sets carved from an NTU training split, as papers define
them (the official benchmarks have none).

``'garcia2018'`` (Garcia et al., ECCV 2018, supplementary, "Hyperparameters
and validation set"; about 5 % of the training set, used to choose
lambda, alpha and T of the hallucination network):

* cross-subject: every training sample of subject (performer) 1;
* cross-view: per action, the training samples sorted by name; the numpy
  seed set to 0 once; then, action by action in ascending order,
  ``numpy.random.choice(<that action's samples>, 31)``, the paper's call.
  Its default draws *with* replacement, so an action may give fewer than
  31 distinct samples; ``distinct=True`` draws 31 distinct ones instead
  (``replace=False``), at the price of another set than the authors'.
"""
from typing import Dict, List, Mapping, Sequence, Set

import numpy as np

from .names import parse_ntu_name

__all__ = ['HOLDOUTS', 'ntu_holdout_names']

HOLDOUTS = ('garcia2018', )
GARCIA_XSUB_SUBJECTS = (1, )
GARCIA_XVIEW_PER_ACTION = 31
GARCIA_SEED = 0


def ntu_holdout_names(records: Sequence[Mapping], rule: str,
                      holdout: str = 'garcia2018',
                      distinct: bool = False) -> Set[str]:
    """The names of the training records a paper holds out for validation.

    Args:
        records (Sequence[dict]): The training split's records
            (``name`` per record), as :func:`build_ntu_annotations` gives.
        rule (str): The benchmark's split rule, ``'xsub'`` or ``'xview'``.
        holdout (str): The definition, one of :data:`HOLDOUTS`.
        distinct (bool): Cross-view: 31 distinct samples per action
            instead of the paper's call with replacement.

    Returns:
        set[str]: The held-out names.
    """
    if holdout not in HOLDOUTS:
        raise ValueError(f'Unknown NTU holdout {holdout!r}: expected one of '
                         f'{list(HOLDOUTS)}')
    names = sorted(r['name'] for r in records)
    if rule == 'xsub':
        return {
            n for n in names
            if parse_ntu_name(n).performer in GARCIA_XSUB_SUBJECTS
        }
    if rule != 'xview':
        raise ValueError(
            f"holdout {holdout!r} is defined for the 'xsub' and 'xview' "
            f'split rules, not {rule!r}')
    by_action: Dict[int, List[str]] = {}
    for n in names:
        by_action.setdefault(parse_ntu_name(n).action, []).append(n)
    # np.random.seed(0) then np.random.choice: the legacy generator
    rng = np.random.RandomState(GARCIA_SEED)
    held = set()
    for action in sorted(by_action):
        pool = by_action[action]
        if distinct and len(pool) < GARCIA_XVIEW_PER_ACTION:
            raise ValueError(
                f'holdout {holdout!r}: action {action} has {len(pool)} '
                f'training samples, fewer than the '
                f'{GARCIA_XVIEW_PER_ACTION} distinct ones to hold out')
        picks = rng.choice(pool, GARCIA_XVIEW_PER_ACTION,
                           replace=not distinct)
        held.update(str(p) for p in picks)
    return held
