# Copyright (c) fsat contributors. All rights reserved.
"""Checks of a whole pipeline before its first run trains.

:func:`check_configs` resolves every run's config as it will run (an
unknown option key in the last stage ends the tool before the first one
trains); :func:`preflight` also builds each distinct training set once
(impossible label budgets, missing data).
"""
import copy
import dataclasses
import json
from typing import List, Optional, Sequence

from mmengine.config import Config

from fsat.apis.checks import check_required_fields
from fsat.utils.cli import FsatUserError

from .loading import Pipeline
from .spec import Run


def check_configs(pipeline: Pipeline, runs: Sequence[Run]) -> List[Config]:
    """Resolve every run's config as it will run, before anything runs.

    Each config goes through :func:`fsat.apis.runner.load_config` with the
    run's ``cfg_options`` (so an unknown type, a mistyped option key, a
    validation set that overlaps the training picks are found now) and
    the required-field checks of ``tools/train.py`` (``tools/test.py`` for
    a test-only stage; :func:`fsat.apis.checks.check_required_fields`); a
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
        recipes = (pipeline.recipes_for(run.stage)
                   if run.deferred and run.stage.select_recipe else
                   [run.recipe])
        resolved = []
        for recipe in recipes:
            trial = dataclasses.replace(run, recipe=recipe, deferred=False)
            try:
                cfg = pipeline.resolve(trial, dry=True)
                check_required_fields(
                    cfg, run.stage.config,
                    'test' if run.stage.test_only else 'train')
                resolved.append(cfg)
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
        if not check_data or cfg.get('train_dataloader') is None:
            continue  # a test-only config may have no training data
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
