# Copyright (c) fsat contributors. All rights reserved.
"""The pieces a pipeline config is made of, and its placeholders.

:class:`Stage` is one parsed stage (its config, sweep axes, options,
``init_from``), :class:`Run` one execution of a stage for a sweep point and
recipe. Stage fields shared through ``templates`` are merged here
(:func:`_merge_stage_fields`), and the ``'{budget}'`` /
``'{teacher.checkpoint}'`` placeholders of ``cfg_options`` are found,
checked and filled in (:func:`_references`, :func:`_bad_placeholders`,
:func:`_substitute`).
"""
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

_PLACEHOLDER = re.compile(r'\{([A-Za-z_][\w-]*)(?:\.(checkpoint))?\}')
#: The fields a pipeline config may have (other names are its own
#: variables, e.g. ``_finetune``; one close to a field is a typo).
PIPELINE_FIELDS = ('stages', 'sweeps', 'recipe_grid', 'recipe_axes',
                   'extend_edges', 'length_selection', 'templates',
                   'prepare', 'report_metric', 'select_metric',
                   'select_seeds', 'select_on', 'reference_method',
                   'budget_format',
                   'budget_label', 'work_dir', 'reuse_from')


@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline (see the module docstring)."""

    name: str
    config: str
    method: Optional[str] = None
    sweep: Tuple[str, ...] = ()
    select_recipe: bool = False
    # the pipeline's recipe_axes this stage searches (None: all of them)
    recipe_axes: Optional[Tuple[str, ...]] = None
    # choose the training length on validation (None: when it selects a
    # recipe and the pipeline has a length_selection)
    select_length: Optional[bool] = None
    test_only: bool = False
    cfg_options: Dict[str, Any] = field(default_factory=dict)
    init_from: Optional[Dict[str, Any]] = None

    @property
    def references(self) -> List[Tuple[str, Optional[str]]]:
        """``(name, 'checkpoint' or None)`` of every placeholder."""
        refs = _references(self.cfg_options)
        if self.init_from is not None:
            refs.append((self.init_from['stage'], 'checkpoint'))
        return refs


@dataclass
class Run:
    """One execution of a stage for one sweep point and recipe."""

    stage: Stage
    values: Dict[str, Any]
    recipe: Optional[dict]
    work_dir: str
    signature: str = ''
    upstream: Dict[str, 'Run'] = field(default_factory=dict)
    record: Optional[dict] = None
    grid: bool = False  # a recipe-grid run (its validation selects)
    deferred: bool = False  # runs the recipe its grid runs selected

    @property
    def tag(self) -> str:
        parts = [f'{k}{v}' for k, v in self.values.items()]
        if self.recipe is not None:
            parts.append(self.recipe['name'])
        return '_'.join(parts) or 'single'

    @property
    def label(self) -> str:
        return f'{self.stage.name} [{self.tag}]'

    def agrees(self, values: Dict[str, Any]) -> bool:
        """Whether each of the run's sweep values equals that of
        ``values`` (a run of a stage sweeping fewer axes agrees with every
        sweep point it serves)."""
        return all(values.get(k) == v for k, v in self.values.items())


def _merge_stage_fields(base: dict, update: dict) -> dict:
    """``update``'s fields over ``base``'s; ``cfg_options`` key by key."""
    merged = dict(base)
    merged.update(update)
    merged['cfg_options'] = dict(base.get('cfg_options') or {})
    merged['cfg_options'].update(update.get('cfg_options') or {})
    return merged


def _references(value: Any) -> List[Tuple[str, Optional[str]]]:
    """Placeholders ``(name, 'checkpoint'|None)`` inside a value."""
    if isinstance(value, str):
        return _PLACEHOLDER.findall(value)
    if isinstance(value, dict):
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _references(v)]
    return []


_DOTTED = re.compile(r'\{[A-Za-z_][\w-]*\.[\w.-]*\}')


def _bad_placeholders(value: Any) -> List[str]:
    """``{stage.field}`` strings whose field is not ``checkpoint`` (format
    fields such as ``{:05d}`` are left alone)."""
    if isinstance(value, str):
        return [m for m in _DOTTED.findall(value)
                if not _PLACEHOLDER.fullmatch(m)]
    if isinstance(value, dict):
        return [b for v in value.values() for b in _bad_placeholders(v)]
    if isinstance(value, (list, tuple)):
        return [b for v in value for b in _bad_placeholders(v)]
    return []


def _substitute(value: Any, lookup: Dict[str, Any]) -> Any:
    """Replace placeholders; a bare placeholder keeps the value's type."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return lookup[value[1:-1]]
        return _PLACEHOLDER.sub(lambda m: str(lookup[m.group(0)[1:-1]]),
                                value)
    if isinstance(value, dict):
        return {k: _substitute(v, lookup) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_substitute(v, lookup) for v in value)
    return value
