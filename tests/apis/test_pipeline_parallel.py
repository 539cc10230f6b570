# Copyright (c) fsat contributors. All rights reserved.
"""Several runs of a pipeline at once (``run_pipeline(..., jobs=2)``):
the same runs, choices, signatures and metrics as one at a time, in the
same order; a rerun finds them finished; a failing run is named; no
distributed launcher."""
import json
import os
import os.path as osp

import pytest

from fsat.apis.pipeline import load_pipeline, parallel, run_pipeline
from fsat.testing import toy_stage_config
from fsat.utils.cli import FsatUserError

# a chain (pre -> finetune), a recipe grid on seed 0 extended beyond its
# edge, seed 1 running the selected recipe, and a test-only stage using
# the grid stage's checkpoint (the selected run of each seed)
PIPELINE = '''
sweeps = dict(seed=[0, 1])
select_seeds = [0]
recipe_axes = dict(lr=dict(key='optim_wrapper.optimizer.lr',
                           values=[0.01, 0.1]))
extend_edges = 1
length_selection = dict(max_iters=4, val_interval=2)
stages = [
    dict(name='pre', config='{config}', method='pre', sweep=['seed'],
         cfg_options={{'randomness.seed': '{{seed}}'}}),
    dict(name='finetune', config='{config}', method='tuned', sweep=['seed'],
         select_recipe=True,
         cfg_options={{'load_from': '{{pre.checkpoint}}',
                      'randomness.seed': '{{seed}}'}}),
    dict(name='evaluate', config='{config}', method='evaluated',
         sweep=['seed'], test_only=True,
         cfg_options={{'load_from': '{{finetune.checkpoint}}'}}),
]
'''

# b [seed5]'s classifier does not fit a's checkpoint: it fails when it
# starts, while b [seed4] runs beside it
FAILING = '''
sweeps = dict(seed=[4, 5])
stages = [
    dict(name='a', config='{config}', method='a'),
    dict(name='b', config='{config}', method='b', sweep=['seed'],
         test_only=True,
         cfg_options={{'load_from': '{{a.checkpoint}}',
                      'model.cls_head.num_classes': '{{seed}}'}}),
]
'''

# two independent runs; the second pipeline changes a's recipe only, so
# a rerun takes c over and trains a again
INDEPENDENT = '''
stages = [
    dict(name='a', config='{config}', method='a',
         cfg_options={{'optim_wrapper.optimizer.lr': {lr}}}),
    dict(name='c', config='{config}', method='c'),
]
'''


def _write(root, text):
    path = root / 'pipe.py'
    path.write_text(text.format(config=toy_stage_config(root / 'f.py')))
    return str(path)


def _run(path, work_dir, jobs, monkeypatch=None):
    """Records, results.json and the progress lines of the parallel
    scheduler (the main process's ``print_log`` calls)."""
    messages = []
    if monkeypatch is not None:
        monkeypatch.setattr(parallel, 'print_log',
                            lambda msg, **kwargs: messages.append(msg))
    pipeline = load_pipeline(path, work_dir)
    records = run_pipeline(pipeline, jobs=jobs)
    with open(osp.join(work_dir, 'results.json')) as f:
        results = json.load(f)
    return records, results, messages


def _comparable(record, work_dir):
    """A record without what differs between two executions (times, the
    environment, the work dir's root)."""
    record = {k: v for k, v in record.items()
              if k not in ('wall_time', 'environment')}
    if record['checkpoint']:
        record['checkpoint'] = osp.relpath(record['checkpoint'], work_dir)
    return record


@pytest.fixture(scope='module')
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp('parallel')
    path = _write(root, PIPELINE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        one = _run(path, str(root / 'one'), 1)
        two = _run(path, str(root / 'two'), 2, monkeypatch)
    return path, root, one, two


@pytest.mark.slow
def test_two_at_once_gives_the_records_of_one_at_a_time(both):
    _, root, (records1, results1, _), (records2, results2, log) = both
    one = [_comparable(r, str(root / 'one')) for r in records1]
    two = [_comparable(r, str(root / 'two')) for r in records2]
    assert [(r['stage'], r['values'], r['recipe']) for r in two] == [
        (r['stage'], r['values'], r['recipe']) for r in one]
    # the grid was extended beyond its edge, and seed 1 and the
    # evaluations took the selected recipe's run
    grid = [r for r in one if r['grid']]
    assert len(grid) == 3 and grid[2]['recipe'] not in ('lr0.01', 'lr0.1')
    assert len(one) == 8
    assert two == one
    # results.json lists them in the same (plan) order
    assert [_comparable(r, str(root / 'two')) for r in results2['runs']] == (
        [_comparable(r, str(root / 'one')) for r in results1['runs']])
    # both pre runs were running before the first finished
    assert log.index('[2/7] pre [seed1]: running') < log.index(
        '[1/7] pre [seed0]: finished')


def test_the_evaluation_uses_the_selected_run(both):
    _, _, _, (records, _, _) = both
    by_seed = {}
    for record in records:
        if record['stage'] == 'finetune' and (record['tested']
                                              or not record['grid']):
            by_seed[record['values']['seed']] = record
    selected = by_seed[0]['recipe']
    assert by_seed[1]['recipe'] == selected
    evaluated = {r['values']['seed']: r for r in records
                 if r['stage'] == 'evaluate'}
    for seed in (0, 1):
        assert evaluated[seed]['test'] == by_seed[seed]['test']


def test_a_rerun_finds_every_run_finished(both, monkeypatch):
    path, root, _, (records, _, _) = both
    again, _, log = _run(path, str(root / 'two'), 2, monkeypatch)
    assert again == records
    assert not [m for m in log if ': running' in m]
    assert len([m for m in log if 'finished before, skipped' in m]) == 8


def test_a_failing_run_is_named_and_the_others_recorded(tmp_path):
    path = _write(tmp_path, FAILING)
    work_dir = str(tmp_path / 'work')
    with pytest.raises(FsatUserError, match=r'run b \[seed5\]') as two:
        run_pipeline(load_pipeline(path, work_dir), jobs=2)
    with open(osp.join(work_dir, 'results.json')) as f:
        runs = json.load(f)['runs']
    assert [(r['stage'], r['values']) for r in runs] == [
        ('a', {}), ('b', {'seed': 4})]
    # one at a time skips what finished and fails the same way
    with pytest.raises(FsatUserError) as one:
        run_pipeline(load_pipeline(path, work_dir))
    assert str(one.value) == str(two.value)


def test_jobs_are_not_for_a_distributed_launcher(tmp_path):
    pipeline = load_pipeline(_write(tmp_path, FAILING))
    with pytest.raises(FsatUserError, match='cannot be combined with the '
                       "distributed launcher 'pytorch'"):
        run_pipeline(pipeline, launcher='pytorch', jobs=2)
    with pytest.raises(FsatUserError, match='jobs must be a positive int'):
        run_pipeline(pipeline, jobs=0)


def test_a_run_that_starts_alone_gets_all_the_cores(tmp_path, monkeypatch):
    """a runs alone (both b runs wait for its checkpoint): all the cores;
    then the two b runs share them, as does a run started beside another
    one."""
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.setattr(os, 'cpu_count', lambda: 4)
    pipeline = load_pipeline(_write(tmp_path, FAILING), str(tmp_path / 'w'))
    runs = pipeline.plan()
    scheduler = parallel._Scheduler(pipeline, runs, 2, 'none')
    a, b4, b5 = runs
    assert [r.label for r in runs] == [
        'a [single]', 'b [seed4]', 'b [seed5]']
    assert scheduler._threads(a) == 4
    a.record = {}  # finished: both b runs are ready
    assert scheduler._threads(b4) == 2
    b4.record = {}  # the last run left, but another one still running
    scheduler.running[object()] = (b4, 0.0)
    assert scheduler._threads(b5) == 2
    scheduler.running.clear()
    assert scheduler._threads(b5) == 4
    # OMP_NUM_THREADS set by the user: left to it
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    assert scheduler._threads(b5) is None


def test_a_run_left_alone_by_runs_found_finished_gets_all_the_cores(
        tmp_path, monkeypatch):
    """The runs found finished are skipped before any run starts: a
    rerun that trains one run gets it all the cores, even when runs taken
    over come after it in the plan."""
    if 'OMP_NUM_THREADS' in os.environ or (os.cpu_count() or 1) < 2:
        pytest.skip('needs 2 cores and no OMP_NUM_THREADS')
    config = toy_stage_config(tmp_path / 'f.py')
    work_dir = str(tmp_path / 'work')
    for lr, alone in ((0.01, False), (0.02, True)):
        path = tmp_path / f'pipe{lr}.py'
        path.write_text(INDEPENDENT.format(config=config, lr=lr))
        records, _, log = _run(str(path), work_dir, 2, monkeypatch)
        threads = {r['stage']: r['environment']['torch_threads']
                   for r in records}
        started = [m for m in log if ': running' in m]
        if not alone:  # both at once, half the cores each
            assert threads == {'a': os.cpu_count() // 2,
                               'c': os.cpu_count() // 2}
            assert len(started) == 2
        else:
            assert [m.split(' (')[0] for m in started] == [
                f'[1/2] a [single]: running alone with {os.cpu_count()} '
                'threads']
            assert threads['a'] == os.cpu_count()
            assert any('[2/2] c [single]' in m and 'skipped' in m
                       for m in log)


_POOL_SCRIPT = '''
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from fsat.apis.pipeline import parallel


def start_child():
    """In the worker: a child process that ignores its parent's death
    (as a data loader worker stuck on a full queue), its pid."""
    child = multiprocessing.get_context('spawn').Process(
        target=time.sleep, args=(120, ))
    child.start()
    return child.pid


def run():
    time.sleep(120)


if __name__ == '__main__':
    with ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context('spawn'),
            initializer=parallel._init_pool_worker,
            initargs=(1, os.getpid())) as pool:
        print(pool.submit(os.getpid).result(), flush=True)
        print(pool.submit(start_child).result(), flush=True)
        pool.submit(run)
        time.sleep(120)
'''


def _alive(pid):
    """Whether a process runs (a zombie whose parent has not reaped it
    yet has ended)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.sys.platform.startswith('linux'),
                    reason='PR_SET_PDEATHSIG is Linux only')
def test_a_killed_pipeline_leaves_no_worker_training(tmp_path):
    """The pipeline's worker processes end with it: SIGTERM to the
    pipeline process alone (not its process group) ends a worker that is
    busy with a run, and the process the worker started."""
    import signal
    import subprocess
    import sys
    import time
    script = tmp_path / 'pool.py'
    script.write_text(_POOL_SCRIPT)
    main = subprocess.Popen([sys.executable, str(script)],
                            stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        worker = int(main.stdout.readline())
        child = int(main.stdout.readline())
        time.sleep(0.5)  # the worker is in time.sleep(120) now
        assert _alive(worker) and _alive(child)
        main.send_signal(signal.SIGTERM)
        main.wait(timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline:
            if not _alive(worker) and not _alive(child):
                break
            time.sleep(0.2)
        else:
            for pid in (worker, child):
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail('the worker or its child outlived the pipeline '
                        'process')
    finally:
        if main.poll() is None:
            main.kill()
