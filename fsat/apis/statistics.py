# Copyright (c) fsat contributors. All rights reserved.
"""Paired differences between methods over seeds that share a labeled subset.

A pipeline draws the labeled subset of a budget with the run's ``seed``, so
two methods run with the same budget and seed saw the same labeled examples.
Their test metrics form a pair; the difference of each pair removes the
variance that comes from the subset itself. This module reports, per method
and budget, the mean difference to a reference method and a Student-t
interval over the seeds both methods ran, using the run of the *selected*
recipe only (as :func:`fsat.apis.summary.table_cells` does).
"""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
from scipy import stats

from fsat.apis.summary import replicate_axes, replicate_key, selected_runs


def paired_difference(a: Sequence[float],
                      b: Sequence[float],
                      confidence: float = 0.95) -> dict:
    """Mean of ``a_i - b_i`` and its Student-t confidence interval.

    The interval is ``mean ± t_{(1 + c) / 2, n - 1} * sd / sqrt(n)`` with the
    sample standard deviation (``ddof=1``) of the differences.

    Args:
        a (Sequence[float]): Values of one method, one per pair.
        b (Sequence[float]): Values of the other method, in the same order.
        confidence (float): Coverage of the interval. Defaults to 0.95.

    Returns:
        dict: ``mean``, ``low``, ``high``, ``n`` and ``contains_zero``
        (whether ``low <= 0 <= high``). With a single pair the interval is
        undefined: ``low``, ``high`` and ``contains_zero`` are None. When
        all differences are equal the interval is the mean itself.

    Raises:
        ValueError: When ``a`` and ``b`` differ in length or are empty.
    """
    if len(a) != len(b):
        raise ValueError(f'paired values need equal lengths, got {len(a)} '
                         f'and {len(b)}')
    if not a:
        raise ValueError('paired values are empty: no pair to compare')
    diffs = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = len(diffs)
    mean = float(diffs.mean())
    if n == 1:
        return dict(mean=mean, low=None, high=None, n=1, contains_zero=None)
    half = float(
        stats.t.ppf((1 + confidence) / 2, n - 1) * diffs.std(ddof=1) /
        math.sqrt(n))
    low, high = mean - half, mean + half
    return dict(mean=mean, low=low, high=high, n=n,
                contains_zero=bool(low <= 0 <= high))


def _selected_values(results: dict) -> Dict[tuple, Dict[object, float]]:
    """``(method, budget) -> {seed: test value in percent}`` (the key is
    :func:`~fsat.apis.summary.replicate_key`: the seed, or the tuple of
    the replicate sweep values, e.g. the split), selected
    recipe only (:func:`fsat.apis.summary.selected_runs`), methods and
    budgets in order of first appearance."""
    metric = results['report_metric']
    methods, budgets, runs = selected_runs(results)
    axes = replicate_axes(results)
    values: Dict[tuple, Dict[object, float]] = {}
    for method in methods:
        for budget in budgets:
            if (method, budget) not in runs:
                continue
            per_seed = values.setdefault((method, budget), {})
            for run in runs[(method, budget)]:
                seed = replicate_key(run, axes)
                if seed in per_seed:
                    raise ValueError(
                        f'method {method!r} budget {budget} has more than '
                        'one run of the selected recipe with '
                        f"{'/'.join(axes) or 'seed'} {seed}: cannot pair "
                        'it')
                per_seed[seed] = 100 * run['test'][metric]
    return values


def paired_table(results: dict,
                 reference: Optional[str] = None,
                 confidence: float = 0.95) -> List[dict]:
    """Paired differences of every method to a reference, per budget.

    Pairs are the runs of a method and of the reference with the same
    budget and the same sweep ``seed`` (hence the same labeled subset);
    seeds that only one side ran are skipped. Values are points of the
    test ``report_metric`` (100 times the metric).

    Args:
        results (dict): A pipeline's ``results.json``.
        reference (str, optional): The method to compare with. Defaults to
            ``results['reference_method']``, else the first method.
        confidence (float): Coverage of the intervals. Defaults to 0.95.

    Returns:
        list[dict]: One row per method other than the reference and budget
        with at least one pair, in order of first appearance:
        ``method``, ``budget``, ``reference``, ``seeds`` (the paired seeds)
        and the keys of :func:`paired_difference`.

    Raises:
        ValueError: When the reference is not a method of ``results``.
    """
    values = _selected_values(results)
    methods = list(dict.fromkeys(m for m, _ in values))
    budgets = list(dict.fromkeys(b for _, b in values))
    if not methods:
        return []
    reference = reference or results.get('reference_method') or methods[0]
    if reference not in methods:
        raise ValueError(f'reference method {reference!r} is not among the '
                         f"methods of the results ({', '.join(methods)})")
    rows = []
    for method in methods:
        if method == reference:
            continue
        for budget in budgets:
            mine = values.get((method, budget), {})
            ref = values.get((reference, budget), {})
            seeds = [s for s in mine if s in ref]
            if not seeds:
                continue
            diff = paired_difference([mine[s] for s in seeds],
                                     [ref[s] for s in seeds], confidence)
            rows.append(dict(method=method, budget=budget,
                             reference=reference, seeds=seeds, **diff))
    return rows


def _points(value: float, digits: int) -> str:
    # + 0.0 turns -0.0 into 0.0 so that no '-0.00' appears
    return f'{round(value, digits) + 0.0:+.{digits}f}'


def render_paired(results: dict,
                  reference: Optional[str] = None,
                  confidence: float = 0.95) -> str:
    """A Markdown block with :func:`paired_table`.

    Args:
        results (dict): A pipeline's ``results.json``.
        reference (str, optional): See :func:`paired_table`.
        confidence (float): Coverage of the intervals. Defaults to 0.95.

    Returns:
        str: A sentence and a table ``| method | budget | difference |
        interval | seeds |``; † marks an interval that contains 0. Empty
        when there is a single method or no pair.
    """
    rows = paired_table(results, reference, confidence)
    if not rows:
        return ''
    level = f'{100 * confidence:g} %'
    axes = replicate_axes(results) or ['seed']
    what = ' x '.join(f'{a}s' for a in axes)
    same = ('same labeled subset' if axes == ['seed'] else
            f"same {', '.join(axes)}")
    lines = [
        f"Paired difference to `{rows[0]['reference']}` in points of test "
        f"{results['report_metric']}: mean and {level} t-interval over the "
        f'{what} both ran ({same}); † marks an interval that contains 0, '
        f'i.e. not distinguishable at this number of {what}.', '',
        f'| method | budget | difference | {level} interval | {what} |',
        '|---|---|---|---|---|'
    ]
    for row in rows:
        if row['low'] is None:
            interval = '- (one seed)'
        else:
            interval = (f"[{_points(row['low'], 1)}, "
                        f"{_points(row['high'], 1)}]")
            if row['contains_zero']:
                interval += ' †'
        lines.append(f"| {row['method']} | {row['budget']} | "
                     f"{_points(row['mean'], 2)} | {interval} | "
                     f"{row['n']} |")
    return '\n'.join(lines) + '\n'
