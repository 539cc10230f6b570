# Copyright (c) fsat contributors. All rights reserved.
"""Multi-stage experiment pipelines: stages, sweeps, recipes, resumption.

A pipeline config lists **stages**; each is an ordinary fsat config run by
the MMEngine runner, plus ``cfg_options`` whose string values may name

* an earlier stage's final checkpoint: ``'{teacher.checkpoint}'``,
* a sweep value: ``'{budget}'``, ``'{seed}'`` (a value that is *only* a
  placeholder keeps the swept value's type, e.g. an int).

Stages that share fields (a fine-tuning config, its sweep, the options
that pick the labeled subset) can take them from one of the pipeline's
``templates`` with ``template='<name>'`` (or a list of names, applied in
order): the stage's own fields win, and ``cfg_options`` are merged key by
key.

A stage with ``init_from='transfer'`` (or ``dict(stage='transfer',
prefix='student.')``, ``dict(stage='teacher', adapt_input_channels=True)``)
starts from that stage's final checkpoint: a ``PretrainedWeightsHook`` with
these arguments is appended to the config's ``custom_hooks``.

A stage with ``sweep=['budget', 'seed']`` runs once per combination of the
pipeline's ``sweeps``; a stage with ``test_only=True`` trains nothing and
only tests its config (e.g. a late fusion of two earlier stages' fine-tuned
models, whose checkpoints it names); a stage with ``select_recipe=True``
also runs every recipe of the pipeline's ``recipe_grid`` and the best
recipe per budget is chosen on the **validation** metric (mean over
seeds), never on the test split. Every run ends with ``runner.val()``
(if the config has a validation split) and ``runner.test()``; both metric
sets go to ``results.json``.

A pipeline may also list ``prepare`` steps, functions of the ``FUNCTIONS``
registry run (on rank 0) before the first stage, e.g. synthesising a world
and extracting its flow (:func:`fsat.datasets.prepare_synthetic_world`);
each must skip work it finds finished.

Finished runs are recognised by ``<run dir>/done.json``, whose ``signature``
hashes the run's resolved config and the signatures of the runs it took
checkpoints from: a changed stage config re-runs that stage and every stage
after it that used it; an interrupted run resumes from its last checkpoint.

Example (see ``configs/pipelines/``)::

    sweeps = dict(budget=[5, 10], seed=[0, 1, 2])
    recipe_grid = [
        dict(name='lr0.01', cfg_options={'optim_wrapper.optimizer.lr': .01}),
        dict(name='lr0.05', cfg_options={'optim_wrapper.optimizer.lr': .05}),
    ]
    stages = [
        dict(name='teacher', config='configs/teachers/x.py'),
        dict(name='finetune', config='configs/finetune/y.py',
             method='feature-supervised', sweep=['budget', 'seed'],
             select_recipe=True,
             cfg_options={
                 'load_from': '{teacher.checkpoint}',
                 'train_dataloader.dataset.labeled_subset.k_per_class':
                     '{budget}',
                 'randomness.seed': '{seed}'})]
"""
import copy
import dataclasses
import difflib
import gc
import hashlib
import inspect
import itertools
import json
import os
import os.path as osp
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.dist import barrier, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log

from fsat.apis.runner import (
    build_runner,
    load_config,
    merge_cfg_options,
    setup_launcher,
)
from fsat.utils.cli import FsatUserError
from fsat.utils.config_paths import (
    package_config_path,
    resolve_config_reference,
)

_PLACEHOLDER = re.compile(r'\{([A-Za-z_][\w-]*)(?:\.(checkpoint))?\}')
DONE = 'done.json'
#: The fields a pipeline config may have (other names are its own
#: variables, e.g. ``_finetune``; one close to a field is a typo).
PIPELINE_FIELDS = ('stages', 'sweeps', 'recipe_grid', 'templates', 'prepare',
                   'report_metric', 'select_metric', 'select_seeds',
                   'budget_format', 'budget_label', 'work_dir')


@dataclass(frozen=True)
class Stage:
    """One stage of a pipeline (see the module docstring)."""

    name: str
    config: str
    method: Optional[str] = None
    sweep: Tuple[str, ...] = ()
    select_recipe: bool = False
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
        select_seeds = cfg.get('select_seeds')
        self.select_seeds = (None if select_seeds is None else
                             list(select_seeds))
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
        for field_name, kind in (('sweeps', dict), ('templates', dict),
                                 ('recipe_grid', (list, tuple)),
                                 ('prepare', (list, tuple)),
                                 ('select_seeds', (list, tuple))):
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
        for field_name in ('report_metric', 'select_metric'):
            value = cfg.get(field_name)
            if value is not None and not isinstance(value, str):
                fail(f'{field_name} must be a metric name, got {value!r}')

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
        if isinstance(sweep, str) or not isinstance(
                sweep, (list, tuple)) or not all(
                    isinstance(a, str) for a in sweep):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: sweep must be a list of '
                f"sweep names, e.g. ['budget', 'seed'], got {sweep!r}")
        if not isinstance(spec.get('cfg_options') or {}, dict):
            raise FsatUserError(
                f'{self.filename}: stage {name!r}: cfg_options must be a '
                f"dict, got {spec['cfg_options']!r:.80}")
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
        unknown = set(init) - {'stage', 'prefix', 'adapt_input_channels'}
        if 'stage' not in init or unknown:
            raise FsatUserError(
                f'{self.filename}: stage {stage!r}: init_from must be a '
                "stage name or a dict with 'stage' and optionally 'prefix' "
                f"and 'adapt_input_channels', got {init}")
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
            if stage.select_recipe and not self.recipes:
                raise FsatUserError(
                    f'{where}: stage {stage.name!r} selects a recipe but '
                    'the pipeline has no recipe_grid')
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
                    if seen[name].select_recipe:
                        raise FsatUserError(
                            f'{where}: stage {stage.name!r} uses the '
                            f'checkpoint of {name!r}, which runs a recipe '
                            'grid: only a single-recipe stage can hand over '
                            'a checkpoint')
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
            for values in grid:
                if not stage.select_recipe:
                    stage_runs.append(self._new_run(stage, values, None,
                                                    by_stage))
                elif self._selects(values):
                    stage_runs += [
                        self._new_run(stage, values, recipe, by_stage,
                                      grid=True) for recipe in self.recipes
                    ]
                else:
                    run = Run(stage, values, None, '', deferred=True)
                    run.upstream = self._upstream(stage, values, by_stage)
                    deferred.append(run)
            stage_runs += deferred
            by_stage[stage.name] = stage_runs
            runs.extend(stage_runs)
        return runs

    def _selects(self, values: Dict[str, Any]) -> bool:
        """Whether a sweep point runs the whole recipe grid."""
        return (self.select_seeds is None or 'seed' not in values
                or values['seed'] in self.select_seeds)

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

    def select_for(self, run: Run, records: List[dict]) -> None:
        """Give a deferred run the recipe its grid runs selected.

        The selection is :func:`fsat.apis.summary.choose_recipe` over the
        validation metric of the grid runs of the same stage and sweep
        values (other than the seed).
        """
        from fsat.apis.summary import choose_recipe
        others = {k: v for k, v in run.values.items() if k != 'seed'}
        scores: Dict[str, List[float]] = {}
        for record in records:
            if (record['stage'] == run.stage.name and record.get('grid')
                    and all(record['values'].get(k) == v
                            for k, v in others.items())):
                scores.setdefault(record['recipe'], []).append(
                    record['val'][self.select_metric])
        name = choose_recipe(scores, [r['name'] for r in self.recipes])
        run.recipe = next(r for r in self.recipes if r['name'] == name)
        run.deferred = False
        self._place(run)

    @staticmethod
    def _match(candidates: List[Run], values: Dict[str, Any]) -> Run:
        """The upstream run whose sweep values agree with ``values``."""
        return next(
            run for run in candidates
            if all(values.get(k) == v for k, v in run.values.items()))

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
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode('utf-8')).hexdigest()[:20]

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


# ----------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------
def _read_done(run: Run) -> Optional[dict]:
    path = osp.join(run.work_dir, DONE)
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        record = json.load(f)
    if record.get('signature') != run.signature:
        return None
    if run.stage.test_only:
        return record
    if not osp.isfile(record.get('checkpoint') or ''):
        return None
    return record


def _last_checkpoint(work_dir: str) -> Optional[str]:
    """The run's newest complete checkpoint (``last_checkpoint`` may name a
    removed file after a kill; see :mod:`fsat.engine.resume`)."""
    from fsat.engine.resume import find_resume_checkpoint
    return find_resume_checkpoint(work_dir)


def _prepare_work_dir(run: Run) -> bool:
    """Make the work dir; True when it holds this run's partial training."""
    stamp = osp.join(run.work_dir, 'signature.txt')
    if osp.isfile(stamp) and open(stamp).read().strip() == run.signature:
        return _last_checkpoint(run.work_dir) is not None
    if get_rank() == 0:
        if osp.isdir(run.work_dir):
            shutil.rmtree(run.work_dir)
        os.makedirs(run.work_dir)
        with open(stamp, 'w', encoding='utf-8') as f:
            f.write(run.signature)
    barrier()
    return False


def _stop_train_workers(runner) -> None:
    """Stop the worker processes of an iteration-based train loader now.

    Its endless iterator is never exhausted; left to the garbage collector,
    each worker's shutdown waits for a 5 s timeout, which adds ~10 s to
    every run of a sweep. (MMEngine's and torch's private attributes; a
    loop without them is left alone.)
    """
    loop = getattr(runner, '_train_loop', None)
    iterator = getattr(loop, 'dataloader_iterator', None)
    # fsat's prefetching loops wrap MMEngine's iterator
    iterator = getattr(iterator, 'source', iterator)
    iterator = getattr(iterator, '_iterator', None)
    if hasattr(iterator, '_shutdown_workers'):
        iterator._shutdown_workers()


class _MetricsRecorder(Hook):
    """Keeps the metrics of the last validation and its iteration."""

    def __init__(self) -> None:
        self.val: Dict[str, float] = {}
        self.val_iter = -1

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.val = dict(metrics or {})
        self.val_iter = runner.iter


def execute_run(pipeline: Pipeline, run: Run, launcher: str = 'none') -> dict:
    """Train, validate and test one run; write and return its record."""
    cfg = pipeline.resolve(run)
    setup_launcher(cfg, launcher)
    resume = _prepare_work_dir(run)
    cfg.resume = resume
    if resume:  # by path: MMEngine's last_checkpoint may be stale
        cfg.load_from = _last_checkpoint(run.work_dir)
    cfg.experiment_name = f'{run.stage.name}-{run.tag}-{os.getpid()}'
    if run.stage.test_only and cfg.get('default_hooks'):
        # a test-only run saves nothing (and MMEngine's CheckpointHook
        # cannot save a best checkpoint without having trained)
        cfg.default_hooks['checkpoint'] = None
    start = time.time()
    runner = build_runner(cfg)
    recorder = _MetricsRecorder()
    runner.register_hook(recorder, priority='LOWEST')
    if not run.stage.test_only:
        runner.train()
    val = {}
    if cfg.get('val_dataloader'):
        # the validation that ended training, else one now
        val = recorder.val if recorder.val_iter == runner.iter else (
            runner.val())
    test = {}
    if cfg.get('test_dataloader'):
        same_split = (cfg.get('val_dataloader') == cfg.test_dataloader
                      and cfg.get('val_evaluator') == cfg.test_evaluator)
        test = dict(val) if same_split and val else runner.test()
    checkpoint = (None if run.stage.test_only else
                  _last_checkpoint(run.work_dir))
    _stop_train_workers(runner)
    del runner
    gc.collect()
    record = dict(
        stage=run.stage.name,
        method=run.stage.method,
        values=run.values,
        recipe=None if run.recipe is None else run.recipe['name'],
        grid=run.grid,
        val={k: float(v) for k, v in (val or {}).items()},
        test={k: float(v) for k, v in (test or {}).items()},
        wall_time=time.time() - start,
        checkpoint=checkpoint,
        signature=run.signature,
        resumed=resume)
    if get_rank() == 0:
        with open(osp.join(run.work_dir, DONE), 'w', encoding='utf-8') as f:
            json.dump(record, f, indent=2)
    barrier()
    return record


def check_configs(pipeline: Pipeline, runs: Sequence[Run]) -> List[Config]:
    """Resolve every run's config as it will run, before anything runs.

    Each config goes through :func:`fsat.apis.runner.load_config` with the
    run's ``cfg_options`` (so an unknown type, a mistyped option key, a
    validation set that overlaps the training picks are found now); a
    checkpoint of an earlier stage, which does not exist yet, is a
    stand-in path. A run whose recipe is selected later is checked with
    every recipe of the grid.

    Returns:
        list[Config]: The resolved configs of ``runs`` (the first recipe's
        for a run selected later).

    Raises:
        FsatUserError: Naming the pipeline file and the run.
    """
    configs = []
    for run in runs:
        recipes = pipeline.recipes if run.deferred else [run.recipe]
        resolved = []
        for recipe in recipes:
            trial = dataclasses.replace(run, recipe=recipe, deferred=False)
            try:
                resolved.append(pipeline.resolve(trial, dry=True))
            except FsatUserError as e:
                raise FsatUserError(
                    f'{pipeline.filename}: run {trial.label}: {e}') from None
        configs.append(resolved[0])
    return configs


def preflight(pipeline: Pipeline, runs: Sequence[Run],
              check_data: bool = True,
              configs: Optional[Sequence[Config]] = None) -> None:
    """Check every run's config, and build each distinct training set.

    Catches unknown types and option keys, bad placeholders and impossible
    label budgets (``k_per_class`` larger than the smallest class) before
    anything trains (:func:`check_configs`).

    Args:
        configs (Sequence[Config], optional): ``check_configs(pipeline,
            runs)`` when already computed.
    """
    if configs is None:
        configs = check_configs(pipeline, runs)
    built = set()
    for run, cfg in zip(runs, configs):
        if not check_data or 'train_dataloader' not in cfg:
            continue
        dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
        key = json.dumps(dataset_cfg.to_dict() if hasattr(
            dataset_cfg, 'to_dict') else dataset_cfg, sort_keys=True,
                         default=str)
        if key in built:
            continue
        built.add(key)
        from mmengine.registry import DefaultScope

        from fsat.registry import DATASETS
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            try:
                DATASETS.build(dataset_cfg)
            except FsatUserError:
                raise
            except (ValueError, KeyError, FileNotFoundError) as e:
                raise FsatUserError(
                    f'{pipeline.filename}: run {run.label}: its training '
                    f'data cannot be built: {e}') from e


def prepare_data(pipeline: Pipeline) -> None:
    """Run the pipeline's ``prepare`` steps (rank 0; the others wait)."""
    for i, step in enumerate(pipeline.prepare, 1):
        if get_rank() == 0:
            args = ', '.join(f'{k}={v!r}' for k, v in step['kwargs'].items())
            print_log(
                f"prepare [{i}/{len(pipeline.prepare)}] {step['type']}"
                f'({args})',
                logger='current')
            try:
                step['fn'](**step['kwargs'])
            except (ValueError, OSError) as e:
                # bad arguments, missing input, a folder holding other data
                raise FsatUserError(f"{pipeline.filename}: prepare step "
                                    f"{step['type']!r}: {e}") from e
        barrier()


def run_pipeline(pipeline: Pipeline,
                 launcher: str = 'none',
                 check_data: bool = True,
                 prepare: bool = True) -> List[dict]:
    """Run every stage that is not finished; return all records.

    Every run's config is resolved and checked first (:func:`check_configs`,
    before any data is prepared); then the ``prepare`` steps run (unless
    ``prepare=False``, for a caller that ran :func:`prepare_data` itself)
    and every distinct training set is built (:func:`preflight`). Results
    are written to ``<work_dir>/results.json`` after every run, so an
    interrupted pipeline keeps what it finished.
    """
    runs = pipeline.plan()
    configs = check_configs(pipeline, runs)
    if prepare:
        prepare_data(pipeline)
    preflight(pipeline, runs, check_data=check_data, configs=configs)
    records: List[dict] = []
    print_log(f'pipeline {pipeline.filename}: {len(runs)} runs',
              logger='current')
    seconds: Dict[str, List[float]] = {}  # stage -> wall times this call
    for i, run in enumerate(runs, 1):
        if run.deferred:
            pipeline.select_for(run, records)
        record = _read_done(run)
        if record is not None:
            print_log(f'[{i}/{len(runs)}] {run.label}: finished before, '
                      'skipped', logger='current')
        else:
            print_log(
                f'[{i}/{len(runs)}] {run.label}: running' +
                _eta(runs[i - 1:], seconds), logger='current')
            start = time.time()
            record = execute_run(pipeline, run, launcher)
            seconds.setdefault(run.stage.name, []).append(time.time() -
                                                          start)
        run.record = record
        records.append(record)
        _write_results(pipeline, records)
    return records


def _eta(remaining: Sequence[Run], seconds: Dict[str, List[float]]) -> str:
    """Time left for the remaining runs of stages already timed in this
    call (mean wall time per stage), and how many runs are not timed."""
    timed = [r for r in remaining if r.stage.name in seconds]
    if not timed:
        return ''
    left = sum(
        sum(seconds[r.stage.name]) / len(seconds[r.stage.name])
        for r in timed)
    untimed = len(remaining) - len(timed)
    more = f' + {untimed} runs of stages not timed yet' if untimed else ''
    return f', about {left / 60:.0f} min left{more}'


def _write_results(pipeline: Pipeline, records: List[dict]) -> None:
    if get_rank() != 0:
        return
    os.makedirs(pipeline.work_dir, exist_ok=True)
    payload = dict(
        pipeline=pipeline.filename,
        report_metric=pipeline.report_metric,
        budget_format=pipeline.budget_format,
        budget_label=pipeline.budget_label,
        select_metric=pipeline.select_metric,
        select_seeds=pipeline.select_seeds,
        sweeps=pipeline.sweeps,
        recipe_grid=pipeline.recipes,
        runs=records)
    path = osp.join(pipeline.work_dir, 'results.json')
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)
