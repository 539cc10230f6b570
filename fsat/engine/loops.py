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
"""
import collections
import queue
import threading
from typing import Any, Iterator, Optional

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from fsat.registry import LOOPS

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
                    logger='current', level='WARNING')
        while not self._queue.empty():
            self._queue.get_nowait()
        self._empty_trash()


@LOOPS.register_module()
class PrefetchIterBasedTrainLoop(IterBasedTrainLoop):
    """MMEngine's ``IterBasedTrainLoop`` receiving batches in a background
    thread (see :mod:`fsat.engine.loops`).

    Args:
        prefetch (int): Batches kept ready in the main process. Defaults
            to 2.
        **kwargs: Arguments of ``IterBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_iters: int,
                 prefetch: int = 2, **kwargs) -> None:
        super().__init__(runner, dataloader, max_iters, **kwargs)
        self.prefetch = prefetch
        self.dataloader_iterator = BackgroundIterator(
            self.dataloader_iterator, prefetch, name='fsat-train-prefetch')

    def run(self):
        """Launch training: ``IterBasedTrainLoop.run`` of MMEngine 0.10,
        except that each batch goes back to the prefetch thread to be
        freed, and the thread stops at the end."""
        try:
            self.runner.call_hook('before_train')
            self.runner.call_hook('before_train_epoch')
            if self._iter > 0:
                print_log(
                    f'Advance dataloader {self._iter} steps to skip data '
                    'that has already been trained',
                    logger='current', level='WARNING')
                for _ in range(self._iter):
                    next(self.dataloader_iterator)
            while self._iter < self._max_iters and not self.stop_training:
                self.runner.model.train()
                data_batch = next(self.dataloader_iterator)
                self.run_iter(data_batch)
                self.dataloader_iterator.discard(data_batch)
                del data_batch
                self._decide_current_val_interval()
                if (self.runner.val_loop is not None
                        and self._iter >= self.val_begin
                        and (self._iter % self.val_interval == 0
                             or self._iter == self._max_iters)):
                    self.runner.val_loop.run()
            self.runner.call_hook('after_train_epoch')
            self.runner.call_hook('after_train')
        finally:
            self.dataloader_iterator.close()
        return self.runner.model


@LOOPS.register_module()
class PrefetchEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's ``EpochBasedTrainLoop`` receiving batches in a background
    thread, one per epoch (see :mod:`fsat.engine.loops`).

    Args:
        prefetch (int): Batches kept ready in the main process. Defaults
            to 2.
        **kwargs: Arguments of ``EpochBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_epochs: int,
                 prefetch: int = 2, **kwargs) -> None:
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self.prefetch = prefetch

    def run_epoch(self) -> None:
        """Iterate one epoch (as MMEngine does) over prefetched batches."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batches = BackgroundIterator(
            iter(self.dataloader), self.prefetch,
            name='fsat-train-prefetch')
        try:
            # not enumerate(): its reused result tuple would keep the last
            # batch alive until the next one
            idx = 0
            for data_batch in batches:
                self.run_iter(idx, data_batch)
                batches.discard(data_batch)
                del data_batch
                idx += 1
        finally:
            batches.close()
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
