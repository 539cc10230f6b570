# Copyright (c) fsat contributors. All rights reserved.
"""Paired differences between methods over seeds (fsat.apis.statistics)."""
import math

import pytest

from fsat.apis.statistics import paired_difference, paired_table, render_paired

# Student t quantile t(0.975, 2 degrees of freedom), from a table
T_975_2 = 4.302652729911275


def test_interval_equals_a_hand_computation():
    # differences 2, 4, 9: mean 5, deviations -3, -1, 4, squares 9 + 1 + 16
    # = 26, sample variance 26 / 2 = 13, half width t * sqrt(13) / sqrt(3)
    result = paired_difference([12, 14, 19], [10, 10, 10])
    half = T_975_2 * math.sqrt(13) / math.sqrt(3)
    assert result['n'] == 3
    assert result['mean'] == pytest.approx(5)
    assert result['low'] == pytest.approx(5 - half)
    assert result['high'] == pytest.approx(5 + half)
    assert result['low'] == pytest.approx(-3.95669, abs=1e-5)
    assert result['contains_zero'] is True


def test_interval_narrows_with_a_lower_confidence():
    wide = paired_difference([12, 14, 19], [10, 10, 10])
    narrow = paired_difference([12, 14, 19], [10, 10, 10], confidence=0.5)
    assert wide['low'] < narrow['low'] < 5 < narrow['high'] < wide['high']


def test_a_difference_away_from_zero_does_not_contain_it():
    # differences 10, 11, 12: sd 1, half width t * 1 / sqrt(3)
    result = paired_difference([60, 61, 62], [50, 50, 50])
    assert result['low'] == pytest.approx(11 - T_975_2 / math.sqrt(3))
    assert result['contains_zero'] is False


def test_a_single_pair_has_no_interval():
    assert paired_difference([3.0], [1.0]) == dict(
        mean=2.0, low=None, high=None, n=1, contains_zero=None)


def test_equal_differences_collapse_the_interval_to_the_mean():
    result = paired_difference([3, 4, 5], [1, 2, 3])
    assert result['low'] == result['high'] == result['mean'] == 2
    assert result['contains_zero'] is False
    zero = paired_difference([1, 2], [1, 2])
    assert zero['low'] == zero['high'] == 0 and zero['contains_zero']


def test_unequal_lengths_are_one_line():
    with pytest.raises(ValueError, match='equal lengths, got 2 and 3') as e:
        paired_difference([1, 2], [1, 2, 3])
    assert '\n' not in str(e.value)
    with pytest.raises(ValueError, match='empty'):
        paired_difference([], [])


def _run(method, budget, seed, test, recipe=None, val=None, grid=None):
    return dict(stage=f'{method}-stage', method=method,
                values=dict(budget=budget, seed=seed), recipe=recipe,
                grid=recipe is not None if grid is None else grid,
                val={'acc/top1': val if val is not None else test},
                test={'acc/top1': test})


def _results(runs, **extra):
    return dict(pipeline='p.py', report_metric='acc/top1',
                select_metric='acc/top1',
                sweeps=dict(budget=[5, 20], seed=[0, 1, 2]), runs=runs,
                **extra)


def test_pairs_are_formed_by_seed_and_missing_seeds_are_skipped():
    runs = [
        _run('base', 5, 0, 0.50), _run('base', 5, 1, 0.40),
        _run('base', 5, 2, 0.60),
        # 'ours' ran seeds 2 and 0 (in that order), not seed 1
        _run('ours', 5, 2, 0.65), _run('ours', 5, 0, 0.52),
        # a teacher stage: no method, never a row
        dict(stage='teacher', method=None, values={}, recipe=None,
             grid=False, val={}, test={'acc/top1': 0.9}),
    ]
    [row] = paired_table(_results(runs))
    assert (row['method'], row['budget'], row['reference']) == ('ours', 5,
                                                                'base')
    assert row['seeds'] == [2, 0] and row['n'] == 2
    # seed 2: 65 - 60 = 5 points, seed 0: 52 - 50 = 2 points
    expected = paired_difference([65, 52], [60, 50])
    assert row['mean'] == pytest.approx(3.5)
    assert row['low'] == pytest.approx(expected['low'])
    assert row['high'] == pytest.approx(expected['high'])


def test_reference_default_and_choice():
    runs = [
        _run('a', 5, 0, 0.1), _run('b', 5, 0, 0.2), _run('c', 5, 0, 0.4)
    ]
    rows = paired_table(_results(runs))
    assert [(r['method'], r['reference']) for r in rows] == [('b', 'a'),
                                                             ('c', 'a')]
    rows = paired_table(_results(runs, reference_method='c'))
    assert [r['method'] for r in rows] == ['a', 'b']
    assert rows[0]['mean'] == pytest.approx(-30)
    rows = paired_table(_results(runs, reference_method='c'), reference='b')
    assert [r['method'] for r in rows] == ['a', 'c']
    with pytest.raises(ValueError, match=r"'nope' is not among .*\(a, b, c\)"):
        paired_table(_results(runs), reference='nope')


def test_only_the_selected_recipe_pairs():
    runs = []
    for seed, base in enumerate([0.50, 0.40, 0.60]):
        runs.append(_run('base', 5, seed, base))
        # recipe 'lo' is better on validation, 'hi' is better on test:
        # only the selected 'lo' runs may pair
        runs.append(_run('ours', 5, seed, base + 0.10, recipe='lo',
                         val=0.9))
        runs.append(_run('ours', 5, seed, base + 0.30, recipe='hi',
                         val=0.1))
    [row] = paired_table(
        _results(runs, recipe_grid=[dict(name='hi'), dict(name='lo')]))
    assert row['n'] == 3
    assert row['mean'] == pytest.approx(10)
    assert row['low'] == pytest.approx(10) == row['high']


def test_deferred_runs_of_the_selected_recipe_pair_too():
    # select_seeds=[0]: seed 0 ran the grid, seed 1 only the selected recipe
    runs = [
        _run('base', 5, 0, 0.5), _run('base', 5, 1, 0.5),
        _run('ours', 5, 0, 0.6, recipe='lo', val=0.9),
        _run('ours', 5, 0, 0.9, recipe='hi', val=0.1),
        _run('ours', 5, 1, 0.7, recipe='lo', grid=False),
    ]
    [row] = paired_table(
        _results(runs, recipe_grid=[dict(name='hi'), dict(name='lo')],
                 select_seeds=[0]))
    assert row['seeds'] == [0, 1]
    assert row['mean'] == pytest.approx(15)


def test_a_duplicate_seed_cannot_pair():
    runs = [_run('a', 5, 0, 0.1), _run('a', 5, 0, 0.2), _run('b', 5, 0, 0.3)]
    with pytest.raises(ValueError, match="'a' budget 5 .* seed 0"):
        paired_table(_results(runs))


def _two_budget_results():
    runs = []
    for seed in range(3):
        for budget, base in ((5, 0.30), (20, 0.60)):
            runs.append(_run('supervised', budget, seed, base + 0.01 * seed))
            # budget 5: +27, +26, +28 points; budget 20: -1, +2, +0
            gain = {5: [0.27, 0.26, 0.28], 20: [-0.01, 0.02, 0.0]}[budget]
            runs.append(_run('ours', budget, seed,
                             base + 0.01 * seed + gain[seed]))
    return _results(runs)


def test_render_marks_intervals_that_contain_zero():
    text = render_paired(_two_budget_results())
    lines = text.splitlines()
    assert lines[0].startswith('Paired difference to `supervised` in points '
                               'of test acc/top1')
    assert '95 % t-interval' in lines[0] and '†' in lines[0]
    assert lines[2] == ('| method | budget | difference | 95 % interval '
                        '| seeds |')
    five = paired_difference([27, 26, 28], [0, 0, 0])
    assert lines[4] == (f"| ours | 5 | +27.00 | [{five['low']:+.1f}, "
                        f"{five['high']:+.1f}] | 3 |")
    assert '†' not in lines[4]
    assert lines[5].startswith('| ours | 20 | +0.33 | [-')
    assert lines[5].endswith('] † | 3 |')
    assert len(lines) == 6


def test_render_a_single_seed_has_no_interval():
    runs = [_run('a', 5, 0, 0.5), _run('b', 5, 0, 0.25)]
    text = render_paired(_results(runs))
    assert '| b | 5 | -25.00 | - (one seed) | 1 |' in text
    assert '†' not in text.splitlines()[-1]


def test_render_is_empty_without_a_pair():
    assert render_paired(_results([_run('a', 5, 0, 0.5)])) == ''
    assert render_paired(_results([])) == ''
    # two methods that share no seed
    runs = [_run('a', 5, 0, 0.5), _run('b', 5, 1, 0.5)]
    assert render_paired(_results(runs)) == ''


def _split_run(method, split, test, seed=None):
    values = dict(split=split) if seed is None else dict(split=split,
                                                         seed=seed)
    return dict(stage=f'{method}-stage', method=method, values=values,
                recipe=None, grid=False, val={}, test={'acc/top1': test})


def test_a_split_axis_pairs_by_split_and_is_named():
    # JHMDB-style: the cells average over the three splits, and a method
    # pairs with the reference on the same split
    runs = [_split_run('random', s, v) for s, v in
            ((1, 0.30), (2, 0.20), (3, 0.40))]
    runs += [_split_run('transfer', s, v) for s, v in
             ((3, 0.45), (1, 0.31), (2, 0.26))]
    results = dict(pipeline='p.py', report_metric='acc/top1',
                   select_metric='acc/top1', sweeps=dict(split=[1, 2, 3]),
                   runs=runs)
    [row] = paired_table(results)
    assert row['seeds'] == [3, 1, 2] and row['n'] == 3
    expected = paired_difference([45, 31, 26], [40, 30, 20])
    assert row['mean'] == pytest.approx(4.0)
    assert row['low'] == pytest.approx(expected['low'])
    text = render_paired(results)
    assert 'over the splits both ran (same split)' in text
    assert '| method | budget | difference | 95 % interval | splits |' in text
    from fsat.apis.summary import render_results
    table = render_results(results)
    assert 'mean ± std over 3 split(s).' in table
    assert '| transfer | 34.00 ± 9.85 |' in table
    # two replicate axes: pairs on (split, seed) and both are named
    runs = [_split_run('a', 1, 0.5, 0), _split_run('a', 1, 0.4, 1),
            _split_run('b', 1, 0.6, 1), _split_run('b', 1, 0.7, 0)]
    results = dict(results, sweeps=dict(split=[1], seed=[0, 1]), runs=runs)
    [row] = paired_table(results)
    assert row['seeds'] == [(1, 1), (1, 0)]
    assert row['mean'] == pytest.approx(20.0)
    assert 'mean ± std over 1 split(s) x 2 seed(s).' in render_results(
        results)
