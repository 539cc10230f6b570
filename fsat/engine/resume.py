# Copyright (c) fsat contributors. All rights reserved.
"""Exact, crash-safe resumption of training.

MMEngine 0.10 resumes the weights, optimizer, schedulers and message hub,
but

* not the random states: a resumed run with dropout, random augmentation
  or a shuffling sampler draws other numbers than the uninterrupted one;
* not the data stream's position: its ``IterBasedTrainLoop`` re-reads and
  drops every batch already trained on (slow, and with DataLoader workers
  the augmentations then use other random numbers), and its
  ``EpochBasedTrainLoop`` restarts a half-done epoch;
* not safely: ``CheckpointHook`` removes the previous checkpoint
  (``max_keep_ckpts``), then writes the new one in place, then updates
  ``last_checkpoint``; a kill in between leaves ``last_checkpoint`` naming a
  removed file, or a half-written ``.pth``, and ``--resume`` fails.

This module holds what fsat adds (used by its :class:`CheckpointHook` and
the prefetching loops of :mod:`fsat.engine.loops`):

* :func:`find_resume_checkpoint` scans ``epoch_*.pth`` / ``iter_*.pth`` of a
  work dir, newest first, and returns the first one that is complete;
* :class:`AtomicLocalBackend` writes a file under a temporary name and
  renames it (``os.replace``), so a checkpoint's name never holds a partial
  file;
* :class:`CheckpointHook` (MMEngine's, registered in fsat's scope under the
  same name) saves through it, removes an old checkpoint only after the
  new one is complete, and stores every rank's random states and the data
  stream's position in each checkpoint;
* :func:`capture_rng_state` / :func:`restore_rng_state` (python, numpy,
  torch CPU and CUDA generators) and :func:`preserved_rng`;
* :func:`capture_module_generators` / :func:`restore_module_generators`:
  the private ``torch.Generator`` of a model's modules (e.g. CRD's and
  SCD's draw of negatives with ``seed=``), which neither the global states
  nor the state dict hold;
* the DataLoader glue that records, with each batch, the random state its
  worker (or the main process) had after producing it
  (:class:`StateRecordingCollate`), and starts new workers from recorded
  states (:class:`RestoringWorkerInit`), so the augmentations of a resumed
  run continue exactly where they stopped.
"""
import glob
import logging
import os
import os.path as osp
import pickle
import random
import re
import tempfile
import zipfile
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from fsat.engine.checkpoint import CheckpointError, verify_checkpoint
from fsat.registry import HOOKS

__all__ = [
    'AtomicLocalBackend', 'CheckpointHook', 'DataStream', 'RESUME_KEY',
    'RestoringWorkerInit', 'SkippingSampler', 'StateRecordingCollate',
    'capture_module_generators', 'capture_rng_state',
    'checkpoint_is_complete', 'find_resume_checkpoint', 'pop_batch_state',
    'preserved_rng', 'restore_module_generators', 'restore_rng_state'
]

#: Key of fsat's resume state in a checkpoint.
RESUME_KEY = 'fsat_resume'
#: Key under which a batch carries its producer's random state.
BATCH_STATE_KEY = '_fsat_data_rng'
#: Name of :class:`AtomicLocalBackend` in MMEngine's backend registry.
ATOMIC_BACKEND = 'fsat_atomic_local'

_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


# ----------------------------------------------------------------------
# checkpoints
# ----------------------------------------------------------------------
def checkpoint_is_complete(path: str) -> bool:
    """Whether ``path`` holds a checkpoint written to its end.

    ``torch.save`` writes a zip archive whose central directory comes last,
    so a file cut short by a kill has none
    (:func:`fsat.engine.checkpoint.verify_checkpoint`, which also refuses
    empty and non-torch files); a complete archive also holds the pickle
    (``data.pkl``). Files in torch's legacy (non-zip) format are loaded to
    decide.
    """
    try:
        verify_checkpoint(path, check_crc=False)
    except (CheckpointError, OSError):
        return False
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        return any(name.endswith('/data.pkl') or name == 'data.pkl'
                   for name in names)
    try:
        torch.load(path, map_location='cpu', weights_only=False)
    except Exception:  # any failure to read means: not usable
        return False
    return True


def _numbered_checkpoints(folder: str) -> List[str]:
    """``epoch_N.pth`` / ``iter_N.pth`` of ``folder``, newest first."""
    found = []
    for path in glob.glob(osp.join(glob.escape(folder), '*.pth')):
        match = _NUMBERED.match(osp.basename(path))
        if match:
            found.append((int(match.group(2)), osp.getmtime(path), path))
    return [path for _, _, path in sorted(found, reverse=True)]


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """The newest complete checkpoint of a run, or None.

    Candidates are the file ``<work_dir>/last_checkpoint`` names and every
    ``epoch_N.pth`` / ``iter_N.pth`` in the work dir and in that file's
    folder (a ``CheckpointHook`` may have another ``out_dir``), taken by
    decreasing N; the first complete one (:func:`checkpoint_is_complete`)
    wins. ``last_checkpoint`` alone cannot be trusted: MMEngine removes the
    previous checkpoint before it writes the new one and names it there
    only afterwards.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str or None: Path of the checkpoint to resume from.
    """
    folders = [work_dir]
    named = None
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker, encoding='utf-8') as f:
            named = f.read().strip() or None
        # MMEngine writes it absolute; the work dir may be relative
        if named and osp.realpath(osp.dirname(named)) != osp.realpath(
                work_dir):
            folders.append(osp.dirname(named))
    candidates = []
    for folder in folders:
        candidates += _numbered_checkpoints(folder)
    if named and not _NUMBERED.match(osp.basename(named)):
        candidates.insert(0, named)  # e.g. a renamed or best checkpoint
    candidates.sort(key=_order, reverse=True)
    seen = set()
    for path in candidates:
        real = osp.realpath(path)
        if real in seen:  # one file named two ways
            continue
        seen.add(real)
        if checkpoint_is_complete(path):
            if named is None or real != osp.realpath(named):
                print_log(
                    f'resume: last_checkpoint names '
                    f'{named or "nothing"}, which is missing or incomplete; '
                    f'resuming from {path}', logger='current')
            return path
        if osp.exists(path):
            print_log(f'resume: skipping incomplete checkpoint {path}',
                      logger='current')
    return None


def _order(path: str):
    match = _NUMBERED.match(osp.basename(path))
    step = int(match.group(2)) if match else -1
    mtime = osp.getmtime(path) if osp.exists(path) else 0.0
    return step, mtime


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend, writing each file atomically.

    ``put`` writes to a temporary file in the target folder and renames it
    over the target (``os.replace``), so a reader (or a resume after a
    kill) sees either the old file, no file, or the complete new one, never
    a partial one. Registered as ``'fsat_atomic_local'``; fsat's
    :class:`~fsat.engine.CheckpointHook` saves through it.
    """

    def put(self, obj: bytes, filepath) -> None:
        """Write ``obj`` to ``filepath`` atomically."""
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
            os.replace(tmp, filepath)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        self.put(obj.encode(encoding), filepath)


register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


# ----------------------------------------------------------------------
# random states
# ----------------------------------------------------------------------
def capture_rng_state(cuda: bool = True) -> Dict[str, Any]:
    """The states of python's, numpy's and torch's global generators.

    Args:
        cuda (bool): Include every CUDA device's generator (when CUDA has
            been initialised). Defaults to True.
    """
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if cuda and torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Set the generators whose states ``state`` holds (see
    :func:`capture_rng_state`)."""
    if 'python' in state:
        random.setstate(state['python'])
    if 'numpy' in state:
        np.random.set_state(state['numpy'])
    if 'torch' in state:
        torch.set_rng_state(state['torch'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        cuda = state['cuda']
        if len(cuda) != torch.cuda.device_count():
            print_log(
                f'resume: the checkpoint holds {len(cuda)} CUDA generator '
                f'states, this process sees {torch.cuda.device_count()} '
                'devices; CUDA random numbers will differ',
                logger='current')
        else:
            torch.cuda.set_rng_state_all(cuda)


def _module_generators(model: torch.nn.Module) -> Dict[str, torch.Generator]:
    """Every ``torch.Generator`` attribute of the modules of ``model``
    (unwrapped), by ``'<module path>.<attribute>'``."""
    if is_model_wrapper(model):
        model = model.module
    found = {}
    for name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, torch.Generator):
                found[f'{name}.{attr}' if name else attr] = value
    return found


def capture_module_generators(
        model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """The states of the private generators of a model's modules.

    A module drawing from its own ``torch.Generator`` (e.g.
    :class:`~fsat.models.losses.CRDLoss` and
    :class:`~fsat.models.losses.SCDLoss` built with ``seed=``) keeps its
    state outside the global generators and outside the state dict, so
    a resumed run would restart it from its seed.

    Args:
        model (nn.Module): The model (a DDP wrapper is unwrapped).

    Returns:
        dict: ``'<module path>.<attribute>'`` -> the generator's state.
    """
    return {
        name: generator.get_state()
        for name, generator in _module_generators(model).items()
    }


def restore_module_generators(model: torch.nn.Module,
                              states: Dict[str, torch.Tensor]) -> None:
    """Set the private generators of a model's modules to ``states``
    (from :func:`capture_module_generators`); a generator without a state,
    or a state without its generator, is reported once and left alone.

    Args:
        model (nn.Module): The model (a DDP wrapper is unwrapped).
        states (dict): ``'<module path>.<attribute>'`` -> state.
    """
    generators = _module_generators(model)
    for name, state in states.items():
        if name in generators:
            generators[name].set_state(state)
    unmatched = sorted(set(generators) ^ set(states))
    if unmatched:
        print_log(
            'resume: module generators without a saved state, or saved '
            f'states without their generator: {", ".join(unmatched)}; '
            'their random numbers will differ from the interrupted run',
            logger='current', level=logging.WARNING)


@contextmanager
def preserved_rng(generators: Sequence[str] = ('python', 'numpy', 'torch',
                                               'cuda')) -> Iterator[None]:
    """Run a block without changing the global random states (e.g. a
    validation in the middle of training, which creates a DataLoader
    iterator, which draws a seed).

    Args:
        generators (Sequence[str]): Those to preserve, of ``'python'``,
            ``'numpy'``, ``'torch'`` and ``'cuda'``. Defaults to all.
    """
    state = capture_rng_state()
    state = {k: v for k, v in state.items() if k in generators}
    try:
        yield
    finally:
        restore_rng_state(state)


# ----------------------------------------------------------------------
# the data stream
# ----------------------------------------------------------------------
class StateRecordingCollate:
    """A ``collate_fn`` that records its process's random state with each
    batch.

    The state after collating is the state the next batch of the same
    process starts from. It is stored under ``'_fsat_data_rng'`` in the
    (dict) batch as ``(worker_id, pickled state)`` (a few kB),
    ``worker_id`` being None in the
    main process; :func:`pop_batch_state` takes it out again. Batches that
    are not dicts pass unchanged.

    Args:
        collate_fn (Callable): The collate function to wrap.
    """

    def __init__(self, collate_fn: Callable) -> None:
        self.collate_fn = collate_fn

    def __call__(self, samples):
        batch = self.collate_fn(samples)
        if isinstance(batch, dict):
            info = torch.utils.data.get_worker_info()
            # pickled: bytes pass pin_memory and collation untouched
            batch[BATCH_STATE_KEY] = (None if info is None else info.id,
                                      pickle.dumps(
                                          capture_rng_state(cuda=False)))
        return batch


def pop_batch_state(batch):
    """Remove and return ``(worker_id, state)`` recorded in ``batch`` by
    :class:`StateRecordingCollate` (None if it holds none)."""
    if isinstance(batch, dict):
        return batch.pop(BATCH_STATE_KEY, None)
    return None


class RestoringWorkerInit:
    """A ``worker_init_fn`` that starts worker ``j`` as another worker
    left off.

    Worker ``j`` runs the original ``worker_init_fn`` as worker
    ``ids[j]`` would (MMEngine's seeds python, numpy and torch from the
    seed, the rank and that id), then, when ``states[j]`` is given, sets the
    recorded state.

    Args:
        worker_init_fn (Callable, optional): The loader's original one.
        ids (list[int]): The worker each new worker stands for.
        states (list[bytes | None]): Their recorded (pickled) random
            states.
    """

    def __init__(self, worker_init_fn: Optional[Callable], ids: List[int],
                 states: List[Optional[dict]]) -> None:
        self.worker_init_fn = worker_init_fn
        self.ids = ids
        self.states = states

    def __call__(self, worker_id: int) -> None:
        if self.worker_init_fn is not None:
            self.worker_init_fn(self.ids[worker_id])
        if self.states[worker_id] is not None:
            restore_rng_state(pickle.loads(self.states[worker_id]))


class SkippingSampler:
    """Wrap a sampler so that its next iteration skips ``n`` indices.

    Installed as the ``sampler`` of a loader's ``BatchSampler`` (the
    DataLoader's own ``sampler`` attribute, used by ``set_epoch``, stays
    the original). An MMEngine ``InfiniteSampler`` keeps one endless
    generator; it is restarted before skipping, so that the skip counts
    from the start of the stream.

    Args:
        sampler: The sampler to wrap.
    """

    def __init__(self, sampler) -> None:
        self.sampler = sampler
        self.skip: Optional[int] = None

    def start_at(self, skip: int) -> None:
        """Make the next iteration start at index ``skip`` of the stream."""
        self.skip = skip

    def __iter__(self):
        skip, self.skip = self.skip, None
        if skip is not None and hasattr(self.sampler, '_indices_of_rank'):
            # mmengine InfiniteSampler: iter() continues one generator
            self.sampler.indices = self.sampler._indices_of_rank()
        iterator = iter(self.sampler)
        for _ in range(skip or 0):
            next(iterator, None)
        return iterator

    def __len__(self) -> int:
        return len(self.sampler)

    def __getattr__(self, name: str):
        if name == 'sampler':  # not yet set (unpickling)
            raise AttributeError(name)
        return getattr(self.sampler, name)


class DataStream:
    """The training data of a loop: where it stands, and the random state
    of every process that produces it.

    It installs :class:`StateRecordingCollate` and :class:`SkippingSampler`
    in ``dataloader`` (before any iterator of it is created), counts the
    batches handed to training (:meth:`take`) and keeps, per worker, the
    random state recorded with the last batch trained on. Workers are
    identified *logically*: a DataLoader hands batch ``b`` of an iterator
    to worker ``b % num_workers``, so the worker that produces batch ``p``
    of the stream is ``p % num_workers`` in the uninterrupted run; a resumed
    iterator (:meth:`iterator`) starting at batch ``p`` makes its worker
    ``j`` continue logical worker ``(p + j) % num_workers``. Key ``None``
    is the main process (``num_workers=0``).

    Args:
        dataloader (DataLoader): The training loader.
    """

    def __init__(self, dataloader) -> None:
        self.dataloader = dataloader
        self.num_workers = dataloader.num_workers
        if not isinstance(dataloader.collate_fn, StateRecordingCollate):
            dataloader.collate_fn = StateRecordingCollate(
                dataloader.collate_fn)
        batch_sampler = getattr(dataloader, 'batch_sampler', None)
        self.skipper: Optional[SkippingSampler] = None
        if dataloader.batch_size is not None and hasattr(
                batch_sampler, 'sampler'):
            if not isinstance(batch_sampler.sampler, SkippingSampler):
                batch_sampler.sampler = SkippingSampler(batch_sampler.sampler)
            self.skipper = batch_sampler.sampler
        self.states: Dict[Optional[int], bytes] = {}
        self.position = 0  # batches taken since the iterator's start
        self.offset = 0  # logical id of the current iterator's worker 0

    @property
    def can_skip(self) -> bool:
        """Whether :meth:`iterator` can start in the middle of the data
        without reading what it skips."""
        return self.skipper is not None

    def take(self, batch):
        """Note ``batch`` as trained on; return it without its state."""
        recorded = pop_batch_state(batch)
        if recorded is not None:
            worker, state = recorded
            if worker is not None:
                worker = (self.offset + worker) % self.num_workers
            self.states[worker] = state
        self.position += 1
        return batch

    def new_pass(self) -> None:
        """A new pass over the data starts (a new epoch's iterator): count
        from 0; workers that are not persistent start afresh."""
        self.position = 0
        if not getattr(self.dataloader, 'persistent_workers', False):
            self.states = {k: v for k, v in self.states.items() if k is None}

    def state_dict(self) -> dict:
        """Position and recorded states, for a checkpoint."""
        return dict(
            position=self.position,
            num_workers=self.num_workers,
            states=dict(self.states))

    def load_state_dict(self, state: dict) -> None:
        """Take the position and states of a checkpoint."""
        self.position = state['position']
        self.states = dict(state['states'])
        if state['num_workers'] != self.num_workers:
            print_log(
                f"resume: the checkpoint's loader had {state['num_workers']} "
                f'workers, this one has {self.num_workers}; the workers '
                'start afresh, so random augmentation will differ',
                logger='current', level=logging.WARNING)
            self.states = {}

    def restore_main_process(self) -> None:
        """Set the main process's python and numpy generators as they were
        after the last batch it produced (``num_workers=0``; the torch
        generator is the model's, restored from the checkpoint)."""
        state = self.states.get(None)
        if state is not None:
            state = pickle.loads(state)
            restore_rng_state(dict(python=state['python'],
                                   numpy=state['numpy']))

    def iterator(self, fresh: bool = False):
        """``iter(dataloader)`` starting at batch :attr:`position`, whose
        workers continue from the recorded states.

        Args:
            fresh (bool): Start new workers even if the loader keeps
                persistent ones alive.
        """
        loader = self.dataloader
        if self.skipper is not None and self.position:
            self.skipper.start_at(self.position * loader.batch_size)
        elif self.position:
            raise RuntimeError('this loader cannot start mid-stream')
        workers = self.num_workers
        persistent = getattr(loader, 'persistent_workers', False)
        reuse = (persistent and not fresh and loader._iterator is not None
                 and self.position == 0 and self.offset == 0)
        if workers == 0 or reuse:
            self.offset = 0
            return iter(loader)
        if persistent and loader._iterator is not None:
            # torch's private handle of the persistent iterator
            loader._iterator._shutdown_workers()
            loader._iterator = None
        ids = [(self.position + j) % workers for j in range(workers)]
        original = loader.worker_init_fn
        loader.worker_init_fn = RestoringWorkerInit(
            original, ids, [self.states.get(i) for i in ids])
        try:
            iterator = iter(loader)
        finally:
            loader.worker_init_fn = original
        self.offset = self.position % workers
        return iterator


class _RemoveLater:
    """A file backend whose ``remove``/``rmtree`` only note the path."""

    def __init__(self, backend, removed: List[str]) -> None:
        self._backend = backend
        self._removed = removed

    def remove(self, path) -> None:
        self._removed.append(path)

    def rmtree(self, path) -> None:
        self._removed.append(path)

    def __getattr__(self, name: str):
        return getattr(self._backend, name)


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """MMEngine's ``CheckpointHook``, made crash-safe and exact to resume.

    Registered in fsat's scope under MMEngine's name, so every config with
    ``default_scope = 'fsat'`` and ``type='CheckpointHook'`` uses it
    (``type='mmengine.CheckpointHook'`` picks MMEngine's). Arguments are
    MMEngine's. It differs in three ways:

    * a checkpoint is written under a temporary name and renamed
      (:class:`~fsat.engine.resume.AtomicLocalBackend`; local ``out_dir``
      without ``backend_args`` only), so ``epoch_N.pth``/``iter_N.pth``
      never names a half-written file (the temporary file of a write that
      a kill interrupted is removed when training starts again);
    * with ``max_keep_ckpts``, the old checkpoint is removed after the new
      one is written and named in ``last_checkpoint`` (MMEngine removes it
      first), so a kill at any moment leaves a complete checkpoint;
    * each checkpoint holds, under ``'fsat_resume'``, every rank's random
      states (python, numpy, torch CPU and CUDA) and, from fsat's
      prefetching loops, the data stream's position and the random states
      of its workers, and the states of its modules' private generators
      (:func:`capture_module_generators`); on resume each rank restores
      its module generators and gives the rest to the loop
      (``set_resume_state``), which restores them
      (:mod:`fsat.engine.loops`).
    """

    def __init__(self, *args, **kwargs) -> None:
        out_dir = kwargs.get('out_dir')
        if (kwargs.get('backend_args') is None
                and kwargs.get('file_client_args') is None
                and (out_dir is None
                     or not re.match(r'^\w+://', str(out_dir)))):
            kwargs['backend_args'] = dict(backend=ATOMIC_BACKEND)
        super().__init__(*args, **kwargs)
        self._pending: Optional[dict] = None

    def before_train(self, runner) -> None:
        """MMEngine's, then remove the temporary files of writes a kill
        interrupted (main process, local ``out_dir``)."""
        super().before_train(runner)
        if (runner.rank == 0
                and isinstance(self.file_backend, AtomicLocalBackend)
                and osp.isdir(self.out_dir)):
            pattern = osp.join(glob.escape(self.out_dir), '.*.pth.*.tmp')
            for path in glob.glob(pattern):
                os.remove(path)

    @staticmethod
    def _loop(runner):
        loop = getattr(runner, '_train_loop', None)
        return loop if isinstance(loop, BaseLoop) else None

    def _resume_state(self, runner) -> dict:
        """Every rank's random states and data position (collective)."""
        loop = self._loop(runner)
        local = dict(
            rng=capture_rng_state(),
            data=loop.data_state() if hasattr(loop, 'data_state') else None,
            generators=capture_module_generators(runner.model))
        _, world_size = get_dist_info()
        ranks = all_gather_object(local) if world_size > 1 else [local]
        return dict(version=1, world_size=world_size, ranks=ranks)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        self._pending = self._resume_state(runner)
        removed: List[str] = []
        backend = self.file_backend
        self.file_backend = _RemoveLater(backend, removed)
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            self.file_backend = backend
            self._pending = None
        for path in removed:  # the new one is complete and named
            if backend.isfile(path):
                backend.remove(path)
            elif backend.isdir(path):
                backend.rmtree(path)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add the resume state gathered for this save (rank 0)."""
        if self._pending is not None:
            checkpoint[RESUME_KEY] = self._pending

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore this rank's module generators and give the training
        loop the rest of its resume state."""
        loop = self._loop(runner)
        state = checkpoint.get(RESUME_KEY)
        rank, world_size = get_dist_info()
        if state is not None and state['world_size'] != world_size:
            print_log(
                f"resume: the checkpoint was saved by {state['world_size']} "
                f'processes, this run has {world_size}; random states and '
                'data positions are not restored', logger='current',
                level=logging.WARNING)
            state = None
        mine = None if state is None else state['ranks'][rank]
        # checkpoints of earlier versions hold no module generators
        if mine is not None and 'generators' in mine and runner is not None:
            restore_module_generators(runner.model, mine['generators'])
        if hasattr(loop, 'set_resume_state'):
            loop.set_resume_state(mine)
