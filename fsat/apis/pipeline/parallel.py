# Copyright (c) fsat contributors. All rights reserved.
"""Running up to ``jobs`` runs of a pipeline at the same time.

:func:`run_parallel` is the loop of :func:`~.execution.run_pipeline` for
``jobs`` > 1: each run trains in a worker process (spawned, one run per
call of :func:`~.execution.execute_run`) as soon as every run it takes
something from has finished, and the main process does what the
sequential loop does between runs, with the same outcome:

* a run starts when the runs whose checkpoints it uses have finished; a
  deferred run (a seed that runs the recipe its grid selected, or a stage
  using the checkpoint of a recipe-grid stage) is given its recipe and
  upstream runs (:meth:`~.loading.Pipeline.select_for`) only once those
  grids are closed;
* a grid (the recipe-grid runs of one stage and sweep point) is closed
  when all its runs have finished: the runs beyond an edge are inserted
  after its last run (:func:`~.execution._close_group`), or, when there are
  none, the runs of the selected recipe are tested
  (:func:`~.execution._test_selected`). The grids of one stage are closed
  in the order of the plan, as the sequential loop closes them (the
  recipes a stage tries are listed in that order and ties go to the
  first);
* a run found finished is skipped, and ``results.json`` is rewritten after
  every run with the records in the order of the plan, so records and
  report are the same whatever ``jobs``;
* after a failing run no run starts; the running ones finish (and are
  recorded), then the error of the first failing run in the plan is
  raised.
"""
import logging
import multiprocessing
import os
import time
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log

from fsat.utils.cli import FsatUserError

from .execution import (
    _close_group,
    _eta,
    _finished_message,
    _group_key,
    _test_selected,
    _write_results,
    execute_run,
    find_finished,
)
from .loading import Pipeline
from .spec import Run


def check_jobs(jobs: int, launcher: str, where: str) -> None:
    """``jobs`` must be a positive int, and 1 under a distributed launcher.

    Args:
        jobs (int): Runs at once.
        launcher (str): The job launcher (``'none'`` when not distributed).
        where (str): The pipeline file or tool, for the message.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise FsatUserError(
            f'{where}: jobs must be a positive int (runs at once), got '
            f'{jobs!r}')
    if jobs > 1 and launcher != 'none':
        raise FsatUserError(
            f'{where}: jobs={jobs} runs several runs at once in processes '
            f'of this machine and cannot be combined with the distributed '
            f'launcher {launcher!r} (which --nproc > 1 sets): use one or '
            'the other')


def worker_threads(jobs: int) -> Optional[int]:
    """torch's threads per worker: the cores shared out among ``jobs``
    (at least one), or None when the user set ``OMP_NUM_THREADS``."""
    if 'OMP_NUM_THREADS' in os.environ:
        return None
    return max(1, (os.cpu_count() or 1) // jobs)


def _init_worker(threads: Optional[int]) -> None:
    """Give a worker process its share of the cores."""
    if threads is None:
        return
    os.environ['OMP_NUM_THREADS'] = str(threads)
    import torch
    torch.set_num_threads(threads)


def _init_pool_worker(threads: Optional[int], parent: int) -> None:
    """Start a worker process: its share of the cores, and its end when the
    pipeline process ends. On Linux the kernel sends the worker SIGTERM
    when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and the worker
    ends the processes it started before it exits, so a pipeline killed
    with SIGTERM or SIGKILL leaves no run or data loader behind (Ctrl-C
    reaches the whole process group anyway); elsewhere nothing is set."""
    import sys
    if sys.platform.startswith('linux'):
        import ctypes
        import signal
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before prctl
            os._exit(1)
        signal.signal(signal.SIGTERM, _end_with_children)
    _init_worker(threads)


def _end_with_children(signum: int, frame) -> None:
    """SIGTERM in a worker: end the processes it started (a run's data
    loader workers, which would otherwise wait forever on a queue nobody
    reads) and then itself."""
    for child in multiprocessing.active_children():
        child.terminate()
    os._exit(128 + signum)


def _execute(pipeline: Pipeline, run: Run, launcher: str,
             threads: Optional[int] = None) -> dict:
    """One run in a worker process (a module-level function: spawn
    pickles it by name), with ``threads`` torch threads when given (a
    worker keeps its process between runs, so each run sets its own)."""
    _init_worker(threads)
    return execute_run(pipeline, run, launcher)


class _Scheduler:
    """The state of :func:`run_parallel`: the plan (which grows by the
    runs beyond an edge), the running runs and the closed grids.

    Args:
        pipeline (Pipeline): The pipeline.
        runs (list[Run]): Its plan (:meth:`Pipeline.plan`).
        jobs (int): Runs at once.
        launcher (str): ``'none'``.
    """

    def __init__(self, pipeline: Pipeline, runs: List[Run], jobs: int,
                 launcher: str) -> None:
        self.pipeline = pipeline
        self.runs = runs
        self.jobs = jobs
        self.launcher = launcher
        self.running: Dict[Future, Tuple[Run, float]] = {}
        self.checked = set()  # ids of runs found not finished before
        self.closed = set()  # group keys of closed grids
        self.seconds: Dict[str, List[float]] = {}  # stage -> wall times
        self.failures: List[Tuple[int, BaseException]] = []

    # -- views in the order of the plan --------------------------------
    def finished(self) -> List[Run]:
        return [r for r in self.runs if r.record is not None]

    def records(self) -> List[dict]:
        return [r.record for r in self.runs if r.record is not None]

    def _index(self, run: Run) -> int:
        """The run's place in the plan (by identity: runs compare by
        value)."""
        return next(i for i, r in enumerate(self.runs) if r is run)

    def _progress(self, run: Run) -> str:
        return f'[{self._index(run) + 1}/{len(self.runs)}] {run.label}'

    # -- when a run may start ------------------------------------------
    def _chosen(self, stage: str, values: dict) -> bool:
        """Whether every run of the recipe-grid stage ``stage`` that a run
        of sweep point ``values`` may be handed has finished, and their
        grids are closed (:meth:`Pipeline.select_for` chooses among
        them)."""
        matching = [r for r in self.runs
                    if r.stage.name == stage and r.agrees(values)]
        return all(r.record is not None and (
            not r.grid or _group_key(r) in self.closed) for r in matching)

    def _ready(self, run: Run) -> bool:
        """Whether every run that ``run`` takes something from (a
        checkpoint, a grid's choice) has finished."""
        if not run.deferred:
            return all(up.record is not None for up in run.upstream.values())
        if run.stage.select_recipe and _group_key(run) not in self.closed:
            return False
        for name, up in run.upstream.items():
            # the run of a recipe-grid stage is chosen when it is bound
            if not (self._chosen(name, run.values) if up.stage.select_recipe
                    else up.record is not None):
                return False
        return True

    # -- the main process's steps --------------------------------------
    def _finish(self, run: Run, record: dict) -> None:
        run.record = record
        _write_results(self.pipeline, self.records())

    def _close_groups(self) -> bool:
        """Close the grids whose runs have all finished (those of a stage
        in the order of their last runs in the plan); True when one was
        closed or grew."""
        last: Dict[tuple, int] = {}  # group -> index of its last grid run
        for i, run in enumerate(self.runs):
            if run.grid:
                last[_group_key(run)] = i
        waiting = set()  # stages with a grid still running
        changed = False
        for key, i in sorted(last.items(), key=lambda item: item[1]):
            if key in self.closed or key[0] in waiting:
                continue
            if any(r.record is None for r in self.runs
                   if r.grid and _group_key(r) == key):
                waiting.add(key[0])
                continue
            run = self.runs[i]
            more = _close_group(self.pipeline, run, self.finished(),
                                self.records())
            changed = True
            if more:  # after the grid's last run, as the sequential loop
                self.runs[i + 1:i + 1] = more
                return True
            self.closed.add(key)
            _test_selected(self.pipeline, run, self.finished(),
                           self.records(), self.launcher)
        return changed

    def _threads(self, run: Run) -> Optional[int]:
        """The threads ``run`` gets: all the cores when it starts alone,
        i.e. nothing runs and no other unfinished run is ready (only a
        finishing run makes another ready, so none can start beside it
        before it ends: a teacher every other run waits for), else the
        share of :func:`worker_threads`."""
        share = worker_threads(self.jobs)
        if share is None or self.running:
            return share
        if any(other is not run and other.record is None
               and self._ready(other) for other in self.runs):
            return share
        return worker_threads(1)

    def _skip_finished(self, run: Run) -> bool:
        """Bind a deferred run and skip it when it finished before; True
        when it was skipped."""
        if run.deferred:
            self.pipeline.select_for(run, self.records(), self.finished())
        record = find_finished(self.pipeline, run)
        if record is None:
            self.checked.add(id(run))
            return False
        print_log(f'{self._progress(run)}: ' + _finished_message(record),
                  logger='current')
        self._finish(run, record)
        return True

    def _start(self, pool: ProcessPoolExecutor, run: Run) -> None:
        """Start a ready run found not finished in a free worker."""
        if run.deferred:
            self.pipeline.select_for(run, self.records(), self.finished())
        remaining = [r for r in self.runs if r.record is None]
        threads = self._threads(run)
        alone = threads is not None and threads != worker_threads(self.jobs)
        print_log(
            f'{self._progress(run)}: running' +
            (f' alone with {threads} threads' if alone else '') +
            _eta(remaining, self.seconds, self.jobs), logger='current')
        future = pool.submit(_execute, self.pipeline, run, self.launcher,
                             threads)
        self.running[future] = (run, time.time())

    def _advance(self, pool: ProcessPoolExecutor) -> None:
        """Close the grids that can be closed, skip the ready runs found
        finished (all of them first: one may make others ready, and the
        threads a run gets depend on which others are ready) and start
        ready runs while a worker is free."""
        changed = True
        while changed:
            changed = self._close_groups()
            busy = {id(run) for run, _ in self.running.values()}
            for run in list(self.runs):
                if (run.record is None and id(run) not in busy
                        and id(run) not in self.checked and self._ready(run)
                        and self._skip_finished(run)):
                    changed = True  # a skipped run may close a grid
                    break
        busy = {id(run) for run, _ in self.running.values()}
        for run in list(self.runs):
            if len(self.running) >= self.jobs:
                break
            if (run.record is None and id(run) not in busy
                    and self._ready(run)):
                self._start(pool, run)

    def _collect(self, future: Future) -> None:
        """Record a finished run, or its failure."""
        run, start = self.running.pop(future)
        try:
            record = future.result()
        except BrokenProcessPool as e:
            self._fail(run, FsatUserError(
                f'{self.pipeline.filename}: run {run.label}: its worker '
                f'process ended without a result ({e}); was it killed, '
                'e.g. out of memory?'))
            return
        except Exception as e:
            self._fail(run, e)
            return
        self.seconds.setdefault(run.stage.name, []).append(time.time() -
                                                           start)
        print_log(f'{self._progress(run)}: finished', logger='current')
        self._finish(run, record)

    def _fail(self, run: Optional[Run], error: BaseException) -> None:
        index = self._index(run) if run is not None else -1
        self.failures.append((index, error))
        if self.running:
            print_log(
                f'{run.label if run else "pipeline"}: failed; no run starts '
                f'now, waiting for the {len(self.running)} running',
                logger='current', level=logging.ERROR)

    def run(self) -> List[dict]:
        threads = worker_threads(self.jobs)
        print_log(
            f'up to {self.jobs} runs at once, each in a worker process' +
            ('' if threads is None else
             f' with {threads} thread{"s" if threads > 1 else ""}'),
            logger='current')
        context = multiprocessing.get_context('spawn')
        with ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context,
                initializer=_init_pool_worker,
                initargs=(threads, os.getpid())) as pool:
            while True:
                if not self.failures:
                    try:
                        self._advance(pool)
                    except Exception as e:  # choosing, closing, testing
                        self._fail(None, e)
                if not self.running:
                    break
                done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                for future in sorted(
                        done, key=lambda f: self._index(self.running[f][0])):
                    self._collect(future)
        if self.failures:
            raise min(self.failures, key=lambda item: item[0])[1]
        return self.records()


def run_parallel(pipeline: Pipeline, runs: List[Run], jobs: int,
                 launcher: str = 'none') -> List[dict]:
    """Execute a pipeline's planned ``runs``, up to ``jobs`` at once.

    Args:
        pipeline (Pipeline): The pipeline (checked and prepared).
        runs (list[Run]): Its plan; runs beyond a grid's edge are inserted.
        jobs (int): Runs at once (> 1), each in a spawned worker process
            with ``cpu_count // jobs`` threads, or all the cores for a
            run no other can start beside (unless ``OMP_NUM_THREADS`` is
            set).
        launcher (str): Must be ``'none'`` (:func:`check_jobs`).

    Returns:
        list[dict]: The records, in the order of the plan.
    """
    check_jobs(jobs, launcher, pipeline.filename)
    return _Scheduler(pipeline, runs, jobs, launcher).run()
