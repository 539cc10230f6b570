# Copyright (c) fsat contributors. All rights reserved.
"""Run the planned jobs of a synthetic world, in worker processes or not.

Both world formats (NTU RGB+D / PKU-MMD in :mod:`.generate`, Toyota
Smarthome in :mod:`.smarthome`) render their jobs with this one loop:
every process (the main one when ``workers <= 1``) builds one renderer
(``factory(*args)``, which caches rooms and backgrounds) and calls
``render(renderer, job)`` for each job it is given, with OpenCV limited
to one thread. A job's output depends only on the job (its random
streams are keyed by the world seed and the sample's name), so the bytes
written do not depend on ``workers``; the results are returned in the
order of the jobs.

A job that raises stops the run: no further job starts, the running ones
finish (so nothing still writes into the output folder afterwards) and a
:class:`JobError` naming the job is raised from the original error. A
worker process that dies (killed, out of memory) raises a
:class:`JobError` too, instead of waiting for its result forever.

``mmengine.utils.track_parallel_progress`` has a similar loop, but this
package must not import mmengine, and its ``multiprocessing.Pool`` waits
forever when a worker dies or its initializer fails.
"""
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, List, Optional, Sequence

import cv2


class JobError(RuntimeError):
    """A job of a synthetic world failed, or its renderer or worker
    process did."""


class _StartError(RuntimeError):
    """The renderer of a worker process could not be created."""


#: Per worker process: (factory, args, render, renderer or None).
_WORKER: Optional[list] = None


def job_label(job: Any) -> str:
    """How errors name a job: its type and ``key`` (e.g. ``NtuJob
    S001P001R001A001``)."""
    return f'{type(job).__name__} {getattr(job, "key", job)}'


def _init_worker(factory: Callable, args: tuple, render: Callable) -> None:
    global _WORKER
    cv2.setNumThreads(1)
    _WORKER = [factory, args, render, None]


def _run_job(job: Any) -> list:
    """Render one job in a worker process (the renderer is created at its
    first job, so that a failure to create it is reported, not retried
    forever)."""
    state = _WORKER
    if state[3] is None:
        try:
            state[3] = state[0](*state[1])
        except Exception as e:
            raise _StartError(f'{type(e).__name__}: {e}') from e
    return state[2](state[3], job)


def _serial(jobs: Sequence, factory: Callable, args: tuple,
            render: Callable, bar, desc: str) -> List[list]:
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        try:
            renderer = factory(*args)
        except Exception as e:
            raise JobError(f'{desc}: cannot create the renderer: '
                           f'{type(e).__name__}: {e}') from e
        outputs = []
        for job in jobs:
            try:
                out = render(renderer, job)
            except Exception as e:
                raise JobError(f'{desc}: {job_label(job)} failed: '
                               f'{type(e).__name__}: {e}') from e
            outputs.append(out)
            bar.update(len(out))
        return outputs
    finally:
        cv2.setNumThreads(threads)


def _parallel(jobs: Sequence, factory: Callable, args: tuple,
              render: Callable, workers: int, bar,
              desc: str) -> List[list]:
    methods = mp.get_all_start_methods()
    ctx = mp.get_context('fork' if 'fork' in methods else 'spawn')
    outputs: List[Optional[list]] = [None] * len(jobs)
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=ctx,
                             initializer=_init_worker,
                             initargs=(factory, args, render)) as pool:
        futures = {pool.submit(_run_job, job): i
                   for i, job in enumerate(jobs)}
        try:
            for future in as_completed(futures):
                i = futures[future]
                label = job_label(jobs[i])
                try:
                    out = future.result()
                except BrokenProcessPool as e:
                    raise JobError(
                        f'{desc}: a worker process ended without a result '
                        f'while {label} was pending ({e}); was it killed, '
                        'e.g. out of memory?') from e
                except _StartError as e:
                    raise JobError(f'{desc}: cannot create the renderer in '
                                   f'a worker process: {e}') from e
                except Exception as e:
                    raise JobError(f'{desc}: {label} failed: '
                                   f'{type(e).__name__}: {e}') from e
                outputs[i] = out
                bar.update(len(out))
        except BaseException:
            # No job starts any more; the running ones finish first.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return outputs


def run_jobs(jobs: Sequence, factory: Callable, args: tuple,
             render: Callable, workers: int = 1, total: Optional[int] = None,
             unit: str = 'video', desc: str = 'synthesize',
             progress: bool = True) -> list:
    """Render ``jobs``, in ``workers`` processes if ``workers > 1``.

    Args:
        jobs (Sequence): The jobs (picklable; named in errors by
            :func:`job_label`).
        factory (Callable): Builds a process's renderer from ``args``
            (module level, picklable).
        args (tuple): Arguments of ``factory``.
        render (Callable): ``render(renderer, job)`` renders and writes a
            job and returns a list of records, one per video (module
            level, picklable).
        workers (int): Worker processes; 1 or less renders in this
            process. Defaults to 1.
        total (int, optional): Records of all jobs (the progress bar's
            length). Defaults to None (unknown).
        unit (str): What a record is, for the progress bar. Defaults to
            ``'video'``.
        desc (str): Progress bar title, also the start of error messages.
            Defaults to ``'synthesize'``.
        progress (bool): Show the progress bar. Defaults to True.

    Returns:
        list: The records of every job, concatenated in the order of
        ``jobs`` (the same for any ``workers``).

    Raises:
        JobError: A job raised (chained to its error), the renderer could
            not be created, or a worker process died.
    """
    from tqdm import tqdm
    bar = tqdm(total=total, unit=unit, disable=not progress, desc=desc,
               dynamic_ncols=True)
    try:
        if workers <= 1 or not jobs:
            outputs = _serial(jobs, factory, args, render, bar, desc)
        else:
            outputs = _parallel(jobs, factory, args, render, workers, bar,
                                desc)
    finally:
        bar.close()
    return [record for out in outputs for record in out]
