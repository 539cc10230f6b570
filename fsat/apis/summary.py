# Copyright (c) fsat contributors. All rights reserved.
"""Paper-style tables and plots from a pipeline's ``results.json`` alone.

Rows are methods (stages with a ``method``), columns are label budgets (the
``budget`` sweep axis, or one column), cells are ``mean ± std`` over seeds
(every other sweep axis: :func:`replicate_axes`, e.g. JHMDB's splits)
of the test metric, in percent; the standard deviation is the sample one
(``ddof=1``) and is omitted with a single seed. When a stage ran a recipe
grid, each (method, budget) uses the recipe with the best mean
*validation* metric over seeds (ties: the earlier recipe in the grid), and
the test numbers of that recipe only are reported. With ``select_seeds``
(or ``select_on``, e.g. ``dict(split=[1])``), only those seeds (splits) ran
the grid; the others ran the selected recipe.
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


def replicate_axes(results: dict) -> List[str]:
    """The sweep axes a table cell averages over: every axis but
    ``budget`` (``seed`` in most pipelines; ``split`` where a benchmark is
    averaged over its splits, as JHMDB's three)."""
    return [a for a in results.get('sweeps', {}) if a != BUDGET]


def replicate_key(run: dict, axes: List[str]):
    """What pairs a run with the reference's: its value on the one
    replicate axis (``seed`` when there is none), else the tuple of its
    replicate values."""
    if len(axes) <= 1:
        return run['values'].get(axes[0] if axes else 'seed')
    return tuple(run['values'].get(a) for a in axes)


def replicate_label(results: dict) -> str:
    """``'3 seed(s)'``, ``'3 split(s)'`` or ``'3 split(s) x 2 seed(s)'``:
    what a cell's ``mean ± std`` is over."""
    sweeps = results.get('sweeps', {})
    axes = replicate_axes(results) or ['seed']
    return ' x '.join(f'{len(sweeps.get(a, [])) or 1} {a}(s)' for a in axes)


def choose_recipe(scores: Dict[str, List[float]], order: List[str]) -> str:
    """The recipe with the best mean score; ties go to the earlier one."""
    if not scores:
        raise ValueError('no validation scores to choose a recipe with')
    means = {r: float(np.mean(v)) for r, v in scores.items()}
    return max(means, key=lambda r: (means[r], -order.index(r)))


def _is_grid(run: dict) -> bool:
    # results written before deferred runs existed: every recipe run
    return run.get('grid', run['recipe'] is not None)


def _recipe_order(results: dict) -> List[str]:
    """Recipe names in the order tried: the ``recipe_grid``'s, then as they
    first appear among the runs (a product of ``recipe_axes`` in its own
    order, then extensions beyond an edge)."""
    order = [r['name'] for r in results.get('recipe_grid') or []]
    for run in results['runs']:
        if run.get('recipe') is not None and run['recipe'] not in order:
            order.append(run['recipe'])
    return order


def select_recipes(results: dict) -> Dict[str, Dict[str, dict]]:
    """Per method and budget: the selected recipe and every recipe's score.

    Returns:
        dict: ``method -> str(budget) -> dict(selected=name,
        val={recipe: mean validation metric}, edges=[notes])``; ``edges``
        says when the selected value of a numeric axis of ``recipe_axes``
        is the smallest or largest tried
        (:func:`fsat.apis.pipeline.recipes.edge_notes`).
    """
    from fsat.apis.pipeline.recipes import edge_notes
    metric = results['select_metric']
    order = _recipe_order(results)
    axes = results.get('recipe_axes') or {}
    values: Dict[Tuple[str, str], Dict[str, dict]] = defaultdict(dict)
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
        key = (run['method'], str(_budget(run)))
        scores[key][run['recipe']].append(value)
        if run.get('recipe_values') is not None:
            values[key][run['recipe']] = dict(name=run['recipe'],
                                              values=run['recipe_values'])
    selection: Dict[str, Dict[str, dict]] = defaultdict(dict)
    for (method, budget), per_recipe in scores.items():
        means = {r: float(np.mean(v)) for r, v in per_recipe.items()}
        chosen = choose_recipe(per_recipe, order)
        tried = values[(method, budget)]
        edges = (edge_notes(axes, list(tried.values()), tried[chosen])
                 if axes and chosen in tried else [])
        selection[method][budget] = dict(
            selected=chosen, val=means, edges=edges)
    return dict(selection)


def selected_runs(results: dict) -> Tuple[List[str], List, Dict]:
    """Methods, budgets and ``(method, budget) -> runs`` of the selected
    recipe (every run of a stage without a recipe grid), in run order."""
    metric = results['report_metric']
    selection = select_recipes(results)
    methods: List[str] = []
    budgets: List = []
    cells: Dict[Tuple[str, object], List[dict]] = defaultdict(list)
    for run in results['runs']:
        method = run['method']
        if method is None:
            continue
        budget = _budget(run)
        if run['recipe'] is not None and method in selection:
            chosen = selection[method][str(budget)]['selected']
            if run['recipe'] != chosen:
                continue
        if run.get('tested') is False:
            raise ValueError(
                f"run {run['stage']} {run['values']} {run['recipe']} was "
                'selected on validation but not tested yet (the pipeline '
                'stopped before): run the pipeline again to test it')
        if metric not in run['test']:
            raise ValueError(
                f"run {run['stage']} {run['values']} has no test metric "
                f"{metric!r} (it has {sorted(run['test'])})")
        if method not in methods:
            methods.append(method)
        if budget not in budgets:
            budgets.append(budget)
        cells[(method, budget)].append(run)
    return methods, budgets, dict(cells)


def table_cells(results: dict) -> Tuple[List[str], List, Dict]:
    """Methods, budgets and ``(method, budget) -> list of test values``
    (percent) of the selected recipe."""
    metric = results['report_metric']
    methods, budgets, runs = selected_runs(results)
    return methods, budgets, {
        key: [100 * run['test'][metric] for run in cell]
        for key, cell in runs.items()
    }


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
    lines = [
        f"Test {results['report_metric']} (%), mean ± std over "
        f'{replicate_label(results)}.', '',
        '| ' + ' | '.join(rows[0]) + ' |',
        '|' + '---|' * len(rows[0])
    ]
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows[1:]]
    selection = select_recipes(results)
    if selection:
        on = results.get('select_on') or (
            dict(seed=results['select_seeds'])
            if results.get('select_seeds') else None)
        over = ('; '.join(f"{axis}(s) {', '.join(map(str, values))}"
                          for axis, values in on.items())
                if on else 'all ' + ' x '.join(
                    f'{a}s' for a in replicate_axes(results) or ['seed']))
        axes = results.get('recipe_axes') or {}
        extend = results.get('extend_edges') or 0
        lines += [
            '', f"Recipes chosen on validation {results['select_metric']} "
            f'(mean over {over}; the same grid for every method where it '
            'applies; ties go to the recipe tried first):', ''
        ]
        if axes:
            lines += [
                'Grid: ' + '; '.join(
                    f"{name} ({spec['key']}) "
                    f"{', '.join(map(str, spec['values']))}"
                    for name, spec in axes.items()) +
                (f'; up to {extend} more value(s) tried beyond an edge.'
                 if extend else '; no extension beyond an edge.'), ''
            ]
        # the edge column only where the grid has axes to be on the edge of
        lines += [
            '| method | budget | selected |' + (' edge |' if axes else '') +
            ' validation scores |', '|---|---|---|' + ('---|' if axes else '')
            + '---|'
        ]
        for method, per_budget in selection.items():
            for budget, info in per_budget.items():
                scores = ', '.join(f'{r}: {100 * v:.2f}'
                                   for r, v in info['val'].items())
                edge = ('**' + '; '.join(info['edges']) + '**'
                        if info.get('edges') else '-')
                lines.append(
                    f"| {method} | {budget} | {info['selected']} | " +
                    (f'{edge} | ' if axes else '') + f'{scores} |')
    lines += _render_lengths(results)
    from fsat.apis.statistics import render_paired  # imports this module
    paired = render_paired(results)
    if paired:
        lines += ['', paired.strip('\n')]
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
    from fsat.utils.environment import render_environment
    environment = render_environment(results)
    if environment:
        lines += ['', environment.strip('\n')]
    lines += ['', f"{len(results['runs'])} runs in results.json.", '']
    return '\n'.join(lines)


def _render_lengths(results: dict) -> List[str]:
    """The training length each selected run chose on validation."""
    methods, budgets, runs = selected_runs(results)
    rows, intervals, sizes = [], set(), set()
    for method in methods:
        for budget in budgets:
            chosen = [r['length'] for r in runs.get((method, budget), [])
                      if r.get('length')]
            if not chosen:
                continue
            intervals.update(c['val_interval'] for c in chosen)
            sizes.update(c['val_size'] for c in chosen if 'val_size' in c)
            iters = ', '.join(str(c['best_iter']) for c in chosen)
            top = max(c['max_iters'] for c in chosen)
            edge = sum(c['best_iter'] == c['max_iters'] for c in chosen)
            note = (f' (**{edge} at the maximum**: longer might be better)'
                    if edge else '')
            rows.append(f'| {method} | {budget} | {iters}{note} | {top} |')
    if not rows:
        return []
    every = ' / '.join(map(str, sorted(intervals)))
    size = (f" on {' / '.join(map(str, sorted(sizes)))} validation samples"
            if sizes else '')
    return [
        '', 'Training lengths chosen on validation (each run validates '
        f'every {every} iterations{size} and tests its best checkpoint; '
        'one value per seed, in seed order):', '',
        '| method | budget | iterations chosen | of at most |',
        '|---|---|---|---|'
    ] + rows


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
    begin, end = DOC_BEGIN.format(name=name), DOC_END.format(name=name)
    return replace_doc_block(
        doc_path, begin, end, render_results(results).strip('\n'),
        f'{doc_path} has no results block {name!r}: add the lines\n'
        f'{begin}\n{end}')


def replace_doc_block(doc_path: str, begin: str, end: str, body: str,
                      missing: str, unique: bool = False) -> bool:
    """Put ``body`` between the marker lines ``begin`` and ``end`` of a
    Markdown file (a blank line either side), writing it only when it
    changes, through a temporary file (a page is never half written).

    Tools that keep generated tables in docs share it:
    :func:`update_doc` (pipeline results) and
    ``tools/analysis/detection_chance.py --doc`` (chance levels).

    Args:
        doc_path (str): The page.
        begin (str): The opening marker line.
        end (str): The closing marker line.
        body (str): What goes between them.
        missing (str): The message when the page lacks ``begin`` followed
            by ``end``.
        unique (bool): Also require each marker exactly once.

    Returns:
        bool: Whether the file changed.

    Raises:
        ValueError: ``missing``, when the markers are not there (or not
            unique with ``unique=True``).
    """
    with open(doc_path, encoding='utf-8') as f:
        text = f.read()
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i or unique and (text.count(begin) != 1
                                     or text.count(end) != 1):
        raise ValueError(missing)
    new = text[:i + len(begin)] + '\n\n' + body + '\n\n' + text[j:]
    if new == text:
        return False
    tmp = f'{doc_path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(new)
    os.replace(tmp, doc_path)
    return True


def render_console(results: dict) -> str:
    """The table for a terminal (terminaltables)."""
    from terminaltables import AsciiTable
    return AsciiTable(table_rows(results)).table


def plot(results: dict, path: str) -> None:
    """Grouped bars of the metric per budget and method (mean, std error
    bars) with one dot per seed."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods, budgets, cells = table_cells(results)
    # the legend sits right of the axes, so it never hides a bar or a
    # tick label however many methods there are
    legend_width = 0.8 + 0.062 * max((len(str(m)) for m in methods),
                                     default=0)
    fig, ax = plt.subplots(
        figsize=(1.6 + 1.4 * len(budgets) + legend_width, 3.6))
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(budgets))
    for i, method in enumerate(methods):
        values = [cells.get((method, b), []) for b in budgets]
        means = [np.mean(v) if v else np.nan for v in values]
        stds = [np.std(v, ddof=1) if len(v) > 1 else 0 for v in values]
        offset = x + (i - (len(methods) - 1) / 2) * width
        bars = ax.bar(offset, means, width, yerr=stds, capsize=3,
                      label=method, alpha=0.75)
        # every seed's value, not only the mean
        for j, v in enumerate(values):
            ax.plot([offset[j]] * len(v), v, 'o', ms=3,
                    color=bars.patches[0].get_facecolor(), mec='black',
                    mew=0.5, alpha=1.0)
    ax.set_xticks(x)
    fmt = results.get('budget_format') or '{}'
    ax.set_xticklabels([
        fmt.format(b) if isinstance(b, (int, float)) else str(b)
        for b in budgets
    ])
    ax.set_xlabel(results.get('budget_label') or BUDGET_LABEL)
    ax.set_ylabel(f"test {results['report_metric']} (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0.0, frameon=False)
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    # fixed metadata so the same results give the same bytes
    fig.savefig(path, dpi=120, metadata={'Software': None})
    plt.close(fig)


def plot_curves(results: dict, path: str) -> bool:
    """Validation curves of the selected runs that chose their length:
    the selecting metric against the iteration, mean over seeds, one panel
    per budget. False (nothing written) when no run chose its length."""
    methods, budgets, runs = selected_runs(results)
    panels = [b for b in budgets if any(
        r.get('length') for m in methods for r in runs.get((m, b), []))]
    if not panels:
        return False
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(0.4 + 3.4 * len(panels), 3.2))
    fmt = results.get('budget_format') or BUDGET_FORMAT
    for ax, budget in zip(axes[0], panels):
        for method in methods:
            curves = [dict(r['length']['curve'])
                      for r in runs.get((method, budget), [])
                      if r.get('length')]
            if not curves:
                continue
            iters = sorted(set.intersection(*(set(c) for c in curves)))
            mean = [100 * np.mean([c[i] for c in curves]) for i in iters]
            line, = ax.plot(iters, mean, label=method)
            for c in curves:  # the iteration each seed chose
                best = max(c, key=lambda i: (c[i], -i))
                ax.plot(best, 100 * c[best], 'v', ms=4,
                        color=line.get_color())
        ax.set_title(fmt.format(budget) if isinstance(budget, (int, float))
                     else str(budget), fontsize=9)
        ax.set_xlabel('iteration')
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"validation {results['select_metric']} (%)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={'Software': None})
    plt.close(fig)
    return True


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
    out = dict(markdown=md_path, plot=png_path,
               table=render_console(results), results=results)
    curves_path = osp.join(out_dir, 'results_curves.png')
    if plot_curves(results, curves_path):
        out['curves'] = curves_path
    return out
