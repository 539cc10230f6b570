# Copyright (c) fsat contributors. All rights reserved.
"""Choosing a training length on validation, in one run, crash-safely.

A run that validates every ``val_interval`` iterations up to a generous
``max_iters`` and keeps the weights that were best on validation gives
every shorter length's result for the price of one run (with a schedule
whose learning rate does not depend on ``max_iters``, e.g. a constant one,
a checkpoint at iteration ``t`` is what a ``t``-iteration run would have
given; :mod:`fsat.apis.pipeline` documents the choice).

MMEngine's ``CheckpointHook(save_best=...)`` keeps the best weights, but it
removes the previous best file before writing the new one and keeps the
best score only in the message hub of the *next* regular checkpoint, so a
killed run can resume without its best weights, or with a best score whose
weights are gone. :class:`ValidationCurveHook` is written for resumption:

* every validation appends ``(iteration, metrics)`` to ``val_curve.json``
  in the work dir (written under a temporary name and renamed);
* a strictly better score (ties keep the earlier iteration, i.e. the
  shorter run) writes ``best_iter_<N>.pth`` (weights only, atomically);
  older best files are removed only once a complete regular checkpoint at
  or after ``N`` exists (checked after each validation and at the end),
  so the run a resume continues from always finds the best weights of the
  validations it keeps;
* on resume from iteration ``R``, points after ``R`` are dropped (the
  resumed run computes them again) and a validation at ``R`` that a kill
  interrupted is run again, leaving the random states as they were.

:func:`read_curve` gives the curve and :func:`best_point` the selected
iteration (the earliest of the best).
"""
import glob
import json
import logging
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from mmengine.dist import barrier, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import BaseLoop

from fsat.registry import HOOKS

#: The curve file of a run, in its work dir.
CURVE_FILE = 'val_curve.json'
_BEST = re.compile(r'best_iter_(\d+)\.pth$')
_REGULAR = re.compile(r'iter_(\d+)\.pth$')


def read_curve(work_dir: str) -> List[dict]:
    """The validations of a run: ``[dict(iter=N, metrics={...}), ...]``
    (empty when the run wrote none)."""
    path = osp.join(work_dir, CURVE_FILE)
    if not osp.isfile(path):
        return []
    with open(path, encoding='utf-8') as f:
        return json.load(f)['points']


def best_point(curve: List[dict], metric: str,
               rule: str = 'greater') -> Optional[dict]:
    """The point with the best ``metric``; ties go to the earliest."""
    best = None
    for point in curve:
        value = point['metrics'].get(metric)
        if value is None:
            continue
        if best is None or _better(value, best['metrics'][metric], rule):
            best = point
    return best


def _better(value: float, best: float, rule: str) -> bool:
    return value > best if rule == 'greater' else value < best


def best_checkpoints(work_dir: str) -> Dict[int, str]:
    """``iteration -> path`` of the ``best_iter_<N>.pth`` files."""
    found = {}
    for path in glob.glob(osp.join(glob.escape(work_dir), 'best_iter_*.pth')):
        m = _BEST.search(osp.basename(path))
        if m:
            found[int(m.group(1))] = path
    return found


@HOOKS.register_module()
class ValidationCurveHook(Hook):
    """Record every validation of a run and keep the best one's weights.

    See the module docstring for the files and what a resume does.

    Args:
        metric (str): The validation metric that selects, e.g.
            ``'acc/top1'``.
        rule (str): ``'greater'`` or ``'less'``. Defaults to ``'greater'``.
        out_dir (str, optional): Where the curve and best weights go.
            Defaults to the runner's work dir.
    """

    priority = 'LOW'

    def __init__(self,
                 metric: str,
                 rule: str = 'greater',
                 out_dir: Optional[str] = None) -> None:
        if rule not in ('greater', 'less'):
            raise ValueError(f"rule must be 'greater' or 'less', got {rule!r}")
        self.metric = metric
        self.rule = rule
        self.out_dir = out_dir
        self.curve: List[dict] = []

    # ------------------------------------------------------------------
    def _dir(self, runner) -> str:
        return self.out_dir or runner.work_dir

    def _write_curve(self, runner) -> None:
        if not is_main_process():
            return
        path = osp.join(self._dir(runner), CURVE_FILE)
        tmp = path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(dict(metric=self.metric, rule=self.rule,
                           points=self.curve), f, indent=1)
        os.replace(tmp, path)

    def _newest_regular(self, runner) -> int:
        """Iteration of the newest complete regular checkpoint (-1: none)."""
        from fsat.engine.resume import find_resume_checkpoint
        path = find_resume_checkpoint(runner.work_dir)
        m = _REGULAR.search(osp.basename(path or ''))
        return int(m.group(1)) if m else -1

    def _prune(self, runner) -> None:
        """Remove best files that no resume can need any more."""
        if not is_main_process():
            return
        found = best_checkpoints(self._dir(runner))
        if len(found) < 2:
            return
        safe = self._newest_regular(runner)
        # the newest best at or before the newest complete checkpoint: a
        # resume keeps its validation, so the older bests are not needed
        settled = [i for i in found if i <= safe]
        if not settled:
            return
        keep = max(settled)
        for i, path in found.items():
            if i < keep:
                os.remove(path)

    def _save_best(self, runner) -> None:
        from fsat.engine.resume import ATOMIC_BACKEND
        runner.save_checkpoint(
            self._dir(runner),
            filename=f'best_iter_{runner.iter}.pth',
            save_optimizer=False,
            save_param_scheduler=False,
            meta=dict(iter=runner.iter, selected_by=self.metric),
            by_epoch=False,
            backend_args=dict(backend=ATOMIC_BACKEND))

    def _val_iteration(self, runner) -> bool:
        loop = runner.train_loop
        val_interval = getattr(loop, 'val_interval', None)
        if not val_interval or runner.val_loop is None:
            return False
        it = runner.iter
        return it > 0 and it >= getattr(loop, 'val_begin', 1) and (
            it % val_interval == 0 or it == getattr(loop, 'max_iters', -1))

    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Start a curve, or continue the interrupted run's."""
        self.curve = []
        if runner.iter == 0:
            if is_main_process():
                for path in best_checkpoints(self._dir(runner)).values():
                    os.remove(path)  # an earlier attempt's, not this run's
            self._write_curve(runner)
            barrier()
            return
        resumed = runner.iter
        self.curve = [p for p in read_curve(self._dir(runner))
                      if p['iter'] <= resumed]
        if is_main_process():
            for i, path in best_checkpoints(self._dir(runner)).items():
                if i > resumed:  # of a validation the resume repeats
                    os.remove(path)
        self._write_curve(runner)
        barrier()
        best = best_point(self.curve, self.metric, self.rule)
        if best is not None and best['iter'] not in best_checkpoints(
                self._dir(runner)):
            if best['iter'] != resumed:
                raise RuntimeError(
                    f'{osp.join(self._dir(runner), CURVE_FILE)}: the best '
                    f"validation (iteration {best['iter']}) has no "
                    f"best_iter_{best['iter']}.pth; the run cannot choose "
                    'its length: start it again')
            self._save_best(runner)  # killed between curve and weights
        if self._val_iteration(runner) and not any(
                p['iter'] == resumed for p in self.curve):
            print_log(
                f'resume: the validation at iteration {resumed} was '
                'interrupted; running it again', logger='current')
            from fsat.engine.resume import preserved_rng
            with preserved_rng():
                runner.val_loop.run()

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Add the point; keep the weights when it is the best so far."""
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return  # a validation outside training (runner.val())
        metrics = {k: float(v) for k, v in (metrics or {}).items()
                   if isinstance(v, (int, float))}
        if self.metric not in metrics:
            print_log(
                f'ValidationCurveHook: the validation has no {self.metric!r} '
                f'(it has {sorted(metrics)}); the length cannot be chosen',
                logger='current', level=logging.WARNING)
            return
        previous = best_point(self.curve, self.metric, self.rule)
        self.curve = [p for p in self.curve if p['iter'] != runner.iter]
        self.curve.append(dict(iter=runner.iter, metrics=metrics))
        self._write_curve(runner)
        if previous is None or _better(metrics[self.metric],
                                       previous['metrics'][self.metric],
                                       self.rule):
            self._save_best(runner)
        barrier()
        self._prune(runner)

    def after_train(self, runner) -> None:
        """Remove the best files the final checkpoint settles."""
        self._prune(runner)


def selected(work_dir: str, metric: str,
             rule: str = 'greater') -> Tuple[List[dict], Optional[dict],
                                             Optional[str]]:
    """A finished run's curve, best point and best weights file."""
    curve = read_curve(work_dir)
    best = best_point(curve, metric, rule)
    path = None if best is None else best_checkpoints(work_dir).get(
        best['iter'])
    return curve, best, path
