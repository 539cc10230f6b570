# Copyright (c) fsat contributors. All rights reserved.
"""Garcia et al.'s NTU validation sets, against the supplementary's
procedure written out step by step."""
import numpy as np
import pytest

from fsat.datasets.ntu import NtuName
from fsat.datasets.ntu.validation import ntu_holdout_names


def _names(cameras, performers, setups=(1, 2, 3), actions=(1, 2, 3)):
    return [NtuName(s, c, p, r, a).name for s in setups for c in cameras
            for p in performers for r in (1, 2) for a in actions]


def test_cross_subject_holds_out_subject_1():
    names = _names(cameras=(1, 2, 3), performers=(1, 2, 4))
    held = ntu_holdout_names([dict(name=n) for n in names], 'xsub')
    # 3 setups x 3 cameras x 2 replications x 3 actions of performer 1
    assert len(held) == 54
    assert all('P001' in n for n in held)


def test_cross_view_follows_the_supplementary_procedure():
    # training cameras 2 and 3: 3 setups x 2 cameras x 3 performers x 2
    # replications = 36 samples per action
    names = _names(cameras=(2, 3), performers=(1, 2, 3))
    shuffled = list(reversed(names))  # the input order does not matter
    held = ntu_holdout_names([dict(name=n) for n in shuffled], 'xview')
    # 1) a dictionary of sorted videos per action; 2) numpy seed 0;
    # 3) numpy.random.choice of 31 videos for each action
    videos = {}
    for n in sorted(names):
        videos.setdefault(int(n[-3:]), []).append(n)
    np.random.seed(0)
    expected = set()
    for action in videos:
        expected.update(np.random.choice(videos[action], 31))
    assert held == expected
    # with replacement: at most 31 distinct per action, some repeated
    per_action = [sum(n.endswith(f'A{a:03d}') for n in held)
                  for a in (1, 2, 3)]
    assert all(20 <= k <= 31 for k in per_action), per_action
    assert sum(per_action) < 93
    distinct = ntu_holdout_names([dict(name=n) for n in names], 'xview',
                                 distinct=True)
    assert [sum(n.endswith(f'A{a:03d}') for n in distinct)
            for a in (1, 2, 3)] == [31, 31, 31]


def test_too_few_samples_and_unknown_rules_are_refused():
    few = [dict(name=n) for n in _names(cameras=(2, ), performers=(1, ))]
    with pytest.raises(ValueError, match='action 1 has 6 training samples'):
        ntu_holdout_names(few, 'xview', distinct=True)
    with pytest.raises(ValueError, match="not 'xset'"):
        ntu_holdout_names(few, 'xset')
