# Copyright (c) fsat contributors. All rights reserved.
"""Choosing a run's length on validation (ValidationCurveHook): the curve,
the best weights (ties: the earliest), and a run killed (SIGKILL) and
resumed that ends with the uninterrupted run's curve and best weights,
including a kill during a validation and one between the curve and the
best weights."""
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from fsat.apis.pipeline import _stop_train_workers
from fsat.engine.resume import checkpoint_is_complete
from fsat.engine.selection import (
    CURVE_FILE,
    best_checkpoints,
    best_point,
    read_curve,
)
from fsat.testing import REPO_ROOT, toy_train_config

SLOW = '''
import time

from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS


@TRANSFORMS.register_module(force=True)
class SelectionTestDelay(BaseTransform):

    def __init__(self, delay=0.0):
        self.delay = delay

    def transform(self, results):
        time.sleep(self.delay)
        return results
'''


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def slow(tmp_path_factory):
    folder = tmp_path_factory.mktemp('slow')
    (folder / 'selection_test_toys.py').write_text(SLOW)
    sys.path.insert(0, str(folder))
    import selection_test_toys  # noqa: F401
    yield str(folder)
    sys.path.remove(str(folder))


def _config(work_dir, delay=0.0, steps=12, interval=2):
    """A toy run validating every ``interval`` iterations, with a
    regular checkpoint at each, keeping all of them, and a learning rate
    high enough that the validation score moves up and down."""
    cfg = toy_train_config(work_dir, batch_size=4, max_iters=steps,
                           num_samples=16, checkpoint_interval=interval,
                           lr=0.5)
    cfg['custom_imports'] = dict(
        imports=['fsat.testing', 'selection_test_toys'])
    loader = cfg['train_dataloader']
    loader['dataset'] = dict(
        loader['dataset'],
        pipeline=[dict(type='SelectionTestDelay', delay=delay),
                  dict(type='PackActionInputs')])
    loader['sampler'] = dict(type='InfiniteSampler', shuffle=True)
    cfg['val_dataloader']['dataset'] = dict(cfg['val_dataloader']['dataset'],
                                            seed=1)
    cfg['train_cfg'] = dict(type='PrefetchIterBasedTrainLoop',
                            max_iters=steps, val_interval=interval)
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=interval, by_epoch=False,
        max_keep_ckpts=-1)
    cfg['default_hooks']['logger']['interval'] = 100
    cfg['custom_hooks'] = [
        dict(type='ValidationCurveHook', metric='acc/top1')
    ]
    cfg['experiment_name'] = osp.basename(work_dir)
    return cfg


def _train(cfg, resume_from=None):
    if resume_from:
        cfg = dict(cfg, resume=True, load_from=resume_from)
    runner = Runner.from_cfg(cfg)
    runner.train()
    _stop_train_workers(runner)


def _weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


def _same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    return wa.keys() == wb.keys() and all(
        torch.equal(wa[k], wb[k]) for k in wa)


def test_best_point_ties_go_to_the_earliest():
    curve = [dict(iter=i, metrics={'acc': v})
             for i, v in ((2, .5), (4, .75), (6, .75), (8, .25))]
    assert best_point(curve, 'acc')['iter'] == 4
    assert best_point(curve, 'acc', rule='less')['iter'] == 8
    assert best_point(curve, 'other') is None
    assert best_point([], 'acc') is None


@pytest.fixture(scope='module')
def reference(tmp_path_factory, slow):
    work = str(tmp_path_factory.mktemp('ref') / 'run')
    _train(_config(work))
    return work


def test_curve_and_best_weights_of_one_run(reference):
    curve = read_curve(reference)
    assert [p['iter'] for p in curve] == [2, 4, 6, 8, 10, 12]
    best = best_point(curve, 'acc/top1')
    scores = [p['metrics']['acc/top1'] for p in curve]
    assert best['metrics']['acc/top1'] == max(scores)
    assert best['iter'] == curve[scores.index(max(scores))]['iter']
    # only the best is kept, and it holds the weights of that iteration
    found = best_checkpoints(reference)
    assert list(found) == [best['iter']]
    assert _same_weights(found[best['iter']],
                         osp.join(reference, f"iter_{best['iter']}.pth"))


def _copy_until(reference, work, step):
    """The work dir of the reference run as a kill right after the
    regular checkpoint at ``step`` would leave it: the checkpoints up to
    ``step``, the curve up to ``step - interval`` and the best weights of
    that curve."""
    os.makedirs(work)
    for name in os.listdir(reference):
        if name.startswith('iter_') and int(name[5:-4]) <= step:
            shutil.copy(osp.join(reference, name), work)
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(work, f'iter_{step}.pth'))
    curve = [p for p in read_curve(reference) if p['iter'] < step]
    with open(osp.join(work, CURVE_FILE), 'w') as f:
        json.dump(dict(metric='acc/top1', rule='greater', points=curve), f)
    best = best_point(curve, 'acc/top1')['iter']
    shutil.copy(osp.join(reference, f'iter_{best}.pth'),
                osp.join(work, f'best_iter_{best}.pth'))
    return curve


def _assert_like_reference(reference, work):
    assert read_curve(work) == read_curve(reference)
    ref, ours = best_checkpoints(reference), best_checkpoints(work)
    assert list(ours) == list(ref)
    it = list(ref)[0]
    assert _same_weights(ours[it], ref[it])


@pytest.mark.parametrize('step', [4, 8])
def test_a_validation_a_kill_interrupted_is_run_again(
        tmp_path, reference, step):
    work = str(tmp_path / 'run')
    _copy_until(reference, work, step)
    _train(_config(work), osp.join(work, f'iter_{step}.pth'))
    _assert_like_reference(reference, work)


def test_a_kill_between_the_curve_and_the_best_weights(tmp_path, reference):
    """The curve already names the resumed iteration as the best, but its
    weights were not written: the resumed run writes them."""
    curve = read_curve(reference)
    best = best_point(curve, 'acc/top1')['iter']
    work = str(tmp_path / 'run')
    _copy_until(reference, work, best)
    with open(osp.join(work, CURVE_FILE), 'w') as f:
        json.dump(dict(metric='acc/top1', rule='greater',
                       points=[p for p in curve if p['iter'] <= best]), f)
    _train(_config(work), osp.join(work, f'iter_{best}.pth'))
    _assert_like_reference(reference, work)


def test_points_after_the_resumed_iteration_are_computed_again(
        tmp_path, reference):
    """A curve (and best file) written after the checkpoint a resume
    starts from belongs to iterations the resumed run repeats."""
    work = str(tmp_path / 'run')
    _copy_until(reference, work, 4)
    shutil.copy(osp.join(reference, CURVE_FILE), work)
    for it, path in best_checkpoints(reference).items():
        shutil.copy(path, work)
    for name in os.listdir(work):
        if name.startswith('iter_') and int(name[5:-4]) > 4:
            os.remove(osp.join(work, name))
    _train(_config(work), osp.join(work, 'iter_4.pth'))
    _assert_like_reference(reference, work)


@pytest.mark.slow
def test_killed_training_process_resumes_to_the_same_choice(tmp_path, slow):
    """SIGKILL ``tools/train.py`` once it saved a checkpoint; ``--resume``
    ends with the uninterrupted run's curve and best weights (the same
    command without a kill: a process of its own rounds a few weights
    differently from this one's runs)."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([REPO_ROOT, slow])
    tool = osp.join(REPO_ROOT, 'tools', 'train.py')
    reference = str(tmp_path / 'reference')
    Config(_config(reference)).dump(str(tmp_path / 'reference.py'))
    done = subprocess.run([sys.executable, tool,
                           str(tmp_path / 'reference.py')],
                          env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    work = str(tmp_path / 'killed')
    path = str(tmp_path / 'killed.py')
    Config(_config(work, delay=0.02)).dump(path)
    cmd = [sys.executable, tool, path]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    target = osp.join(work, 'iter_6.pth')
    while time.time() < deadline:
        assert proc.poll() is None, 'training ended before the kill'
        if osp.isfile(target) and checkpoint_is_complete(target):
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not osp.isfile(osp.join(work, 'iter_12.pth'))
    resumed = subprocess.run(cmd + ['--resume'], env=env, cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, (resumed.stdout + resumed.stderr)[-3000:]
    _assert_like_reference(reference, work)
