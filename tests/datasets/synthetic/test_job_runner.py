# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the job runner shared by the synthetic worlds: results in job
order for any worker count, one OpenCV thread while rendering, progress,
and failures (a raising job, a renderer that cannot be created, a dying
worker) raised as one clear error instead of a hang."""
import os
import signal
from dataclasses import dataclass

import cv2
import pytest

from fsat.datasets.synthetic.runner import JobError, job_label, run_jobs


@dataclass(frozen=True)
class FakeJob:
    """A job named by its number."""

    number: int

    @property
    def key(self) -> str:
        return f'{self.number:02d}'


class Squarer:
    """A renderer: job ``n`` gives ``n % 3 + 1`` records ``offset +
    n * n``."""

    def __init__(self, offset: int):
        self.offset = offset


class BrokenRenderer:
    """A renderer that cannot be created."""

    def __init__(self, offset: int):
        raise OSError(f'no room for offset {offset}')


def square(renderer: Squarer, job: FakeJob) -> list:
    return [dict(value=renderer.offset + job.number**2,
                 pid=os.getpid(), threads=cv2.getNumThreads())
            ] * (job.number % 3 + 1)


def fail_at_three(renderer: Squarer, job: FakeJob) -> list:
    if job.number == 3:
        raise ValueError(f'bad job {job.number}')
    return square(renderer, job)


def die_at_three(renderer: Squarer, job: FakeJob) -> list:
    if job.number == 3:
        os._exit(7)
    return square(renderer, job)


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (instead of waiting forever) if a run does not end in 60 s."""

    def timeout(signum, frame):
        raise TimeoutError('run_jobs did not return within 60 s')

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


JOBS = [FakeJob(n) for n in range(6)]
# Job n gives n % 3 + 1 records 10 + n * n: 1 + 2 + 3 + 1 + 2 + 3 records.
EXPECTED = [10, 11, 11, 14, 14, 14, 19, 26, 26, 35, 35, 35]


@pytest.mark.parametrize('workers', [1, 2, 8])
def test_records_in_job_order_for_any_worker_count(workers):
    threads = cv2.getNumThreads()
    records = run_jobs(JOBS, Squarer, (10, ), square, workers=workers,
                       total=12, progress=False)
    assert [r['value'] for r in records] == EXPECTED
    # Rendering uses one OpenCV thread; this process's setting is kept.
    assert {r['threads'] for r in records} == {1}
    assert cv2.getNumThreads() == threads
    pids = {r['pid'] for r in records}
    if workers == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids and 1 <= len(pids) <= workers


def test_no_jobs():
    assert run_jobs([], Squarer, (0, ), square, workers=2, total=0,
                    progress=False) == []


def test_progress_counts_records(capsys):
    run_jobs(JOBS, Squarer, (10, ), square, workers=2, total=12,
             unit='clip', desc='synthesize fake', progress=True)
    err = capsys.readouterr().err
    assert 'synthesize fake' in err and '12/12' in err and 'clip' in err


def test_job_label():
    assert job_label(FakeJob(4)) == 'FakeJob 04'


@pytest.mark.parametrize('workers', [1, 2])
def test_failing_job_names_the_job(workers):
    with pytest.raises(JobError, match=r'^synthesize fake: FakeJob 03 '
                       r'failed: ValueError: bad job 3$') as info:
        run_jobs(JOBS, Squarer, (10, ), fail_at_three, workers=workers,
                 desc='synthesize fake', progress=False)
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize('workers', [1, 2])
def test_renderer_that_cannot_be_created(workers):
    with pytest.raises(JobError, match='synthesize fake: cannot create the '
                       'renderer.*OSError: no room for offset 5'):
        run_jobs(JOBS, BrokenRenderer, (5, ), square, workers=workers,
                 desc='synthesize fake', progress=False)


def test_dying_worker_raises_instead_of_hanging():
    with pytest.raises(JobError, match='synthesize fake: a worker process '
                       'ended without a result while FakeJob .* was '
                       'pending'):
        run_jobs(JOBS, Squarer, (10, ), die_at_three, workers=2,
                 desc='synthesize fake', progress=False)
