# Copyright (c) fsat contributors. All rights reserved.
"""Prefetching training loops: the same batches in the same order, the
same trained weights as MMEngine's loops; the background iterator's
ordering, errors, laziness, discarding and shutdown."""
import gc
import os.path as osp
import threading
import time
import weakref

import pytest
import torch
from mmengine.runner import Runner

from fsat.engine import BackgroundIterator
from fsat.testing.toys import toy_train_config


class Item:
    """A weak-referenceable payload."""

    def __init__(self, value):
        self.value = value


def test_background_iterator_keeps_order_and_ends():
    it = BackgroundIterator(iter(range(50)), depth=3)
    assert list(it) == list(range(50))
    with pytest.raises(StopIteration):
        next(it)
    it.close()


def test_background_iterator_starts_lazily_and_stays_bounded():
    taken = []

    def source():
        for i in range(100):
            taken.append(i)
            yield i

    it = BackgroundIterator(source(), depth=2)
    time.sleep(0.05)
    assert taken == []  # nothing fetched before the first next()
    assert next(it) == 0
    time.sleep(0.2)
    # the item handed out, 2 ready in the queue, 1 waiting to be put
    assert len(taken) <= 4
    it.close()
    assert not it._thread.is_alive()
    with pytest.raises(StopIteration):
        next(it)


def test_background_iterator_reraises_the_sources_error():

    def source():
        yield 1
        raise KeyError('bad sample 7')

    it = BackgroundIterator(source())
    assert next(it) == 1
    with pytest.raises(KeyError, match='bad sample 7'):
        next(it)
    with pytest.raises(StopIteration):
        next(it)
    it.close()
    with pytest.raises(ValueError, match='depth'):
        BackgroundIterator(iter([]), depth=0)


def test_discarded_items_are_freed_by_the_thread():
    freed_in = []
    items = (Item(i) for i in range(20))
    it = BackgroundIterator(items, depth=2)
    item = next(it)
    ref = weakref.ref(item)
    weakref.finalize(item, lambda: freed_in.append(
        threading.current_thread().name))
    it.discard(item)
    del item
    for _ in range(50):  # the thread drops it within its 0.1 s wait
        if ref() is None:
            break
        time.sleep(0.02)
    gc.collect()
    assert ref() is None
    assert freed_in == ['fsat-prefetch']
    it.close()


def _train(tmp_path, loop: dict, **kw):
    cfg = toy_train_config(str(tmp_path), **kw)
    cfg['train_cfg'] = loop
    if 'max_epochs' in loop:  # an epoch ends
        cfg['train_dataloader']['sampler'] = dict(
            type='DefaultSampler', shuffle=False)
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=10**6)
    # two runners within one second would share MMEngine's timestamp name
    cfg['experiment_name'] = f"{loop['type']}-{osp.basename(tmp_path)}"
    runner = Runner.from_cfg(cfg)
    seen = []

    def record(module, args, kwargs):
        if not module.training:  # the validation at the end
            return
        inputs = kwargs['inputs'] if 'inputs' in kwargs else args[0]
        seen.append(inputs.flatten(1)[:, :3].tolist())

    runner.model.register_forward_pre_hook(record, with_kwargs=True)
    runner.train()
    return runner.model.state_dict(), seen


@pytest.mark.parametrize('by_epoch', [False, True])
def test_prefetch_loops_train_exactly_like_mmengines(tmp_path, by_epoch):
    if by_epoch:
        plain = dict(type='EpochBasedTrainLoop', max_epochs=2,
                     val_interval=10)
        fast = dict(plain, type='PrefetchEpochBasedTrainLoop', prefetch=3)
    else:
        plain = dict(type='IterBasedTrainLoop', max_iters=7,
                     val_interval=10)
        fast = dict(plain, type='PrefetchIterBasedTrainLoop')
    ref, ref_seen = _train(tmp_path / 'plain', plain, num_samples=12)
    ours, seen = _train(tmp_path / 'fast', fast, num_samples=12)
    assert len(seen) == (6 if by_epoch else 7)
    assert seen == ref_seen  # same batches, same order
    for key in ref:
        torch.testing.assert_close(ours[key], ref[key], rtol=0, atol=0)
    # no prefetch thread outlives training
    assert not [t for t in threading.enumerate()
                if t.name == 'fsat-train-prefetch']


def test_pipeline_stops_the_workers_behind_the_prefetch_thread(tmp_path):
    """A pipeline stops a finished run's endless loader at once (else each
    worker's shutdown waits for a timeout); it finds the loader behind the
    prefetching loop."""
    from fsat.apis.pipeline import _stop_train_workers
    cfg = toy_train_config(str(tmp_path), max_iters=3)
    cfg['train_cfg'] = dict(type='PrefetchIterBasedTrainLoop', max_iters=3,
                            val_interval=10)
    cfg['train_dataloader']['num_workers'] = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    loader_iter = runner.train_loop.dataloader_iterator.source._iterator
    assert loader_iter._workers[0].is_alive()
    _stop_train_workers(runner)
    assert loader_iter._shutdown
    assert not any(w.is_alive() for w in loader_iter._workers)
