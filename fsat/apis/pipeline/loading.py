# Copyright (c) fsat contributors. All rights reserved.
"""Reading a pipeline config: parsing, validation, planning, signatures.

:func:`load_pipeline` reads the file (a syntax error or a failing config is
one line naming it); :class:`Pipeline` checks every field and stage
before anything runs, plans the runs (sweeps, recipe grids, deferred
recipe selection), gives each its work dir and signature (the stage config,
the ``_base_`` files it inherits (:func:`_base_digests`), its options and
its upstream runs' signatures) and resolves a run's config with its
placeholders filled in.
"""
import difflib
import hashlib
import inspect
import itertools
import json
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config

from fsat.apis.runner import load_config, merge_cfg_options
from fsat.apis.summary import BUDGET
from fsat.utils.cli import FsatUserError
from fsat.utils.config_paths import (
    package_config_path,
    resolve_config_reference,
)

from .recipes import expand, extension, parse_axes
from .spec import (
    PIPELINE_FIELDS,
    Run,
    Stage,
    _bad_placeholders,
    _merge_stage_fields,
    _substitute,
)


def grid_group(values: Dict[str, Any]) -> Dict[str, Any]:
    """The sweep values that tell a recipe grid from another of the same
    stage: the budget only. A grid is chosen over every replicate axis
    (seed, split), as the summary groups it."""
    return {k: v for k, v in values.items() if k == BUDGET}


class Pipeline:
    """A parsed, validated pipeline config.

    Args:
        cfg (Config): The pipeline config (``stages``, optional ``sweeps``,
            ``recipe_grid``, ``report_metric``, ``select_metric``).
        work_dir (str): Root of every run's work dir and of the results.
        filename (str): Config file, for messages.
    """

    def __init__(self, cfg: Config, work_dir: str, filename: str) -> None:
        self.filename = filename
        self.work_dir = work_dir
        self._check_fields(cfg)
        self.report_metric = cfg.get('report_metric', 'acc/top1')
        # how the results show the budget axis (fsat.apis.summary)
        self.budget_format = cfg.get('budget_format')
        self.budget_label = cfg.get('budget_label')
        self.select_metric = cfg.get('select_metric', self.report_metric)
        self.sweeps: Dict[str, list] = {
            k: list(v) for k, v in (cfg.get('sweeps') or {}).items()
        }
        self.recipes: List[dict] = [
            dict(r) for r in (cfg.get('recipe_grid') or [])
        ]
        try:
            self.axes: Dict[str, dict] = parse_axes(
                dict(cfg.get('recipe_axes') or {}), filename)
        except ValueError as e:
            raise FsatUserError(str(e)) from None
        self.extend_edges: int = cfg.get('extend_edges', 0)
        self.length_selection: Optional[dict] = self._parse_length(
            cfg.get('length_selection'))
        self.reference_method: Optional[str] = cfg.get('reference_method')
        # work dirs of other pipelines whose finished runs of the same
        # signature this one takes over (fsat.apis.pipeline.execution)
        self.reuse_from: List[str] = [
            d for d in (cfg.get('reuse_from') or [])
            if osp.normpath(d) != osp.normpath(work_dir)
        ]
        # stage -> every recipe it has tried or will try (grid, extensions)
        self.stage_recipes: Dict[str, List[dict]] = {}
        select_seeds = cfg.get('select_seeds')
        self.select_seeds = (None if select_seeds is None else
                             list(select_seeds))
        # the replicate values whose runs run the recipe grid: select_on,
        # or select_seeds (= select_on=dict(seed=select_seeds)); None: all
        select_on = cfg.get('select_on')
        self.select_on: Optional[Dict[str, list]] = (
            {k: list(v) if isinstance(v, (list, tuple)) else v
             for k, v in select_on.items()}
            if select_on is not None else None if select_seeds is None else
            dict(seed=list(select_seeds)))
        self.templates: Dict[str, dict] = {
            k: dict(v) for k, v in (cfg.get('templates') or {}).items()
        }
        self.stages = [self._parse_stage(s) for s in cfg.get('stages', [])]
        self.prepare: List[dict] = [
            self._parse_prepare(p) for p in (cfg.get('prepare') or [])
        ]
        self._validate()

    def _check_fields(self, cfg: Config) -> None:
        """The shape of every pipeline field, one clear line each."""
        where = self.filename

        def fail(message: str) -> None:
            raise FsatUserError(f'{where}: {message}')

        def type_name(value: Any) -> str:
            return type(value).__name__

        for key in cfg.keys():
            close = difflib.get_close_matches(
                key, [k for k in PIPELINE_FIELDS if k not in cfg], 1, 0.8)
            if close:
                fail(f'unknown field {key!r}: did you mean {close[0]!r}?')
        stages = cfg.get('stages')
        if stages is None:
            fail('the pipeline has no stages (stages = [dict(name=..., '
                 'config=...), ...])')
        if not isinstance(stages, (list, tuple)):
            fail('stages must be a list of dict(name=..., config=...), got '
                 f'a {type_name(stages)}')
        for i, stage in enumerate(stages):
            if not isinstance(stage, dict):
                fail(f'stages[{i}] must be a dict(name=..., config=...), got '
                     f'{stage!r:.80}')
        if (cfg.get('select_seeds') is not None
                and cfg.get('select_on') is not None):
            fail('give select_seeds (the seeds that run the recipe grid) or '
                 'select_on (e.g. dict(split=[1])), not both')
        if cfg.get('recipe_grid') and cfg.get('recipe_axes'):
            fail('give recipe_grid (a list of recipes) or recipe_axes (the '
                 'axes of a grid), not both')
        extend = cfg.get('extend_edges', 0)
        if not isinstance(extend, int) or isinstance(extend, bool) or (
                extend < 0):
            fail('extend_edges must be how many values to try beyond each '
                 f'end of a recipe axis (an int >= 0), got {extend!r}')
        for field_name, kind in (('sweeps', dict), ('templates', dict),
                                 ('recipe_axes', dict),
                                 ('length_selection', dict),
                                 ('recipe_grid', (list, tuple)),
                                 ('prepare', (list, tuple)),
                                 ('select_seeds', (list, tuple)),
                                 ('select_on', dict)):
            value = cfg.get(field_name)
            if value is not None and not isinstance(value, kind):
                fail(f'{field_name} must be a '
                     f"{'dict' if kind is dict else 'list'}, got a "
                     f'{type_name(value)}: {value!r:.80}')
        for axis, values in (cfg.get('sweeps') or {}).items():
            if not isinstance(values, (list, tuple)):
                fail(f'sweep {axis!r} must be a list of values, got '
                     f'{values!r:.80}')
        for name, template in (cfg.get('templates') or {}).items():
            if not isinstance(template, dict):
                fail(f'template {name!r} must be a dict of stage fields, got '
                     f'{template!r:.80}')
        names = []
        for i, recipe in enumerate(cfg.get('recipe_grid') or []):
            if not isinstance(recipe, dict) or not isinstance(
                    recipe.get('cfg_options', {}), dict):
                fail(f'recipe_grid[{i}] must be dict(name=..., '
                     f'cfg_options=dict(...)), got {recipe!r:.80}')
            names.append(recipe.get('name'))
        twice = sorted({n for n in names if n is not None
                        and names.count(n) > 1})
        if twice:
            fail(f'two recipes are called {twice[0]!r}')
        for i, step in enumerate(cfg.get('prepare') or []):
            if not isinstance(step, dict):
                fail(f'prepare[{i}] must be dict(type=..., ...), got '
                     f'{step!r:.80}')
        reuse = cfg.get('reuse_from')
        if reuse is not None and (not isinstance(reuse, (list, tuple)) or
                                  not all(isinstance(d, str) for d in reuse)):
            fail('reuse_from must be a list of work dirs of other pipelines '
                 f'(strings), got {reuse!r:.80}')
        for field_name in ('report_metric', 'select_metric',
                           'reference_method'):
            value = cfg.get(field_name)
            if value is not None and not isinstance(value, str):
                fail(f'{field_name} must be a metric name, got {value!r}')

    def _parse_length(self, spec: Optional[dict]) -> Optional[dict]:
        """``length_selection``: validate every ``val_interval`` iterations
        up to ``max_iters`` and test the best checkpoint on validation."""
        if spec is None:
            return None
        spec = dict(spec)
        where = f'{self.filename}: length_selection'
        unknown = set(spec) - {'max_iters', 'val_interval', 'param_scheduler'}
        if unknown:
            raise FsatUserError(f'{where} has unknown fields '
                                f'{sorted(unknown)} (it takes max_iters, '
                                'val_interval, param_scheduler)')
        budgets = self.sweeps.get('budget')
        for key in ('max_iters', 'val_interval'):
            value = spec.get(key)
            per_budget = isinstance(value, dict)
            if per_budget:  # {budget: iterations}, e.g. {5: 300, 20: 1200}
                missing = [b for b in budgets or [] if b not in value]
                if budgets is None or missing:
                    raise FsatUserError(
                        f'{where}.{key} is a dict of budgets, but '
                        + ('the pipeline sweeps no budget' if budgets is None
                           else f'lacks the budget(s) {missing}'))
            for v in (value.values() if per_budget else [value]):
                if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                    raise FsatUserError(
                        f'{where}.{key} must be a positive int (or a dict '
                        f'of them per budget), got {value!r}')
        for budget in (budgets or [None]):
            max_iters, val_interval = self._length(spec, budget)
            if max_iters % val_interval:
                at = '' if budget is None else f' (budget {budget})'
                raise FsatUserError(
                    f'{where}: val_interval {val_interval} does not '
                    f'divide max_iters {max_iters}{at}')
        scheduler = spec.get('param_scheduler', [])
        if not isinstance(scheduler, (list, tuple)):
            raise FsatUserError(
                f'{where}.param_scheduler must be a list of schedulers '
                f'([] for a constant learning rate), got {scheduler!r:.80}')
        spec['param_scheduler'] = [dict(s) for s in scheduler]
        return spec

    @staticmethod
    def _length(spec: dict, budget: Any) -> tuple:
        """``(max_iters, val_interval)`` of a ``length_selection`` for a
        budget (each field an int, or a dict keyed by budget)."""
        return tuple(
            spec[k][budget] if isinstance(spec[k], dict) else spec[k]
            for k in ('max_iters', 'val_interval'))

    def _apply_template(self, spec: dict) -> dict:
        """Fill a stage from its ``template`` (a name or a list of names,
        applied in order): later fields win, and ``cfg_options`` are
        merged key by key (the stage's own win over all templates)."""
        names = spec.pop('template', None)
        if names is None:
            return spec
        if not isinstance(names, (str, list, tuple)) or not all(
                isinstance(n, str) for n in (
                    [names] if isinstance(names, str) else names)):
            raise FsatUserError(
                f'{self.filename}: stage {spec.get("name")!r}: template '
                f'must be a template name or a list of them, got {names!r}')
        merged: dict = dict(cfg_options={})
        for name in [names] if isinstance(names, str) else list(names):
            if name not in self.templates:
                known = ', '.join(sorted(self.templates)) or 'none'
                raise FsatUserError(
                    f'{self.filename}: stage {spec.get("name")!r} uses '
                    f'template {name!r}, which is not in templates '
                    f'(templates: {known})')
            template = self.templates[name]
            if 'name' in template or 'template' in template:
                raise FsatUserError(
                    f'{self.filename}: template {name!r} has a name or a '
                    'template: a template holds only fields that stages '
                    'share')
            merged = _merge_stage_fields(merged, template)
        return _merge_stage_fields(merged, spec)

    def _parse_prepare(self, spec: dict) -> dict:
        """A ``prepare`` step: a registered function and its arguments."""
        from fsat.registry import FUNCTIONS
        spec = dict(spec)
        name = spec.pop('type', None)
        if name is None:
            raise FsatUserError(
                f'{self.filename}: a prepare step has no type: {spec}')
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise FsatUserError(
                f'{self.filename}: prepare step {name!r} is not a registered '
                'function (fsat.registry.FUNCTIONS)')
        try:
            inspect.signature(fn).bind(**spec)
        except TypeError as e:
            raise FsatUserError(
                f'{self.filename}: prepare step {name!r}: {e}') from None
        return dict(type=name, fn=fn, kwargs=spec)

    def _parse_stage(self, spec: dict) -> Stage:
        spec = self._apply_template(dict(spec))
        for key in ('name', 'config'):
            if key not in spec:
                raise FsatUserError(
                    f'{self.filename}: a stage has no {key!r}: {spec}')
        unknown = set(spec) - set(Stage.__dataclass_fields__)
        if unknown:
            raise FsatUserError(
                f'{self.filename}: stage {spec["name"]!r} has unknown '
                f'fields {sorted(unknown)}')
        name = spec['name']
        if not isinstance(name, str) or not name or not re.fullmatch(
                r'[A-Za-z_][\w-]*', name):
            raise FsatUserError(
                f'{self.filename}: stage name {name!r} must be a word '
                '(letters, digits, _ or -; it names a folder and '
                'placeholders)')
        if not isinstance(spec['config'], str):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: config must be a file '
                f"name, got {spec['config']!r}")
        # 'fsat::<path>', or relative to the pipeline file (a path found
        # only below the working directory, as the shipped pipelines write
        # them, is kept; a missing one is reported as written)
        try:
            config = resolve_config_reference(
                spec['config'], osp.dirname(osp.abspath(self.filename)))
        except FsatUserError as e:
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: {e}') from None
        if osp.isfile(config):
            spec['config'] = config
        sweep = spec.get('sweep', ())
        if not _is_name_list(sweep):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: sweep must be a list of '
                f"sweep names, e.g. ['budget', 'seed'], got {sweep!r}")
        if not isinstance(spec.get('cfg_options') or {}, dict):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: cfg_options must be a '
                f"dict, got {spec['cfg_options']!r:.80}")
        axes = spec.get('recipe_axes')
        if axes is not None:
            if not _is_name_list(axes):
                raise FsatUserError(
                    f'{self.filename}: stage {name!r}: recipe_axes must be '
                    f"a list of the pipeline's recipe axes, got {axes!r}")
            spec['recipe_axes'] = tuple(axes)
        if spec.get('select_length') is not None and not isinstance(
                spec['select_length'], bool):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: select_length must be '
                f"True or False, got {spec['select_length']!r}")
        for flag in ('select_recipe', 'test_only'):
            if not isinstance(spec.get(flag, False), bool):
                raise FsatUserError(
                    f'{self.filename}: stage {name!r}: {flag} must be True '
                    f'or False, got {spec[flag]!r}')
        spec['sweep'] = tuple(sweep)
        spec['cfg_options'] = dict(spec.get('cfg_options') or {})
        if spec.get('init_from') is not None:
            spec['init_from'] = self._parse_init_from(spec['name'],
                                                      spec['init_from'])
        return Stage(**spec)

    def _parse_init_from(self, stage: str, init: Any) -> Dict[str, Any]:
        """``'transfer'`` or ``dict(stage='transfer', prefix='student.')``
        -> the arguments of a ``PretrainedWeightsHook``."""
        init = dict(stage=init) if isinstance(init, str) else dict(init)
        unknown = set(init) - {
            'stage', 'prefix', 'adapt_input_channels', 'target'}
        if 'stage' not in init or unknown:
            raise FsatUserError(
                f'{self.filename}: stage {stage!r}: init_from must be a '
                "stage name or a dict with 'stage' and optionally 'prefix', "
                f"'adapt_input_channels' and 'target', got {init}")
        return init

    def _validate(self) -> None:
        """Every error a pipeline config can have, before any training."""
        where = self.filename
        if not self.stages:
            raise FsatUserError(f'{where}: the pipeline has no stages')
        for axis, values in self.sweeps.items():
            if not values:
                raise FsatUserError(
                    f'{where}: sweep {axis!r} is an empty list')
        for recipe in self.recipes:
            if 'name' not in recipe:
                raise FsatUserError(
                    f'{where}: every recipe_grid entry needs a name')
        if self.select_seeds is not None:
            seeds = self.sweeps.get('seed', [])
            if not self.select_seeds or any(s not in seeds
                                            for s in self.select_seeds):
                raise FsatUserError(
                    f'{where}: select_seeds {self.select_seeds} must be a '
                    f'non-empty subset of sweeps.seed {seeds}')
        if self.select_on is not None and self.select_seeds is None:
            for axis, chosen in self.select_on.items():
                values = self.sweeps.get(axis)
                if axis == BUDGET or values is None:
                    raise FsatUserError(
                        f'{where}: select_on names {axis!r}, which is not a '
                        'replicate sweep axis (one of '
                        f'{[a for a in self.sweeps if a != BUDGET]})')
                if not isinstance(chosen, list) or not chosen or any(
                        v not in values for v in chosen):
                    raise FsatUserError(
                        f'{where}: select_on.{axis} {chosen!r} must be a '
                        f'non-empty subset of sweeps.{axis} {values}')
        seen: Dict[str, Stage] = {}
        for stage in self.stages:
            if stage.name in seen:
                raise FsatUserError(
                    f'{where}: two stages are called {stage.name!r}')
            if not osp.isfile(stage.config):
                raise FsatUserError(
                    f'{where}: stage {stage.name!r}: config file does not '
                    f'exist: {stage.config}')
            for axis in stage.sweep:
                if axis not in self.sweeps:
                    raise FsatUserError(
                        f'{where}: stage {stage.name!r} sweeps {axis!r}, '
                        f'which is not in sweeps {sorted(self.sweeps)}')
            if stage.test_only and stage.select_recipe:
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} is test_only and cannot '
                    'select a training recipe')
            if stage.select_recipe and not (self.recipes or self.axes):
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} selects a recipe but '
                    'the pipeline has no recipe_grid or recipe_axes')
            if stage.recipe_axes is not None:
                unknown = [a for a in stage.recipe_axes if a not in self.axes]
                if unknown or not stage.recipe_axes:
                    raise FsatUserError(
                        f'{where}: stage {stage.name!r}: recipe_axes '
                        f'{list(stage.recipe_axes)} must name axes of the '
                        f'pipeline\'s recipe_axes {list(self.axes)}')
                if not stage.select_recipe:
                    raise FsatUserError(
                        f'{where}: stage {stage.name!r} names recipe_axes '
                        'but does not select a recipe (select_recipe=True)')
            if stage.select_length and self.length_selection is None:
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} selects its length but '
                    'the pipeline has no length_selection=dict(max_iters='
                    '..., val_interval=...)')
            per_budget = self.length_selection is not None and any(
                isinstance(self.length_selection[k], dict)
                for k in ('max_iters', 'val_interval'))
            if (per_budget and self.selects_length(stage)
                    and 'budget' not in stage.sweep):
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} chooses its length with '
                    'a length_selection per budget but does not sweep the '
                    'budget')
            if stage.select_length and stage.test_only:
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} is test_only and '
                    'cannot select a training length')
            for bad in _bad_placeholders(stage.cfg_options):
                raise FsatUserError(
                    f'{where}: stage {stage.name!r}: {bad} is not a '
                    'placeholder: write {<sweep>} or {<stage>.checkpoint}')
            for name, ckpt in stage.references:
                if ckpt:
                    if name not in seen:
                        known = ', '.join(seen) or 'none'
                        raise FsatUserError(
                            f'{where}: stage {stage.name!r} uses the '
                            f'checkpoint of stage {name!r}, which is not an '
                            f'earlier stage (earlier stages: {known})')
                    if seen[name].test_only:
                        raise FsatUserError(
                            f'{where}: stage {stage.name!r} uses the '
                            f'checkpoint of {name!r}, which is test_only '
                            'and writes none')
                    if stage.select_recipe and self._waits(seen[name]):
                        raise FsatUserError(
                            f'{where}: stage {stage.name!r} runs a recipe '
                            f'grid and uses the checkpoint of {name!r}, '
                            'whose runs depend on a recipe chosen on '
                            'validation: only a stage without a grid of its '
                            'own can wait for that choice')
                    extra = set(seen[name].sweep) - set(stage.sweep)
                    if extra:
                        raise FsatUserError(
                            f'{where}: stage {stage.name!r} uses stage '
                            f'{name!r}, which sweeps {sorted(extra)} that '
                            f'{stage.name!r} does not')
                elif name not in stage.sweep:
                    raise FsatUserError(
                        f'{where}: stage {stage.name!r} uses {{{name}}}, '
                        f'which is not one of its sweep axes '
                        f'{list(stage.sweep)}')
            seen[stage.name] = stage

    # ------------------------------------------------------------------
    # planning
    # ------------------------------------------------------------------
    def plan(self) -> List[Run]:
        """All runs in execution order, with signatures and upstreams."""
        runs: List[Run] = []
        by_stage: Dict[str, List[Run]] = {}
        for stage in self.stages:
            grid = [dict(zip(stage.sweep, combo)) for combo in
                    itertools.product(*(self.sweeps[a] for a in stage.sweep))]
            stage_runs, deferred = [], []
            # a stage that uses the checkpoint of a recipe-grid stage (or of
            # a stage waiting for one) waits for that grid's choice
            # (Pipeline.select_for)
            waits = any(self._waits(self._stage(name))
                        for name, ckpt in stage.references if ckpt)
            for values in grid:
                if stage.select_recipe and self._selects(values):
                    stage_runs += [
                        self._new_run(stage, values, recipe, by_stage,
                                      grid=True)
                        for recipe in self.recipes_for(stage)
                    ]
                elif stage.select_recipe or waits:
                    run = Run(stage, values, None, '', deferred=True)
                    run.upstream = self._upstream(stage, values, by_stage)
                    deferred.append(run)
                else:
                    stage_runs.append(self._new_run(stage, values, None,
                                                    by_stage))
            stage_runs += deferred
            by_stage[stage.name] = stage_runs
            runs.extend(stage_runs)
        return runs

    def recipes_for(self, stage: Stage) -> List[dict]:
        """The recipes a stage has tried or will try: its grid (the
        ``recipe_grid``, or the product of the ``recipe_axes`` it
        searches) and any extensions beyond an edge, in that order."""
        if stage.name not in self.stage_recipes:
            grid = (expand(self.axes, stage.recipe_axes)
                    if self.axes else [dict(r) for r in self.recipes])
            self.stage_recipes[stage.name] = grid
        return self.stage_recipes[stage.name]

    def selects_length(self, stage: Stage) -> bool:
        """Whether the stage's runs choose their length on validation."""
        if stage.select_length is not None:
            return stage.select_length
        return stage.select_recipe and self.length_selection is not None

    def _selects(self, values: Dict[str, Any]) -> bool:
        """Whether a sweep point runs the whole recipe grid
        (``select_on`` / ``select_seeds``)."""
        return self.select_on is None or all(
            values[axis] in chosen
            for axis, chosen in self.select_on.items() if axis in values)

    def _upstream(self, stage: Stage, values: Dict[str, Any],
                  by_stage: Dict[str, List[Run]]) -> Dict[str, Run]:
        return {
            name: self._match(by_stage[name], values)
            for name, ckpt in stage.references if ckpt
        }

    def _new_run(self, stage: Stage, values: Dict[str, Any],
                 recipe: Optional[dict], by_stage: Dict[str, List[Run]],
                 grid: bool = False) -> Run:
        run = Run(stage, values, recipe, '', grid=grid)
        run.upstream = self._upstream(stage, values, by_stage)
        self._place(run)
        return run

    def _place(self, run: Run) -> None:
        """Work dir and signature (once the recipe is known)."""
        run.work_dir = osp.join(self.work_dir, run.stage.name, run.tag)
        run.signature = self._signature(run)

    def select_for(self, run: Run, records: List[dict],
                   done: Sequence[Run] = ()) -> None:
        """Give a deferred run the recipe its grid runs selected, and the
        selected run of every recipe-grid stage whose checkpoint it uses.

        The selection is :func:`fsat.apis.summary.choose_recipe` over the
        validation metric of the grid runs of the same stage and sweep
        values (other than the seed). ``done`` holds the finished runs (in
        which the upstream runs are found).
        """
        if run.stage.select_recipe:
            run.recipe = self.selected_recipe(run, records)
        for name, ckpt in run.stage.references:
            if ckpt and self._stage(name).select_recipe:
                run.upstream[name] = self._selected_run(
                    [r for r in done if r.stage.name == name], run.values,
                    records)
        run.deferred = False
        self._place(run)

    def _stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def _waits(self, stage: Stage) -> bool:
        """Whether a stage's runs depend on a recipe chosen on validation:
        it runs a recipe grid, or uses the checkpoint of a stage that
        does."""
        return stage.select_recipe or any(
            self._waits(self._stage(name))
            for name, ckpt in stage.references if ckpt)

    def _selected_run(self, candidates: Sequence[Run],
                      values: Dict[str, Any], records: List[dict]) -> Run:
        """Among the finished runs of one recipe-grid stage, the one of
        ``values``' sweep point that hands over its checkpoint: the run of
        the selected recipe (a grid run on a selection seed, or the single
        run of another seed)."""
        matching = [r for r in candidates if r.agrees(values)]
        if not matching:
            raise RuntimeError(f'no finished run of {values} to hand over')
        single = [r for r in matching if not r.grid]
        if single:
            return single[0]
        name = self.selected_recipe(matching[0], records)['name']
        return next(r for r in matching if r.recipe['name'] == name)

    def selected_recipe(self, run: Run, records: List[dict]) -> dict:
        """The recipe with the best mean validation metric over the grid
        runs of ``run``'s stage and budget (over the replicate axes: seed,
        split); ties go to the recipe tried first (:func:`choose_recipe`).
        """
        from fsat.apis.summary import choose_recipe
        scores = self.group_scores(run, records)
        recipes = self.recipes_for(run.stage)
        name = choose_recipe(scores, [r['name'] for r in recipes])
        return next(r for r in recipes if r['name'] == name)

    def group_scores(self, run: Run,
                     records: List[dict]) -> Dict[str, List[float]]:
        """``recipe -> validation scores`` of the grid runs of ``run``'s
        stage and sweep values other than the replicate axes (every axis
        but ``budget``: seed, split), as the summary groups them."""
        others = grid_group(run.values)
        scores: Dict[str, List[float]] = {}
        for record in records:
            if (record['stage'] == run.stage.name and record.get('grid')
                    and all(record['values'].get(k) == v
                            for k, v in others.items())):
                scores.setdefault(record['recipe'], []).append(
                    record['val'][self.select_metric])
        return scores

    def tried_recipes(self, run: Run, records: List[dict]) -> List[dict]:
        """The recipes the grid runs of ``run``'s stage and budget have
        tried, in the order tried."""
        tried = self.group_scores(run, records)
        return [r for r in self.recipes_for(run.stage) if r['name'] in tried]

    def extension_runs(self, group: List[Run],
                       records: List[dict]) -> List[Run]:
        """Runs of the next recipe beyond an edge of the grid, or none.

        ``group`` holds the finished grid runs of one stage and sweep point
        (one per recipe and selection seed). With ``extend_edges`` > 0 and
        the selected recipe on the edge of a numeric axis, the next value
        in that direction (:func:`fsat.apis.pipeline.recipes.extension`)
        runs for every selection seed of the group.
        """
        if not self.axes or not self.extend_edges or not group:
            return []
        stage = group[0].stage
        selected = self.selected_recipe(group[0], records)
        new = extension(self.axes, self.tried_recipes(group[0], records),
                        selected, self.extend_edges)
        if new is None:
            return []
        known = {r['name'] for r in self.recipes_for(stage)}
        if new['name'] not in known:
            self.stage_recipes[stage.name].append(new)
        runs, seen = [], []
        for member in group:
            if member.values in seen:
                continue
            seen.append(member.values)
            run = Run(stage, dict(member.values), new, '', grid=True)
            run.upstream = dict(member.upstream)
            self._place(run)
            runs.append(run)
        return runs

    @staticmethod
    def _match(candidates: List[Run], values: Dict[str, Any]) -> Run:
        """The upstream run whose sweep values agree with ``values``."""
        return next(run for run in candidates if run.agrees(values))

    def _signature(self, run: Run) -> str:
        with open(run.stage.config, 'rb') as f:
            config_bytes = f.read()
        payload = dict(
            config=hashlib.sha256(config_bytes).hexdigest(),
            bases=_base_digests(run.stage.config),
            options=run.stage.cfg_options,
            values=run.values,
            recipe=run.recipe,
            upstream={k: u.signature for k, u in run.upstream.items()})
        if run.stage.init_from is not None:
            payload['init_from'] = run.stage.init_from
        if self.selects_length(run.stage):
            payload['length_selection'] = dict(self.length_selection,
                                               metric=self.select_metric)
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode('utf-8')).hexdigest()[:20]

    def _select_length(self, cfg: Config, run: Run) -> None:
        """Train up to ``max_iters`` (of the run's budget, when it is a
        dict) with the ``length_selection``'s schedule, validating every
        ``val_interval`` iterations; a
        :class:`~fsat.engine.selection.ValidationCurveHook` keeps the best
        validation's weights (the ones the run tests).

        An epoch-based config (``train_cfg.max_epochs``) becomes
        iteration-based (:func:`_to_iteration_based`), so that every
        validation point is an iteration count whatever the budget's
        epoch length."""
        length = self.length_selection
        max_iters, val_interval = self._length(length,
                                               run.values.get('budget'))
        epoch_based = _to_iteration_based(cfg)
        cfg.train_cfg.max_iters = max_iters
        cfg.train_cfg.val_interval = val_interval
        cfg.param_scheduler = [dict(s) for s in length['param_scheduler']]
        if epoch_based and any(
                s.get('by_epoch', True) for s in cfg.param_scheduler):
            raise FsatUserError(
                f'{self.filename}: length_selection.param_scheduler must '
                'count iterations (by_epoch=False): the runs of '
                f'{run.stage.config} train by iterations to choose their '
                'length')
        checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
        if checkpoint:
            # a regular checkpoint at every validation: a resume keeps the
            # validations up to it (fsat.engine.selection)
            checkpoint['interval'] = val_interval
            checkpoint['save_best'] = None
            if epoch_based:
                checkpoint['by_epoch'] = False  # iter_<N>.pth
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
            dict(type='ValidationCurveHook', metric=self.select_metric)
        ]

    def resolve(self, run: Run, dry: bool = False) -> Config:
        """The run's config with every placeholder filled in.

        Args:
            run (Run): The run.
            dry (bool): Use a placeholder path for checkpoints that do not
                exist yet (to validate configs before training).
        """
        lookup: Dict[str, Any] = dict(run.values)
        for name, up in run.upstream.items():
            if dry or up.record is None:
                lookup[f'{name}.checkpoint'] = osp.join(
                    up.work_dir, 'not-trained-yet.pth')
            else:
                lookup[f'{name}.checkpoint'] = up.record['checkpoint']
        options = _substitute(run.stage.cfg_options, lookup)
        if run.recipe is not None:
            options.update(run.recipe.get('cfg_options', {}))
        cfg = load_config(run.stage.config, options)
        if self.selects_length(run.stage):
            self._select_length(cfg, run)
        init = run.stage.init_from
        if init is not None:
            hook = dict(
                type='PretrainedWeightsHook',
                checkpoint=lookup[f"{init['stage']}.checkpoint"],
                **{k: v
                   for k, v in init.items() if k != 'stage'})
            cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [hook]
        cfg.work_dir = run.work_dir
        return cfg


#: The iteration-based loop replacing an epoch-based one (by type name).
_ITERATION_LOOPS = {
    'PrefetchEpochBasedTrainLoop': 'PrefetchIterBasedTrainLoop',
}


def _to_iteration_based(cfg: Config) -> bool:
    """Make an epoch-based config (``train_cfg.max_epochs``, or
    ``by_epoch=True``) train by iterations, for ``_select_length``.

    ``train_cfg`` becomes ``dict(type='IterBasedTrainLoop')`` (fsat's
    ``PrefetchIterBasedTrainLoop`` for its epoch-based twin; ``prefetch``
    is kept; ``max_iters`` and ``val_interval`` are the caller's), the
    training sampler an endless ``InfiniteSampler`` with the same
    ``shuffle`` and ``seed`` (MMEngine restarts a ``DefaultSampler`` at
    every pass, 2 s apart), and the log processor counts iterations. The
    caller sets the checkpoint hook's ``by_epoch`` and the schedule.

    Returns:
        bool: Whether the config was epoch-based.
    """
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_epochs' not in train_cfg and not train_cfg.get('by_epoch'):
        return False
    kind = str(train_cfg.get('type', 'EpochBasedTrainLoop'))
    loop = dict(type=_ITERATION_LOOPS.get(kind.split('.')[-1],
                                          'IterBasedTrainLoop'))
    if 'prefetch' in train_cfg and loop['type'].startswith('Prefetch'):
        loop['prefetch'] = train_cfg['prefetch']
    cfg.train_cfg = loop
    sampler = (cfg.get('train_dataloader') or {}).get('sampler')
    if sampler and str(sampler.get('type')).split('.')[-1] == (
            'DefaultSampler'):
        cfg.train_dataloader.sampler = dict(
            sampler, type='InfiniteSampler')
        cfg.train_dataloader.sampler.pop('round_up', None)
    cfg.log_processor = dict(cfg.get('log_processor') or {}, by_epoch=False)
    return True


def _is_name_list(value: Any) -> bool:
    """A list or tuple of strings (not one string)."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(a, str) for a in value)


def _base_digests(path: str) -> List[str]:
    """Hashes of the ``_base_`` files a config inherits (recursively)."""
    digests = []
    seen = set()
    stack = [path]
    while stack:
        current = stack.pop()
        text = open(current, encoding='utf-8').read()
        for base in re.findall(r"['\"]([^'\"]+\.py)['\"]", text):
            if '::' in base:  # 'fsat::a/b.py': an installed config
                try:
                    base_path = package_config_path(base)
                except FsatUserError:
                    continue
            else:
                base_path = osp.normpath(
                    osp.join(osp.dirname(current), base))
            if osp.isfile(base_path) and base_path not in seen:
                seen.add(base_path)
                with open(base_path, 'rb') as f:
                    digests.append(hashlib.sha256(f.read()).hexdigest())
                stack.append(base_path)
    return sorted(digests)


def load_pipeline(path: str,
                  work_dir: Optional[str] = None,
                  cfg_options: Optional[dict] = None) -> Pipeline:
    """Read a pipeline config.

    Args:
        path (str): The pipeline config file.
        work_dir (str, optional): Overrides the config's ``work_dir``
            (default ``work_dirs/<pipeline name>``).
        cfg_options (dict, optional): Overrides of pipeline fields.
    """
    if not osp.isfile(path):
        raise FsatUserError(f'pipeline config does not exist: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            compile(f.read(), path, 'exec')
    except SyntaxError as e:
        raise FsatUserError(f'{path}: syntax error at line {e.lineno}: '
                            f'{e.msg}') from None
    except UnicodeDecodeError as e:
        raise FsatUserError(f'{path}: not a UTF-8 text file ({e})') from None
    try:
        cfg = Config.fromfile(path)
    except Exception as e:  # the file's own code failed (a NameError, ...)
        raise FsatUserError(f'{path}: cannot be read as a config: '
                            f'{type(e).__name__}: {e}') from None
    if cfg_options:  # unknown keys are an error, as for every config
        merge_cfg_options(cfg, cfg_options, path)
    name = osp.splitext(osp.basename(path))[0]
    work_dir = work_dir or cfg.get('work_dir') or osp.join('work_dirs', name)
    return Pipeline(cfg, work_dir, path)
