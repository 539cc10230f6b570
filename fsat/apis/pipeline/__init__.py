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
prefix='student.')``, ``dict(stage='teacher', adapt_input_channels=True)``,
``dict(stage='transfer', prefix='student.', target='backbone.')``) starts
from that stage's final checkpoint: a ``PretrainedWeightsHook`` with
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

One module per concept; every name is importable from
``fsat.apis.pipeline``:

* :mod:`.spec`: :class:`Stage`, :class:`Run`, templates and placeholders;
* :mod:`.loading`: :func:`load_pipeline` and :class:`Pipeline` (parsing,
  validation, planning, signatures, resolving a run's config);
* :mod:`.preflight`: :func:`check_configs`, :func:`preflight`;
* :mod:`.execution`: :func:`execute_run`, :func:`prepare_data`,
  :func:`run_pipeline`, :func:`find_finished` (``done.json``, resuming,
  runs reused from other pipelines, ``results.json``);
* :mod:`.parallel`: :func:`run_parallel`, :func:`check_jobs` (up to
  ``jobs`` runs at once in worker processes).
"""
from .execution import (
    DONE,
    execute_run,
    find_finished,
    prepare_data,
    run_pipeline,
)
from .execution import _last_checkpoint as _last_checkpoint
from .execution import _MetricsRecorder as _MetricsRecorder
from .execution import _read_done as _read_done
from .execution import _stop_train_workers as _stop_train_workers
from .loading import Pipeline, load_pipeline
from .loading import _base_digests as _base_digests
from .parallel import check_jobs, run_parallel
from .preflight import check_configs, preflight
from .spec import PIPELINE_FIELDS, Run, Stage

__all__ = [
    'DONE', 'PIPELINE_FIELDS', 'Pipeline', 'Run', 'Stage', 'check_configs',
    'check_jobs', 'execute_run', 'find_finished', 'load_pipeline', 'preflight',
    'prepare_data', 'run_parallel', 'run_pipeline'
]
