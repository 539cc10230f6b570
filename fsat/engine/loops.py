# Copyright (c) fsat contributors. All rights reserved.
"""Training loops whose next batch is received while the current step runs.

A DataLoader worker finishes a batch long before a step ends, but the main
process still has to receive it (unpickle the data samples, map the
shared-memory segment it comes in: about 2 ms per batch of the demo) and,
after the step, free it (unmap the segment: about 0.7 ms). MMEngine's loops
do both between two steps, so they are counted in ``data_time`` and lengthen
every iteration. The loops here hand both to a background thread, which
keeps ``prefetch`` batches ready and drops the used ones. The model's
forward and backward release the GIL in PyTorch's kernels, so the two
overlap.

Batches arrive in exactly the order, and with exactly the content, the
plain loops give (one thread consumes the same iterator). Use them in a
config::

    train_cfg = dict(type='PrefetchIterBasedTrainLoop', max_iters=1000,
                     val_interval=1000, prefetch=2)

Resumption is exact (see :mod:`fsat.engine.resume`): with fsat's
``CheckpointHook`` a checkpoint holds every rank's random states and the
data stream's position and per-worker random states, and a resumed loop
starts its sampler at the next batch (without reading the skipped ones),
its workers where the interrupted run's workers were, and the model's
random numbers where they were. Validation in the middle of training
leaves the random states as it found them, so training does not depend on
when (or whether) it validates.
"""
import collections
import logging
import queue
import threading
from typing import Any, Iterator, Optional

from mmengine.dataset import InfiniteSampler
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from fsat.registry import LOOPS

from .resume import DataStream, preserved_rng, restore_rng_state

__all__ = [
    'BackgroundIterator', 'PrefetchEpochBasedTrainLoop',
    'PrefetchIterBasedTrainLoop'
]

_END = object()


class _Raised:
    """An exception of the background thread, re-raised by the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class BackgroundIterator:
    """Iterate ``source`` in a daemon thread, ``depth`` items ahead.

    The thread starts on the first ``next()``, so nothing is taken from
    ``source`` before it is needed for the first time. Items come out in
    order; an exception raised by ``source`` is raised again by the
    ``next()`` that would have returned the item, and ``StopIteration``
    ends this iterator as it ends ``source``. :meth:`discard` hands a used
    item back, so that the thread, not the consumer, frees it. :meth:`close`
    stops the thread (it finishes the item it is fetching) and drops what it
    holds.

    Args:
        source (Iterator): The iterator to run ahead.
        depth (int): Items kept ready. Defaults to 2.
        name (str): Thread name. Defaults to ``'fsat-prefetch'``.
    """

    def __init__(self,
                 source: Iterator,
                 depth: int = 2,
                 name: str = 'fsat-prefetch') -> None:
        if depth < 1:
            raise ValueError(f'prefetch depth must be >= 1, got {depth}')
        self.source = source
        self.depth = depth
        self.name = name
        self._queue: 'queue.Queue' = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._done = False
        self._trash: collections.deque = collections.deque()

    def _empty_trash(self) -> None:
        while self._trash:
            self._trash.popleft()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            self._empty_trash()
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = next(self.source)
            except StopIteration:
                self._put(_END)
                return
            except BaseException as error:  # handed to the consumer
                self._put(_Raised(error))
                return
            if not self._put(item):
                return

    def __iter__(self) -> 'BackgroundIterator':
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=self.name, daemon=True)
            self._thread.start()
        item = self._queue.get()
        if item is _END:
            self._done = True
            raise StopIteration
        if isinstance(item, _Raised):
            self._done = True
            raise item.error
        return item

    def discard(self, item: Any) -> None:
        """Hand a used item back: the thread drops the reference (freeing
        a batch unmaps its shared memory), unless the caller keeps one."""
        if self._thread is not None and not self._done:
            self._trash.append(item)

    def close(self, timeout: float = 60.0) -> None:
        """Stop the thread and drop the items it holds."""
        self._stop.set()
        self._done = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                print_log(
                    f'{self.name}: the prefetch thread is still fetching '
                    f'after {timeout:.0f} s; leaving it (daemon thread)',
                    logger='current', level=logging.WARNING)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._empty_trash()


def _build_loader(runner, dataloader):
    """The loader a ``BaseLoop`` would build from a config (built here so
    that :class:`~fsat.engine.resume.DataStream` is installed before MMEngine
    creates the first iterator)."""
    if isinstance(dataloader, dict):
        diff_rank_seed = runner._randomness_cfg.get('diff_rank_seed', False)
        return runner.build_dataloader(
            dataloader, seed=runner.seed, diff_rank_seed=diff_rank_seed)
    return dataloader


class _ResumableMixin:
    """What both prefetching loops do for exact resumption."""

    stream: DataStream
    _resume_state: Optional[dict] = None
    _epoch_done = False

    def set_resume_state(self, state: Optional[dict]) -> None:
        """Keep this rank's resume state (``dict(rng=..., data=...)``) of
        the checkpoint being loaded; used if training resumes."""
        self._resume_state = state

    def data_state(self) -> dict:
        """Where the data stream stands, for a checkpoint."""
        state = self.stream.state_dict()
        state.update(epoch=self._epoch)
        if self._epoch_done:  # saved after the epoch: the next one's start
            state.update(epoch=self._epoch + 1, position=0)
        return state

    def _resumes_here(self, data: dict) -> bool:
        """Whether a checkpoint's data position is the resumed one."""
        return data['epoch'] == self._epoch

    def _take_resume_state(self) -> Optional[dict]:
        """This rank's resume state if training resumes and it matches the
        resumed iteration; else None (with a warning when resuming)."""
        state, self._resume_state = self._resume_state, None
        if self._iter == 0 and self._epoch == 0:
            return None
        data = (state or {}).get('data')
        if data is None:
            print_log(
                'resume: the checkpoint holds no random states or data '
                'position (not written by fsat\'s CheckpointHook); the '
                'resumed run will not repeat the interrupted one exactly',
                logger='current', level=logging.WARNING)
            return None
        if not self._resumes_here(data):
            print_log(
                f"resume: the checkpoint's data position (epoch "
                f"{data['epoch']}, batch {data['position']}) is not its "
                f'training position (epoch {self._epoch}, iter '
                f'{self._iter}); not restoring random states',
                logger='current', level=logging.WARNING)
            return None
        return state

    def _restore_rng(self, state: dict) -> None:
        restore_rng_state(state['rng'])
        self.stream.restore_main_process()

    def _validate(self, data_thread_running: bool = False) -> None:
        """Validate, leaving the random states as they were. With
        ``data_thread_running`` (batches made in the main process, whose
        prefetch thread draws from python's and numpy's generators
        meanwhile) only torch's are preserved."""
        kept = (('torch', 'cuda') if data_thread_running else
                ('python', 'numpy', 'torch', 'cuda'))
        with preserved_rng(kept):
            self.runner.val_loop.run()


@LOOPS.register_module()
class PrefetchIterBasedTrainLoop(_ResumableMixin, IterBasedTrainLoop):
    """MMEngine's ``IterBasedTrainLoop`` receiving batches in a background
    thread, resuming exactly (see :mod:`fsat.engine.loops`).

    Exact resumption needs MMEngine's ``InfiniteSampler``; with another
    sampler the resumed loop reads and drops the batches already trained on,
    as MMEngine's does.

    Args:
        prefetch (int): Batches kept ready in the main process. Defaults
            to 2.
        **kwargs: Arguments of ``IterBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_iters: int,
                 prefetch: int = 2, **kwargs) -> None:
        dataloader = _build_loader(runner, dataloader)
        self.stream = DataStream(dataloader)
        super().__init__(runner, dataloader, max_iters, **kwargs)
        self.prefetch = prefetch
        self.dataloader_iterator = BackgroundIterator(
            self.dataloader_iterator, prefetch, name='fsat-train-prefetch')

    def _resumes_here(self, data: dict) -> bool:
        # one batch per iteration since the start
        return data['position'] == self._iter

    def _resume_data(self) -> None:
        """Continue the data (and random numbers) after ``self._iter``
        batches."""
        state = self._take_resume_state()
        exact = (state is not None and self.stream.can_skip
                 and isinstance(self.dataloader.sampler, InfiniteSampler))
        if not exact:
            print_log(
                f'Advance dataloader {self._iter} steps to skip data '
                'that has already been trained',
                logger='current', level=logging.WARNING)
            for _ in range(self._iter):
                self.stream.take(next(self.dataloader_iterator))
            return
        with preserved_rng():  # a new iterator draws a seed
            self.dataloader_iterator.close()
            old = self.dataloader_iterator.source._iterator
            if hasattr(old, '_shutdown_workers'):
                old._shutdown_workers()
            self.stream.load_state_dict(state['data'])
            source = _InfiniteDataloaderIterator.__new__(
                _InfiniteDataloaderIterator)
            source._dataloader = self.dataloader
            source._iterator = self.stream.iterator(fresh=True)
            source._epoch = 0
            self.dataloader_iterator = BackgroundIterator(
                source, self.prefetch, name='fsat-train-prefetch')
        self._restore_rng(state)
        print_log(
            f'resume: the data continue at batch {self._iter}, with the '
            'random states of the interrupted run', logger='current')

    def run(self):
        """Launch training: ``IterBasedTrainLoop.run`` of MMEngine 0.10,
        except that each batch goes back to the prefetch thread to be
        freed, the thread stops at the end, a resumed run continues the
        data and random states exactly, and validation leaves the random
        states as it found them."""
        try:
            self.runner.call_hook('before_train')
            self.runner.call_hook('before_train_epoch')
            if self._iter > 0:
                self._resume_data()
            while self._iter < self._max_iters and not self.stop_training:
                self.runner.model.train()
                data_batch = self.stream.take(next(self.dataloader_iterator))
                self.run_iter(data_batch)
                self.dataloader_iterator.discard(data_batch)
                del data_batch
                self._decide_current_val_interval()
                if (self.runner.val_loop is not None
                        and self._iter >= self.val_begin
                        and (self._iter % self.val_interval == 0
                             or self._iter == self._max_iters)):
                    self._validate(self.stream.num_workers == 0)
            self.runner.call_hook('after_train_epoch')
            self.runner.call_hook('after_train')
        finally:
            self.dataloader_iterator.close()
        return self.runner.model


@LOOPS.register_module()
class PrefetchEpochBasedTrainLoop(_ResumableMixin, EpochBasedTrainLoop):
    """MMEngine's ``EpochBasedTrainLoop`` receiving batches in a background
    thread, one per epoch, resuming exactly, also from a checkpoint saved
    in the middle of an epoch (see :mod:`fsat.engine.loops`).

    Args:
        prefetch (int): Batches kept ready in the main process. Defaults
            to 2.
        **kwargs: Arguments of ``EpochBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_epochs: int,
                 prefetch: int = 2, **kwargs) -> None:
        dataloader = _build_loader(runner, dataloader)
        self.stream = DataStream(dataloader)
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self.prefetch = prefetch

    def run(self):
        """Launch training: ``EpochBasedTrainLoop.run`` of MMEngine 0.10,
        resuming exactly, with validation that leaves the random states as
        it found them."""
        self.runner.call_hook('before_train')
        resume = self._take_resume_state()
        if resume is not None and resume['data']['position'] == 0:
            # saved at the end of an epoch
            self.stream.load_state_dict(resume['data'])
            self._restore_rng(resume)
            print_log(f'resume: epoch {self._epoch + 1} starts with the '
                      'random states of the interrupted run',
                      logger='current')
            resume = None
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch(resume)
            resume = None
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                self._validate()
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self, resume: Optional[dict] = None) -> None:
        """Iterate one epoch (as MMEngine does) over prefetched batches;
        with ``resume``, continue it where the interrupted run stopped."""
        self._epoch_done = False
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        if resume is not None:
            self.stream.load_state_dict(resume['data'])
            start = self.stream.position
            if not self.stream.can_skip:
                raise RuntimeError(
                    'cannot resume in the middle of an epoch: the train '
                    'loader has no batch size or no sampler to skip in')
            print_log(f'resume: epoch {self._epoch + 1} continues at batch '
                      f'{start}, with the random states of the '
                      'interrupted run', logger='current')
        else:
            self.stream.new_pass()
            start = 0
        source = self.stream.iterator(fresh=resume is not None)
        if resume is not None:
            self._restore_rng(resume)  # after the iterator drew its seed
        batches = BackgroundIterator(
            source, self.prefetch, name='fsat-train-prefetch')
        try:
            # not enumerate(): its reused result tuple would keep the last
            # batch alive until the next one
            idx = start
            for data_batch in batches:
                self.run_iter(idx, self.stream.take(data_batch))
                batches.discard(data_batch)
                del data_batch
                idx += 1
        finally:
            batches.close()
        self._epoch_done = True
        self.runner.call_hook('after_train_epoch')
        self._epoch_done = False
        self._epoch += 1
