# Copyright (c) fsat contributors. All rights reserved.
"""Paper-style tables and plots from a pipeline's ``results.json`` alone.

Rows are methods (stages with a ``method``), columns are label budgets (the
``budget`` sweep axis, or one column), cells are ``mean ± std`` over seeds
of the test metric, in percent; the standard deviation is the sample one
(``ddof=1``) and is omitted with a single seed. When a stage ran a recipe
grid, each (method, budget) uses the recipe with the best mean
*validation* metric over seeds (ties: the earlier recipe in the grid), and
the test numbers of that recipe only are reported. With ``select_seeds``,
only those seeds ran the grid; the other seeds ran the selected recipe.
"""
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

from fsat.utils.cli import FsatUserError

BUDGET = 'budget'
#: How a budget value is shown (``results.json``'s ``budget_format`` and
#: ``budget_label``, from the pipeline config, override them).
BUDGET_FORMAT = '{} / class'
BUDGET_LABEL = 'labeled examples per class'


def _budget(run: dict):
    return run['values'].get(BUDGET, 'all')


def choose_recipe(scores: Dict[str, List[float]], order: List[str]) -> str:
    """The recipe with the best mean score; ties go to the earlier one."""
    if not scores:
        raise ValueError('no validation scores to choose a recipe with')
    means = {r: float(np.mean(v)) for r, v in scores.items()}
    return max(means, key=lambda r: (means[r], -order.index(r)))


def _is_grid(run: dict) -> bool:
    # results written before deferred runs existed: every recipe run
    return run.get('grid', run['recipe'] is not None)


def select_recipes(results: dict) -> Dict[str, Dict[str, dict]]:
    """Per method and budget: the selected recipe and every recipe's score.

    Returns:
        dict: ``method -> str(budget) -> dict(selected=name,
        val={recipe: mean validation metric})``.
    """
    metric = results['select_metric']
    order = [r['name'] for r in results.get('recipe_grid', [])]
    scores: Dict[Tuple[str, str], Dict[str, list]] = defaultdict(
        lambda: defaultdict(list))
    for run in results['runs']:
        if run['method'] is None or not _is_grid(run):
            continue
        value = run['val'].get(metric)
        if value is None:
            raise ValueError(
                f"run {run['stage']} {run['values']} {run['recipe']} has no "
                f'validation metric {metric!r} to select a recipe with '
                f"(it has {sorted(run['val'])})")
        scores[(run['method'], str(_budget(run)))][run['recipe']].append(
            value)
    selection: Dict[str, Dict[str, dict]] = defaultdict(dict)
    for (method, budget), per_recipe in scores.items():
        means = {r: float(np.mean(v)) for r, v in per_recipe.items()}
        selection[method][budget] = dict(
            selected=choose_recipe(per_recipe, order), val=means)
    return dict(selection)


def table_cells(results: dict) -> Tuple[List[str], List, Dict]:
    """Methods, budgets and ``(method, budget) -> list of test values``."""
    metric = results['report_metric']
    selection = select_recipes(results)
    methods: List[str] = []
    budgets: List = []
    cells: Dict[Tuple[str, object], List[float]] = defaultdict(list)
    for run in results['runs']:
        method = run['method']
        if method is None:
            continue
        budget = _budget(run)
        if run['recipe'] is not None:
            chosen = selection[method][str(budget)]['selected']
            if run['recipe'] != chosen:
                continue
        if metric not in run['test']:
            raise ValueError(
                f"run {run['stage']} {run['values']} has no test metric "
                f"{metric!r} (it has {sorted(run['test'])})")
        if method not in methods:
            methods.append(method)
        if budget not in budgets:
            budgets.append(budget)
        cells[(method, budget)].append(100 * run['test'][metric])
    return methods, budgets, dict(cells)


def _cell(values: Optional[List[float]]) -> str:
    if not values:
        return '-'
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}'


def table_rows(results: dict) -> List[List[str]]:
    """Header + one row per method, cells ``mean ± std``."""
    methods, budgets, cells = table_cells(results)
    fmt = results.get('budget_format') or BUDGET_FORMAT
    header = ['method'] + [
        fmt.format(b) if isinstance(b, (int, float)) else str(b)
        for b in budgets
    ]
    return [header] + [[m] + [_cell(cells.get((m, b))) for b in budgets]
                       for m in methods]


def render_markdown(results: dict) -> str:
    """``results.md``: a title, then :func:`render_results`."""
    return (f"# Results of `{results['pipeline']}`\n\n" +
            render_results(results))


def render_results(results: dict) -> str:
    """The table, the recipe selection, the stages without a method row
    and the run count (Markdown, no title)."""
    rows = table_rows(results)
    seeds = results.get('sweeps', {}).get('seed', [])
    lines = [
        f"Test {results['report_metric']} (%), mean ± std over "
        f'{len(seeds) or 1} seed(s).', '',
        '| ' + ' | '.join(rows[0]) + ' |',
        '|' + '---|' * len(rows[0])
    ]
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows[1:]]
    selection = select_recipes(results)
    if selection:
        seeds = results.get('select_seeds')
        over = (f"seed(s) {', '.join(map(str, seeds))}" if seeds else
                'all seeds')
        lines += [
            '', f"Recipes chosen on validation {results['select_metric']} "
            f'(mean over {over}; the same grid for every method):', '',
            '| method | budget | selected | validation scores |',
            '|---|---|---|---|'
        ]
        for method, per_budget in selection.items():
            for budget, info in per_budget.items():
                scores = ', '.join(f'{r}: {100 * v:.2f}'
                                   for r, v in info['val'].items())
                lines.append(
                    f"| {method} | {budget} | {info['selected']} | "
                    f'{scores} |')
    others = [r for r in results['runs'] if r['method'] is None and r['test']]
    if others:
        lines += [
            '', 'Stages without a method row (teachers, test-only checks), '
            'test metrics (%):', '', '| stage | run | test |', '|---|---|---|'
        ]
        for run in others:
            values = ', '.join(f'{k}={v}' for k, v in run['values'].items())
            metrics = ', '.join(f'{k}: {100 * v:.2f}'
                                for k, v in run['test'].items())
            lines.append(f"| {run['stage']} | {values or '-'} | {metrics} |")
    lines += ['', f"{len(results['runs'])} runs in results.json.", '']
    return '\n'.join(lines)


DOC_BEGIN = '<!-- results: {name} (tools/analysis/summarize_pipeline.py) -->'
DOC_END = '<!-- /results: {name} -->'


def update_doc(doc_path: str, name: str, results: dict) -> bool:
    """Replace the results block ``name`` of a Markdown file.

    The block lies between ``DOC_BEGIN`` and ``DOC_END`` (with ``{name}``
    filled in) and receives :func:`render_results`, so
    a page shows what the tool writes, never a hand-typed table.

    Returns:
        bool: Whether the file changed.

    Raises:
        ValueError: naming the file when it lacks the block's markers.
    """
    with open(doc_path, encoding='utf-8') as f:
        text = f.read()
    begin, end = DOC_BEGIN.format(name=name), DOC_END.format(name=name)
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f'{doc_path} has no results block {name!r}: add '
                         f'the lines\n{begin}\n{end}')
    body = render_results(results).strip('\n')
    new = text[:i + len(begin)] + '\n\n' + body + '\n\n' + text[j:]
    if new == text:
        return False
    with open(doc_path, 'w', encoding='utf-8') as f:
        f.write(new)
    return True


def render_console(results: dict) -> str:
    """The table for a terminal (terminaltables)."""
    from terminaltables import AsciiTable
    return AsciiTable(table_rows(results)).table


def plot(results: dict, path: str) -> None:
    """Grouped bars of the metric per budget and method, std error bars."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods, budgets, cells = table_cells(results)
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(budgets), 3.6))
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(budgets))
    for i, method in enumerate(methods):
        values = [cells.get((method, b), []) for b in budgets]
        means = [np.mean(v) if v else np.nan for v in values]
        stds = [np.std(v, ddof=1) if len(v) > 1 else 0 for v in values]
        ax.bar(x + (i - (len(methods) - 1) / 2) * width, means, width,
               yerr=stds, capsize=3, label=method)
    ax.set_xticks(x)
    fmt = results.get('budget_format') or '{}'
    ax.set_xticklabels([
        fmt.format(b) if isinstance(b, (int, float)) else str(b)
        for b in budgets
    ])
    ax.set_xlabel(results.get('budget_label') or BUDGET_LABEL)
    ax.set_ylabel(f"test {results['report_metric']} (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    # fixed metadata so the same results give the same bytes
    fig.savefig(path, dpi=120, metadata={'Software': None})
    plt.close(fig)


#: Fields every results.json of :func:`fsat.apis.run_pipeline` has.
RESULT_FIELDS = ('pipeline', 'report_metric', 'select_metric', 'runs')


def read_results(results_json: str) -> dict:
    """Read a pipeline's ``results.json``; anything else is one line naming
    the file and what is wrong."""
    if not osp.isfile(results_json):
        raise FsatUserError(f'results file does not exist: {results_json}')
    try:
        with open(results_json, encoding='utf-8') as f:
            results = json.load(f)
    except (UnicodeDecodeError, ValueError) as e:
        raise FsatUserError(
            f'{results_json} is not JSON ({e}); give the results.json a '
            'pipeline wrote') from None
    missing = [k for k in RESULT_FIELDS
               if not isinstance(results, dict) or k not in results]
    if missing:
        raise FsatUserError(
            f'{results_json} is not a pipeline results.json: it lacks '
            f'{", ".join(missing)}')
    return results


def summarize(results_json: str,
              out_dir: Optional[str] = None) -> Dict[str, str]:
    """Write ``results.md`` and ``results.png`` next to the JSON.

    Returns:
        dict: Paths written, the console table and the results read.
    """
    results = read_results(results_json)
    out_dir = out_dir or osp.dirname(osp.abspath(results_json))
    os.makedirs(out_dir, exist_ok=True)
    md_path = osp.join(out_dir, 'results.md')
    png_path = osp.join(out_dir, 'results.png')
    with open(md_path, 'w', encoding='utf-8') as f:
        f.write(render_markdown(results))
    plot(results, png_path)
    return dict(markdown=md_path, plot=png_path,
                table=render_console(results), results=results)
