# Copyright (c) fsat contributors. All rights reserved.
"""Resumption: a training process killed (SIGKILL) after a checkpoint and
resumed with ``tools/train.py --resume`` ends with the very weights of an
uninterrupted run (iteration- and epoch-based prefetching loops, dropout,
random augmentation in DataLoader workers and in the main process, two
processes); a killed pipeline resumes its interrupted run and writes the
same results; ``--resume`` finds the newest complete checkpoint whatever the
moment of the kill; the pieces (random states, sampler skipping, atomic
writes, deferred removal) on their own."""
import json
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.runner import Runner

from fsat.apis.pipeline import _stop_train_workers
from fsat.engine.launch import find_free_port
from fsat.engine.resume import (
    RESUME_KEY,
    AtomicLocalBackend,
    SkippingSampler,
    capture_rng_state,
    checkpoint_is_complete,
    find_resume_checkpoint,
    restore_rng_state,
)
from fsat.testing import REPO_ROOT, toy_train_config

# A transform drawing from python's, numpy's and (optionally) torch's
# generators, slow enough that a kill lands in the middle of training.
TOYS = '''
import random
import time

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS


@TRANSFORMS.register_module(force=True)
class ResumeTestNoise(BaseTransform):

    def __init__(self, delay=0.0, use_torch=True):
        self.delay = delay
        self.use_torch = use_torch

    def transform(self, results):
        time.sleep(self.delay)
        imgs = results['imgs']
        noise = np.random.standard_normal(imgs.shape).astype(np.float32)
        scale = random.random()
        if self.use_torch:
            scale += float(torch.rand(1))
        results['imgs'] = imgs + scale * noise
        return results
'''


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: torch's thread pool only costs (several-fold on a
    shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def toys(tmp_path_factory):
    """The folder holding the ``resume_test_toys`` module (for the
    subprocesses' PYTHONPATH); imported here too."""
    folder = tmp_path_factory.mktemp('toys')
    (folder / 'resume_test_toys.py').write_text(TOYS)
    sys.path.insert(0, str(folder))
    import resume_test_toys  # noqa: F401
    yield str(folder)
    sys.path.remove(str(folder))


def _config(work_dir, by_epoch=False, workers=0, delay=0.0, steps=12,
            interval=4, keep=1, persistent=False):
    """A toy run with dropout, shuffling and random augmentation."""
    cfg = toy_train_config(work_dir, batch_size=4, max_iters=steps,
                           num_samples=16, checkpoint_interval=interval)
    cfg['custom_imports'] = dict(
        imports=['fsat.testing', 'resume_test_toys'])
    cfg['model']['cls_head']['dropout_ratio'] = 0.5
    # only the training set augments (its dict is shared with the others)
    loader = cfg['train_dataloader']
    loader['dataset'] = dict(loader['dataset'])
    loader['num_workers'] = workers
    loader['persistent_workers'] = persistent and workers > 0
    loader['dataset']['pipeline'] = [
        dict(type='ResumeTestNoise', delay=delay,
             # in the main process the prefetch thread would race the
             # model's dropout for torch's generator
             use_torch=workers > 0),
        dict(type='PackActionInputs')
    ]
    checkpoint = dict(type='CheckpointHook', interval=interval,
                      by_epoch=False, max_keep_ckpts=keep)
    if by_epoch:
        loader['sampler'] = dict(type='DefaultSampler', shuffle=True)
        cfg['train_cfg'] = dict(type='PrefetchEpochBasedTrainLoop',
                                max_epochs=steps // 4, val_interval=1)
    else:
        loader['sampler'] = dict(type='InfiniteSampler', shuffle=True)
        cfg['train_cfg'] = dict(type='PrefetchIterBasedTrainLoop',
                                max_iters=steps, val_interval=interval + 1)
    cfg['default_hooks']['checkpoint'] = checkpoint
    cfg['default_hooks']['logger']['interval'] = 100
    cfg['experiment_name'] = osp.basename(work_dir)
    return cfg


def _dump(cfg, path):
    Config(cfg).dump(str(path))
    return str(path)


def _weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


def _assert_same(ref, ours):
    assert ref.keys() == ours.keys()
    for key in ref:
        torch.testing.assert_close(ours[key], ref[key], rtol=0, atol=0)


def _numbered(work_dir):
    return sorted(f for f in os.listdir(work_dir)
                  if f.endswith('.pth') and f[0] in 'ei')


def _start_and_kill(cmd, env, work_dir, timeout=120):
    """Start ``cmd``, SIGKILL it once a complete checkpoint exists."""
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, 'training ended before the kill'
        if osp.isdir(work_dir) and any(
                checkpoint_is_complete(osp.join(work_dir, f))
                for f in _numbered(work_dir)):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # torchrun's workers too
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _env(toys):
    env = dict(os.environ)
    env.pop('FSAT_DEBUG', None)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO_ROOT, toys] + [p for p in [os.environ.get('PYTHONPATH')] if p])
    env['OMP_NUM_THREADS'] = '1'
    return env


def _kill_and_resume(tmp_path, toys, cfg_kw, nproc=1, final='iter_12.pth',
                     damage=False):
    """Kill a training process once it saved a checkpoint, resume it with
    ``--resume``; its final weights must equal an uninterrupted run's (in
    this process for one process, else the same command)."""
    dir_ = str(tmp_path / 'killed')
    cfg = _dump(_config(dir_, **cfg_kw), tmp_path / 'killed.py')
    env = _env(toys)
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), cfg]
    if nproc > 1:  # what tools/dist_train.sh runs, without its preflight
        cmd[1:1] = ['-m', 'torch.distributed.run',
                    f'--nproc_per_node={nproc}', '--master_port',
                    str(find_free_port())]
        cmd.append('--launcher=pytorch')
        ref_dir = str(tmp_path / 'ref')
        ref_cfg = _dump(_config(ref_dir, **cfg_kw), tmp_path / 'ref.py')
        ref_cmd = [ref_cfg if c == cfg else c for c in cmd]
        done = subprocess.run(ref_cmd, env=env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        ref = _weights(osp.join(ref_dir, final))
    else:
        ref = _train(_config(str(tmp_path / 'ref'), **cfg_kw))
    _start_and_kill(cmd, env, dir_)
    assert final not in _numbered(dir_)  # killed before the end
    if damage:
        _damage(dir_)
    if nproc > 1:
        cmd[cmd.index('--master_port') + 1] = str(find_free_port())
    resumed = subprocess.run(cmd + ['--resume'], env=env, cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=300)
    log = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, log[-3000:]
    assert 'with the random states of the interrupted run' in log
    _assert_same(ref, _weights(osp.join(dir_, final)))
    return log


def _damage(work_dir):
    """Recreate the moment of a kill inside MMEngine's checkpoint saving:
    ``last_checkpoint`` names a removed checkpoint, and a newer one is
    half-written."""
    newest = _numbered(work_dir)[-1]
    step = int(newest.split('_')[1][:-4])
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work_dir, f'iter_{step - 4}.pth'))
    data = open(osp.join(work_dir, newest), 'rb').read()
    half = osp.join(work_dir, f'iter_{step + 4}.pth')
    with open(half, 'wb') as f:
        f.write(data[:len(data) // 2])


def test_iter_loop_killed_and_resumed_equals_uninterrupted(tmp_path, toys):
    """Iteration-based, 2 DataLoader workers with random augmentation
    (numpy, python and torch generators), dropout, a validation in the
    middle, max_keep_ckpts=1; the kill window of MMEngine's checkpoint
    saving is recreated before resuming."""
    log = _kill_and_resume(
        tmp_path, toys, dict(workers=2, delay=0.03), damage=True)
    assert 'skipping incomplete checkpoint' in log


def test_epoch_loop_killed_mid_epoch_and_resumed(tmp_path, toys):
    """Epoch-based, checkpoints every 3 iterations (inside epochs of 4
    batches), augmentation in the main process (num_workers=0)."""
    log = _kill_and_resume(
        tmp_path, toys,
        dict(by_epoch=True, workers=0, delay=0.03, interval=3, keep=2))
    assert 'continues at batch' in log


@pytest.mark.slow
def test_two_processes_killed_and_resumed(tmp_path, toys):
    """tools/dist_train.sh with 2 CPU processes (gloo): every rank's random
    states and data position are restored."""
    log = _kill_and_resume(tmp_path, toys, dict(workers=1, delay=0.03),
                           nproc=2)
    assert 'process group initialised with gloo' in log


# ----------------------------------------------------------------------
# in-process runs: each schedule and worker set-up, and the counter-test
# ----------------------------------------------------------------------
def _train(cfg, resume_from=None):
    if resume_from:
        cfg = dict(cfg, resume=True, load_from=resume_from)
    runner = Runner.from_cfg(cfg)
    runner.train()
    # else each worker waits 5 s to be collected
    _stop_train_workers(runner)
    persistent = getattr(runner.train_dataloader, '_iterator', None)
    if persistent is not None:
        persistent._shutdown_workers()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.mark.parametrize('kw, ckpt', [
    (dict(by_epoch=True, interval=1), 'epoch_1.pth'),  # end of an epoch
    (dict(by_epoch=True, interval=2, workers=2), 'iter_2.pth'),
    (dict(by_epoch=True, interval=2, workers=2, persistent=True),
     'iter_6.pth'),
    (dict(interval=4, workers=0), 'iter_4.pth'),
])
def test_resume_from_any_checkpoint_equals_uninterrupted(
        tmp_path, toys, kw, ckpt):
    kw = dict(keep=-1, **kw)
    if kw.get('by_epoch') and kw['interval'] == 1:
        cfg = _config(str(tmp_path / 'a'), **kw)
        cfg['default_hooks']['checkpoint'] = dict(
            type='CheckpointHook', interval=1, by_epoch=True)
        cfg['log_processor'] = dict(by_epoch=True)
    else:
        cfg = _config(str(tmp_path / 'a'), **kw)
    ref = _train(cfg)
    resumed_cfg = dict(cfg, work_dir=str(tmp_path / 'b'),
                       experiment_name='b')
    ours = _train(resumed_cfg, str(tmp_path / 'a' / ckpt))
    _assert_same(ref, ours)


def test_without_the_saved_states_the_resumed_run_differs(tmp_path, toys):
    """The counter-test: the same resume from a checkpoint stripped of
    fsat's state (as MMEngine alone saves it) ends elsewhere."""
    cfg = _config(str(tmp_path / 'a'), workers=2, keep=-1)
    ref = _train(cfg)
    ckpt = torch.load(tmp_path / 'a' / 'iter_4.pth', weights_only=False)
    assert len(ckpt[RESUME_KEY]['ranks']) == 1
    del ckpt[RESUME_KEY]
    torch.save(ckpt, tmp_path / 'stripped.pth')
    ours = _train(dict(cfg, work_dir=str(tmp_path / 'b'),
                       experiment_name='b'), str(tmp_path / 'stripped.pth'))
    differ = [k for k in ref if not torch.equal(ref[k], ours[k])]
    assert differ


# ----------------------------------------------------------------------
# a pipeline killed in its middle run
# ----------------------------------------------------------------------
def _results(path):
    """results.json without what differs between two invocations (wall
    times, work-dir paths, whether a run was resumed)."""
    with open(path) as f:
        results = json.load(f)
    for run in results['runs']:
        for key in ('wall_time', 'checkpoint', 'resumed'):
            run.pop(key, None)
    return results


def test_killed_pipeline_resumes_its_interrupted_run(tmp_path, toys):
    """Three runs (a sweep of two seeds after a first stage); killed during
    the second run, the pipeline skips the first, resumes the second from
    its checkpoint and writes the results of an uninterrupted pipeline."""
    first = _config('unused', steps=4, interval=4)
    first['default_hooks']['logger']['interval'] = 100
    second = _config('unused', workers=1, delay=0.03, steps=12, interval=4)
    pipe = textwrap.dedent(f'''
        sweeps = dict(seed=[0, 1])
        stages = [
            dict(name='first', config='{_dump(first, tmp_path / "a.py")}'),
            dict(name='second', config='{_dump(second, tmp_path / "b.py")}',
                 sweep=['seed'],
                 cfg_options={{'load_from': '{{first.checkpoint}}',
                              'randomness.seed': '{{seed}}'}})]
        ''')
    (tmp_path / 'pipe.py').write_text(pipe)
    tool = osp.join(REPO_ROOT, 'tools', 'run_pipeline.py')
    env = _env(toys)
    from fsat.apis.pipeline import load_pipeline, run_pipeline
    run_pipeline(load_pipeline(str(tmp_path / 'pipe.py'),
                               str(tmp_path / 'ref')))  # uninterrupted
    cmd = [sys.executable, tool, str(tmp_path / 'pipe.py'), '--work-dir',
           str(tmp_path / 'work')]
    run_dirs = sorted(
        osp.dirname(p) for p in
        _glob(str(tmp_path / 'ref' / 'second'), 'done.json'))
    assert len(run_dirs) == 2
    middle = osp.join(str(tmp_path / 'work' / 'second'),
                      osp.basename(run_dirs[0]))
    _start_and_kill(cmd, env, middle, timeout=300)
    again = subprocess.run(cmd, env=env, capture_output=True, text=True,
                           timeout=600)
    log = again.stdout + again.stderr
    assert again.returncode == 0, log[-3000:]
    assert '[1/3] first [single]: finished before, skipped' in log
    assert 'resume: the data continue at batch' in log
    records = json.load(open(tmp_path / 'work' / 'results.json'))['runs']
    assert [r['resumed'] for r in records] == [False, True, False]
    assert (_results(tmp_path / 'work' / 'results.json') == _results(
        tmp_path / 'ref' / 'results.json'))


def _glob(root, name):
    return [
        osp.join(d, name) for d, _, files in os.walk(root) if name in files
    ]


# ----------------------------------------------------------------------
# the pieces
# ----------------------------------------------------------------------
def _save(path, value):
    torch.save(dict(meta=dict(iter=value), state_dict={}), path)


def test_find_resume_checkpoint_in_every_kill_window(tmp_path):
    """``last_checkpoint`` naming a removed file, a half-written newest
    checkpoint, an empty one, a stray temporary file: the newest complete
    checkpoint wins; none at all gives None."""
    assert find_resume_checkpoint(str(tmp_path)) is None
    _save(tmp_path / 'iter_30.pth', 30)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_20.pth'))
    assert find_resume_checkpoint(str(tmp_path)) == str(
        tmp_path / 'iter_30.pth')
    data = (tmp_path / 'iter_30.pth').read_bytes()
    for cut in (1, 100, len(data) // 2, len(data) - 1):
        (tmp_path / 'iter_40.pth').write_bytes(data[:cut])
        assert not checkpoint_is_complete(str(tmp_path / 'iter_40.pth'))
        assert find_resume_checkpoint(str(tmp_path)) == str(
            tmp_path / 'iter_30.pth')
    (tmp_path / 'iter_50.pth').write_bytes(b'')
    (tmp_path / '.iter_60.pth.abc.tmp').write_bytes(data)
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_resume_checkpoint(str(tmp_path)) == str(
        tmp_path / 'iter_30.pth')
    # numbers, not names, order the candidates (iter_100 > iter_30)
    _save(tmp_path / 'iter_100.pth', 100)
    assert find_resume_checkpoint(str(tmp_path)).endswith('iter_100.pth')


def test_a_relative_work_dir_finds_the_named_checkpoint_quietly(
        tmp_path, monkeypatch):
    """MMEngine writes last_checkpoint as an absolute path; a run started
    with a relative work dir (``work_dirs/x``, the default) must resume from
    that file without reporting it as missing."""
    work_dir = tmp_path / 'work_dirs' / 'x'
    work_dir.mkdir(parents=True)
    _save(work_dir / 'iter_10.pth', 10)
    _save(work_dir / 'iter_20.pth', 20)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'iter_20.pth'))
    monkeypatch.chdir(tmp_path)
    logged = []
    monkeypatch.setattr('fsat.engine.resume.print_log',
                        lambda msg, **kwargs: logged.append(msg))
    found = find_resume_checkpoint(osp.join('work_dirs', 'x'))
    assert osp.samefile(found, work_dir / 'iter_20.pth')
    assert logged == []
    # a named file that is gone is still reported, by its own name
    (work_dir / 'iter_20.pth').unlink()
    found = find_resume_checkpoint(osp.join('work_dirs', 'x'))
    assert osp.samefile(found, work_dir / 'iter_10.pth')
    assert len(logged) == 1 and 'iter_20.pth, which is missing' in logged[0]


def test_checkpoints_are_written_atomically_and_removed_after(tmp_path,
                                                             monkeypatch):
    """A kill while the second checkpoint is written (here: the rename
    fails) leaves the first one, complete, and no partial file under a
    checkpoint's name; the old one is removed only once the new one is
    written and named in last_checkpoint."""
    cfg = toy_train_config(str(tmp_path), max_iters=8, num_samples=8,
                           checkpoint_interval=4)
    cfg['default_hooks']['checkpoint']['max_keep_ckpts'] = 1
    cfg['train_cfg'] = dict(type='PrefetchIterBasedTrainLoop', max_iters=8)
    cfg['val_cfg'] = cfg['val_dataloader'] = cfg['val_evaluator'] = None
    events = []
    real_replace, real_remove = os.replace, os.remove

    def replace(src, dst):
        events.append(('write', osp.basename(dst)))
        if osp.basename(dst) == 'iter_8.pth':
            raise KeyboardInterrupt('killed')
        real_replace(src, dst)

    def remove(path):
        events.append(('remove', osp.basename(path)))
        real_remove(path)

    monkeypatch.setattr(os, 'replace', replace)
    monkeypatch.setattr(os, 'remove', remove)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    assert events[0] == ('write', 'iter_4.pth')
    assert ('remove', 'iter_4.pth') not in events
    assert _numbered(str(tmp_path)) == ['iter_4.pth']
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]
    assert find_resume_checkpoint(str(tmp_path)) == str(
        tmp_path / 'iter_4.pth')
    monkeypatch.undo()

    # a kill inside a write leaves its temporary file: the next run's
    # hook removes it
    stray = tmp_path / 'b' / '.iter_4.pth.x1y2.tmp'
    os.makedirs(stray.parent)
    stray.write_bytes(b'half')

    # without the failure: written, named, then the old one removed
    events.clear()
    monkeypatch.setattr(os, 'replace', replace)
    monkeypatch.setattr(os, 'remove', remove)
    cfg['work_dir'] = str(tmp_path / 'b')
    cfg['experiment_name'] = 'b'
    cfg['train_cfg']['max_iters'] = 12
    cfg['default_hooks']['checkpoint']['interval'] = 6
    Runner.from_cfg(cfg).train()
    assert [e for e in events if e[1].startswith('iter')] == [
        ('write', 'iter_6.pth'), ('write', 'iter_12.pth'),
        ('remove', 'iter_6.pth')
    ]
    with open(tmp_path / 'b' / 'last_checkpoint') as f:
        assert f.read().endswith('iter_12.pth')
    assert not stray.exists()


def test_atomic_backend_replaces_whole_files(tmp_path):
    backend = AtomicLocalBackend()
    path = tmp_path / 'sub' / 'x.bin'
    backend.put(b'old', path)
    backend.put(b'new content', path)
    assert path.read_bytes() == b'new content'
    backend.put_text('text', path)
    assert path.read_text() == 'text'
    assert os.listdir(tmp_path / 'sub') == ['x.bin']


def test_rng_state_round_trip():
    state = capture_rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    restore_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


@pytest.mark.parametrize('sampler', [
    lambda: InfiniteSampler(list(range(10)), shuffle=True, seed=3),
    lambda: DefaultSampler(list(range(10)), shuffle=True, seed=3),
])
def test_skipping_sampler_starts_mid_stream(sampler):
    full = sampler()
    it = iter(full)
    stream = [next(it) for _ in range(25 if hasattr(full, 'indices') else 10)]
    wrapped = SkippingSampler(sampler())
    list(zip(range(3), iter(wrapped)))  # an iterator already consumed some
    wrapped.start_at(7)
    assert [i for _, i in zip(range(len(stream) - 7), iter(wrapped))
            ] == stream[7:]
    assert len(wrapped) == 10


def test_per_rank_states_are_given_to_each_rank(monkeypatch):
    """A two-rank checkpoint holds one state per rank; rank r's loop gets
    entry r; another number of processes gets none."""
    from fsat.engine.resume import CheckpointHook

    class Loop:
        state = 'unset'

        def set_resume_state(self, state):
            self.state = state

    loop = Loop()
    monkeypatch.setattr(
        CheckpointHook, '_loop', staticmethod(lambda runner: loop))
    hook = CheckpointHook(interval=1)
    ckpt = {RESUME_KEY: dict(version=1, world_size=2,
                             ranks=[dict(rng='r0'), dict(rng='r1')])}
    import fsat.engine.resume as resume_module
    for rank in (0, 1):
        monkeypatch.setattr(resume_module, 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        hook.after_load_checkpoint(None, ckpt)
        assert loop.state == dict(rng=f'r{rank}')
    monkeypatch.setattr(resume_module, 'get_dist_info', lambda: (0, 1))
    hook.after_load_checkpoint(None, ckpt)
    assert loop.state is None


def _merge_resume(work_dir, resume, load_from=None):
    """``tools/train.py``'s handling of ``--resume`` on a config."""
    import argparse
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'fsat_train_tool', osp.join(REPO_ROOT, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cfg = Config(dict(load_from=load_from))
    args = argparse.Namespace(
        config='x.py', work_dir=str(work_dir), resume=resume, amp=False,
        no_validate=False, auto_scale_lr=False, seed=None)
    tool.merge_args(cfg, args)
    return cfg


def test_train_tool_resume_auto_takes_the_newest_complete(tmp_path):
    _save(tmp_path / 'iter_10.pth', 10)
    (tmp_path / 'iter_20.pth').write_bytes(b'PK\x03\x04 cut')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_5.pth'))
    cfg = _merge_resume(tmp_path, 'auto', load_from='pretrained.pth')
    assert cfg.resume and cfg.load_from == str(tmp_path / 'iter_10.pth')
    # nothing to resume from: a fresh start that keeps the config's
    # load_from (MMEngine would drop it and read last_checkpoint)
    cfg = _merge_resume(tmp_path / 'empty', 'auto', load_from='pre.pth')
    assert not cfg.resume and cfg.load_from == 'pre.pth'
