# Copyright (c) fsat contributors. All rights reserved.
"""Running a pipeline: each run's training, testing and record.

:func:`run_pipeline` checks every run first (:mod:`.preflight`), runs the
``prepare`` steps (:func:`prepare_data`), then each run that has no
``done.json`` with its signature (:func:`execute_run`; an interrupted run
resumes from its newest complete checkpoint; a run that another pipeline
of the ``reuse_from`` list finished with the same signature is taken over,
:func:`find_finished`), and rewrites
``<work_dir>/results.json`` after every run. With ``jobs`` > 1, up to
``jobs`` runs execute at once in worker processes (:mod:`.parallel`).
"""
import gc
import json
import logging
import os
import os.path as osp
import shutil
import time
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dist import barrier, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log

from fsat.apis.checks import check_runner
from fsat.apis.runner import build_runner, setup_launcher
from fsat.utils.cli import FsatUserError
from fsat.utils.environment import collect_environment

from .loading import Pipeline, grid_group
from .preflight import check_configs, preflight
from .spec import Run

#: A finished run's record, in its work dir.
DONE = 'done.json'
#: Fewer validation samples than this make one sample weigh more than 2 %
#: of a choice made on them (a warning when a run chooses its length).
MIN_VAL_SIZE = 50


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


def find_finished(pipeline: Pipeline, run: Run) -> Optional[dict]:
    """The record of ``run`` when it is finished, else None.

    Finished here (its ``done.json`` with its signature), or in the work
    dir of a pipeline of ``pipeline.reuse_from``: a tested, non-grid record
    of that pipeline's ``results.json`` with the same signature (the same
    config bytes, bases, options, sweep values, recipe and upstream runs,
    so the same training) whose checkpoint is still there. That record is
    taken over: written to this run's ``done.json`` with ``reused_from``
    (the other run's work dir) and this stage's name and method; its
    checkpoint stays where it is. Several pipelines that share rows (e.g.
    the baselines of a paper's tables) thus train each of them once.
    """
    record = _read_done(run)
    if record is not None or run.grid:
        return record
    for root in pipeline.reuse_from:
        other = _same_run(osp.join(root, 'results.json'), run)
        if other is None:
            continue
        record = dict(other, stage=run.stage.name, method=run.stage.method,
                      reused_from=osp.join(root, other['stage'], run.tag))
        if get_rank() == 0:
            if osp.isdir(run.work_dir):  # another signature's leftovers
                shutil.rmtree(run.work_dir)
            os.makedirs(run.work_dir)
            with open(osp.join(run.work_dir, 'signature.txt'), 'w',
                      encoding='utf-8') as f:
                f.write(run.signature)
        _write_done(run, record)
        return record
    return None


def _same_run(results: str, run: Run) -> Optional[dict]:
    """A finished record of ``run``'s signature in another pipeline's
    ``results.json`` (None when there is none, or the file is missing or
    being rewritten)."""
    try:
        with open(results, encoding='utf-8') as f:
            records = json.load(f)['runs']
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for other in records:
        if (not isinstance(other, dict)
                or other.get('signature') != run.signature
                or other.get('grid') or not other.get('tested', True)):
            continue
        if run.stage.test_only or osp.isfile(other.get('checkpoint') or ''):
            return other
    return None


def _finished_message(record: dict) -> str:
    where = record.get('reused_from')
    return (f'finished in {where}, reused' if where else
            'finished before, skipped')


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


def _load_best(runner, run: Run, metric: str) -> dict:
    """Load the weights of the run's best validation into the runner's
    model; what the record says about the chosen length."""
    from fsat.engine.selection import selected
    curve, best, path = selected(run.work_dir, metric)
    if best is None or path is None:
        raise FsatUserError(
            f'{run.work_dir}: the run validated no {metric!r} (or kept no '
            'best weights), so its length cannot be chosen: does its '
            'config have a val_dataloader and val_evaluator?')
    runner.load_checkpoint(path)
    print_log(
        f"{run.label}: iteration {best['iter']} is the best on validation "
        f"{metric} ({100 * best['metrics'][metric]:.2f})" +
        ('; testing its weights' if not run.grid else
         '; its weights are kept (tested if the grid selects the recipe)'),
        logger='current')
    loop = runner.train_loop
    val_size = len(runner.val_dataloader.dataset)
    if val_size < MIN_VAL_SIZE:
        print_log(
            f'{run.label}: the validation set has {val_size} samples, so '
            f'one is more than {100 / MIN_VAL_SIZE:g} % of it and the '
            'choices it makes are coarse: enlarge it (e.g. val_per_class '
            'of the synthetic fine-tuning configs)',
            logger='current', level=logging.WARNING)
    return dict(
        val_size=val_size,
        best_iter=best['iter'],
        max_iters=loop.max_iters,
        val_interval=loop.val_interval,
        checkpoint=path,
        val=best['metrics'],
        curve=[[p['iter'], p['metrics'][metric]] for p in curve
               if metric in p['metrics']])


def _train_and_test(cfg, run: Run,
                    length_metric: Optional[str] = None
                    ) -> Tuple[dict, dict, Optional[dict]]:
    """Build the runner, check it as ``tools/train.py`` / ``tools/test.py``
    do, train (unless test-only), validate and test; the metrics and, for
    a run that chooses its length (``length_metric``), the choice (the
    best validation's weights are the ones tested). A recipe-grid run is
    not tested here: only the recipe its validation selects is, once the
    grid is finished (:func:`_test_selected`)."""
    runner = build_runner(cfg)
    # the checks of tools/train.py and tools/test.py
    check_runner(runner, cfg, 'test' if run.stage.test_only else 'train')
    recorder = _MetricsRecorder()
    runner.register_hook(recorder, priority='LOWEST')
    if not run.stage.test_only:
        runner.train()
    val = {}
    length = None
    if length_metric is not None:
        length = _load_best(runner, run, length_metric)
        val = length.pop('val')
    elif cfg.get('val_dataloader'):
        # the validation that ended training, else one now
        val = recorder.val if recorder.val_iter == runner.iter else (
            runner.val())
    test = {}
    if cfg.get('test_dataloader') and not run.grid:
        same_split = (cfg.get('val_dataloader') == cfg.test_dataloader
                      and cfg.get('val_evaluator') == cfg.test_evaluator)
        test = dict(val) if same_split and val else runner.test()
    _stop_train_workers(runner)
    del runner
    gc.collect()
    return val, test, length


def execute_run(pipeline: Pipeline, run: Run, launcher: str = 'none') -> dict:
    """Train, validate and test one run; write and return its record.

    The run gets the checks of ``tools/train.py`` and ``tools/test.py``: a
    ``load_from`` that fits no weight of the model (any mismatch when
    resuming or testing) and a dataset whose classes do not fit the
    classifier end it with one line naming the pipeline and the run,
    before training.
    """
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
    length_metric = (pipeline.select_metric
                     if pipeline.selects_length(run.stage) else None)
    try:
        val, test, length = _train_and_test(cfg, run, length_metric)
    except FsatUserError as e:
        raise FsatUserError(
            f'{pipeline.filename}: run {run.label}: {e}') from e
    checkpoint = (None if run.stage.test_only else
                  _last_checkpoint(run.work_dir))
    if length is not None:  # the best validation's weights were tested
        checkpoint = length.pop('checkpoint')
    record = dict(
        stage=run.stage.name,
        method=run.stage.method,
        values=run.values,
        recipe=None if run.recipe is None else run.recipe['name'],
        recipe_values=None if run.recipe is None else run.recipe.get(
            'values'),
        grid=run.grid,
        length=length,
        val={k: float(v) for k, v in (val or {}).items()},
        test={k: float(v) for k, v in (test or {}).items()},
        wall_time=time.time() - start,
        checkpoint=checkpoint,
        signature=run.signature,
        resumed=resume,
        tested=not run.grid,
        environment=collect_environment())
    _write_done(run, record)
    return record


def _write_done(run: Run, record: dict) -> None:
    """Write a run's record to its ``done.json`` (rank 0; all wait)."""
    if get_rank() == 0:
        with open(osp.join(run.work_dir, DONE), 'w', encoding='utf-8') as f:
            json.dump(record, f, indent=2)
    barrier()


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
                 prepare: bool = True,
                 jobs: int = 1) -> List[dict]:
    """Run every stage that is not finished; return all records.

    Every run's config is resolved and checked first (:func:`check_configs`,
    before any data is prepared); then the ``prepare`` steps run (unless
    ``prepare=False``, for a caller that ran :func:`prepare_data` itself)
    and every distinct training set is built (:func:`preflight`). Results
    are written to ``<work_dir>/results.json`` after every run, so an
    interrupted pipeline keeps what it finished.

    With ``jobs`` > 1 (not with a distributed ``launcher``), up to
    ``jobs`` runs whose upstream runs have finished execute at once, each
    in a worker process (:func:`.parallel.run_parallel`); the records, in
    the order of the plan, are those of ``jobs=1``.
    """
    from .parallel import check_jobs, run_parallel  # it imports this
    check_jobs(jobs, launcher, pipeline.filename)
    runs = pipeline.plan()
    configs = check_configs(pipeline, runs)
    if prepare:
        prepare_data(pipeline)
    preflight(pipeline, runs, check_data=check_data, configs=configs)
    records: List[dict] = []
    print_log(f'pipeline {pipeline.filename}: {len(runs)} runs',
              logger='current')
    if jobs > 1:
        return run_parallel(pipeline, runs, jobs, launcher)
    seconds: Dict[str, List[float]] = {}  # stage -> wall times this call
    i = 0
    while i < len(runs):
        run = runs[i]
        i += 1
        if run.deferred:
            pipeline.select_for(run, records, runs[:i - 1])
        record = find_finished(pipeline, run)
        if record is not None:
            print_log(f'[{i}/{len(runs)}] {run.label}: ' +
                      _finished_message(record), logger='current')
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
        if run.grid and _group_done(run, runs[i:]):
            more = _close_group(pipeline, run, runs[:i], records)
            runs[i:i] = more
            if not more:
                _test_selected(pipeline, run, runs[:i], records, launcher)
    return records


def _group_key(run: Run) -> tuple:
    """A stage and budget: the runs whose grid picks one recipe (over the
    replicate axes, as :meth:`Pipeline.group_scores`)."""
    return (run.stage.name,
            tuple(sorted((k, repr(v))
                         for k, v in grid_group(run.values).items())))


def _group_name(key: tuple) -> str:
    """``'fsat [budget=5]'``: a stage and the sweep values of its group."""
    values = ', '.join(f'{k}={v}' for k, v in key[1])
    return f'{key[0]} [{values}]' if values else key[0]


def _group_done(run: Run, later: Sequence[Run]) -> bool:
    """Whether ``run`` is the last grid run of its stage and sweep point."""
    key = _group_key(run)
    return not any(r.grid and _group_key(r) == key for r in later)


def _close_group(pipeline: Pipeline, run: Run, done: Sequence[Run],
                 records: List[dict]) -> List[Run]:
    """After the last grid run of a stage and sweep point: the runs of the
    next recipe beyond an edge (``extend_edges``), or none, logging the
    choice when it still lies on an edge."""
    from .recipes import edge_notes
    key = _group_key(run)
    group = [r for r in done if r.grid and _group_key(r) == key]
    new = pipeline.extension_runs(group, records)
    if new:
        print_log(
            f'{_group_name(key)}: the choice '
            f"lies on an edge of the grid; trying {new[0].recipe['name']}",
            logger='current')
        return new
    if pipeline.axes:
        selected = pipeline.selected_recipe(run, records)
        notes = edge_notes(pipeline.axes,
                           pipeline.tried_recipes(run, records), selected)
        if notes:
            limit = (f'extend_edges={pipeline.extend_edges} reached'
                     if pipeline.extend_edges else 'extend_edges=0')
            print_log(
                f'{_group_name(key)}'
                f": {selected['name']} selected, but {'; '.join(notes)} "
                f'({limit})', logger='current', level=logging.WARNING)
    return []


def _test_selected(pipeline: Pipeline, run: Run, done: Sequence[Run],
                   records: List[dict], launcher: str) -> None:
    """Test the grid runs of the recipe a finished grid selected (one per
    selection seed), from the checkpoint each run handed over (its best
    validation's, when it chose its length); the other recipes are never
    tested. Their records and ``done.json`` get the test metrics."""
    key = _group_key(run)
    selected = pipeline.selected_recipe(run, records)['name']
    for member in done:
        if not (member.grid and _group_key(member) == key
                and member.recipe['name'] == selected):
            continue
        record = member.record
        if record.get('tested', True):
            continue
        print_log(f'{member.label}: selected on validation; testing it',
                  logger='current')
        cfg = pipeline.resolve(member)
        setup_launcher(cfg, launcher)
        cfg.resume = False
        cfg.load_from = record['checkpoint']
        cfg.experiment_name = f'{member.stage.name}-{member.tag}-test-' + (
            str(os.getpid()))
        if cfg.get('default_hooks'):
            cfg.default_hooks['checkpoint'] = None  # trains nothing
        start = time.time()
        try:
            runner = build_runner(cfg)
            check_runner(runner, cfg, 'test')
            test = runner.test()
        except FsatUserError as e:
            raise FsatUserError(
                f'{pipeline.filename}: run {member.label}: {e}') from e
        del runner
        gc.collect()
        record['test'] = {k: float(v) for k, v in (test or {}).items()}
        record['tested'] = True
        record['wall_time'] += time.time() - start
        _write_done(member, record)
        _write_results(pipeline, records)


def _eta(remaining: Sequence[Run], seconds: Dict[str, List[float]],
         jobs: int = 1) -> str:
    """Time left for the remaining runs of stages already timed in this
    call (mean wall time per stage, shared by ``jobs`` runs at once), and
    how many runs are not timed."""
    timed = [r for r in remaining if r.stage.name in seconds]
    if not timed:
        return ''
    left = sum(
        sum(seconds[r.stage.name]) / len(seconds[r.stage.name])
        for r in timed)
    left /= jobs
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
        select_on=pipeline.select_on,
        sweeps=pipeline.sweeps,
        recipe_grid=pipeline.recipes,
        recipe_axes=pipeline.axes,
        extend_edges=pipeline.extend_edges,
        length_selection=pipeline.length_selection,
        reference_method=pipeline.reference_method,
        environment=collect_environment(),
        runs=records)
    path = osp.join(pipeline.work_dir, 'results.json')
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)
