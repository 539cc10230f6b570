# Copyright (c) fsat contributors. All rights reserved.
"""Recipe grids with several axes, edge flags and bounded extension.

A pipeline's ``recipe_axes`` names the options a recipe search varies::

    recipe_axes = dict(
        lr=dict(key='optim_wrapper.optimizer.lr', values=[0.01, 0.03, 0.1]),
        frozen_stages=dict(key='model.backbone.frozen_stages',
                           values=[3, -1], scale='choice'))

Each axis has a config ``key``, the ``values`` tried and a ``scale``:
``'log'`` (the default for positive numbers: the grid steps by a factor),
``'linear'`` (other numbers: it steps by a difference) or ``'choice'``
(anything else, or values that are not an ordered quantity, such as which
stages are frozen: never flagged). ``min`` / ``max`` bound an extension.
The grid is the product of the axes a stage searches (a stage's
``recipe_axes=['lr']`` limits it to those where the others do not apply,
e.g. frozen layers for a network trained from scratch); recipes are named
``lr0.01_frozen_stages3``.

A selected value at the smallest or largest end of a numeric axis is on an
**edge**: the best may lie beyond it. :func:`edge_notes` says so in words
("lr 0.01 is the smallest value tried"); :func:`extension` gives the next
value in that direction (one step of the axis's own spacing) so that a
pipeline with ``extend_edges=N`` can try up to ``N`` more values at each
end of each axis, one at a time, holding the other axes at their selected
values, until the choice is interior.
"""
import itertools
from typing import Any, Dict, List, Optional, Sequence, Tuple

SCALES = ('log', 'linear', 'choice')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def default_scale(values: Sequence[Any]) -> str:
    """``'log'`` for positive numbers, ``'linear'`` for numbers, else
    ``'choice'``."""
    if values and all(_is_number(v) for v in values):
        return 'log' if all(v > 0 for v in values) else 'linear'
    return 'choice'


def parse_axes(axes: Dict[str, Any], where: str) -> Dict[str, dict]:
    """Check ``recipe_axes`` and fill in each axis's ``scale``.

    Raises:
        ValueError: One line naming ``where`` and the bad axis.
    """
    parsed = {}
    for name, spec in axes.items():
        head = f'{where}: recipe axis {name!r}'
        if not isinstance(spec, dict) or not isinstance(
                spec.get('key'), str) or not isinstance(
                    spec.get('values'), (list, tuple)) or not spec['values']:
            raise ValueError(f"{head} must be dict(key='a.config.key', "
                             f'values=[...]), got {spec!r:.80}')
        unknown = set(spec) - {'key', 'values', 'scale', 'min', 'max'}
        if unknown:
            raise ValueError(f'{head} has unknown fields {sorted(unknown)}')
        values = list(spec['values'])
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f'{head} lists a value twice: {values}')
        scale = spec.get('scale') or default_scale(values)
        if scale not in SCALES:
            raise ValueError(f'{head}: scale must be one of {SCALES}, got '
                             f'{scale!r}')
        if scale != 'choice' and not all(_is_number(v) for v in values):
            raise ValueError(f'{head}: a {scale} axis needs numbers, got '
                             f'{values}')
        if scale == 'log' and not all(v > 0 for v in values):
            raise ValueError(f'{head}: a log axis needs positive values, got '
                             f'{values}')
        parsed[name] = dict(spec, values=values, scale=scale)
    return parsed


def format_value(value: Any) -> str:
    """A value as it appears in a recipe name (``0.01``, ``1e-05``, ``3``)."""
    if isinstance(value, float):
        return f'{value:g}'
    return str(value)


def make_recipe(axes: Dict[str, dict], values: Dict[str, Any]) -> dict:
    """The recipe for one value per axis: name, options and values."""
    name = '_'.join(f'{a}{format_value(v)}' for a, v in values.items())
    return dict(
        name=name,
        cfg_options={axes[a]['key']: v for a, v in values.items()},
        values=dict(values))


def expand(axes: Dict[str, dict], names: Optional[Sequence[str]] = None
           ) -> List[dict]:
    """Every recipe of the product of the named axes (all by default), in
    order: the first axis varies slowest, values in the order listed."""
    names = list(axes) if names is None else list(names)
    combos = itertools.product(*(axes[a]['values'] for a in names))
    return [make_recipe(axes, dict(zip(names, c))) for c in combos]


def tried_values(recipes: Sequence[dict], axis: str) -> List[Any]:
    """The values of ``axis`` among recipes, sorted."""
    return sorted({r['values'][axis] for r in recipes
                   if axis in r.get('values', {})})


def edges(axes: Dict[str, dict], recipes: Sequence[dict],
          selected: dict) -> List[Tuple[str, str]]:
    """``(axis, 'low' | 'high')`` for each numeric axis whose selected
    value is the smallest or largest of the values tried (with at least
    two tried)."""
    found = []
    for axis, value in selected.get('values', {}).items():
        spec = axes.get(axis)
        if spec is None or spec['scale'] == 'choice':
            continue
        tried = tried_values(recipes, axis)
        if len(tried) < 2:
            continue
        if value == tried[0]:
            found.append((axis, 'low'))
        elif value == tried[-1]:
            found.append((axis, 'high'))
    return found


def edge_notes(axes: Dict[str, dict], recipes: Sequence[dict],
               selected: dict) -> List[str]:
    """:func:`edges` in words: ``'lr 0.01 is the smallest value tried'``."""
    return [
        f"{axis} {format_value(selected['values'][axis])} is the "
        f"{'smallest' if side == 'low' else 'largest'} value tried"
        for axis, side in edges(axes, recipes, selected)
    ]


def extension(axes: Dict[str, dict], recipes: Sequence[dict],
              selected: dict, limit: int) -> Optional[dict]:
    """The next recipe to try beyond an edge, or None.

    One step past the edge value, the step being the spacing of the two
    values nearest the edge (a factor on a log axis, a difference on a
    linear one; integers stay integers), holding the other axes at their
    selected values. At most ``limit`` values beyond each end of the
    axis's own grid, and never past its ``min`` / ``max``.
    """
    for axis, side in edges(axes, recipes, selected):
        spec = axes[axis]
        tried = tried_values(recipes, axis)
        grid = sorted(spec['values'])
        beyond = [v for v in tried
                  if (v < grid[0] if side == 'low' else v > grid[-1])]
        if len(beyond) >= limit:
            continue
        edge, inner = ((tried[0], tried[1]) if side == 'low' else
                       (tried[-1], tried[-2]))
        if spec['scale'] == 'log':
            new = edge * (edge / inner)
        else:
            new = edge + (edge - inner)
        if all(isinstance(v, int) for v in spec['values']):
            new = int(round(new))
        elif isinstance(new, float):
            new = float(f'{new:.6g}')  # 0.01 / 3.333 -> 0.003, not 0.00299..
        if new in tried or ('min' in spec and new < spec['min']) or (
                'max' in spec and new > spec['max']):
            continue
        values = dict(selected['values'])
        values[axis] = new
        return make_recipe(axes, values)
    return None
