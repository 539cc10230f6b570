# Copyright (c) fsat contributors. All rights reserved.
"""Run the command-line tools of a source checkout from tests."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

#: Root of the source checkout holding ``tools/`` and ``configs/``.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def repo_path(*parts: str) -> str:
    """Absolute path of ``parts`` inside the checkout."""
    return osp.join(REPO_ROOT, *parts)


def run_tool(tool: str,
             args: List[str],
             cwd: Optional[str] = None,
             env: Optional[Dict[str, str]] = None,
             timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``tools/<tool>`` (a ``.py`` or ``.sh``) and capture its output.

    The checkout is put first on ``PYTHONPATH`` so the tool imports this
    fsat, and ``FSAT_DEBUG`` is cleared so error messages are the ones a
    user sees.

    Args:
        tool (str): Path below ``tools/``, e.g. ``'train.py'``.
        args (list[str]): Command-line arguments.
        cwd (str, optional): Working directory. Defaults to the checkout.
        env (dict, optional): Extra environment variables.
        timeout (float): Seconds before the tool is killed. Defaults to 600.

    Returns:
        subprocess.CompletedProcess: With ``stdout`` and ``stderr`` text.
    """
    path = repo_path('tools', tool)
    cmd = ([sys.executable, path] if tool.endswith('.py') else
           ['bash', path]) + list(args)
    full_env = dict(os.environ)
    full_env.pop('FSAT_DEBUG', None)
    full_env['PYTHON'] = sys.executable
    extra = dict(env or {})
    pythonpath = [REPO_ROOT] + [
        p for p in (extra.pop('PYTHONPATH', None),
                    os.environ.get('PYTHONPATH')) if p
    ]
    full_env['PYTHONPATH'] = os.pathsep.join(pythonpath)
    full_env.update(extra)
    return subprocess.run(
        cmd,
        cwd=cwd or REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (what a user reads first)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ''


def run_pipeline_config(cfg, folder: str,
                        timeout: float = 600) -> List[dict]:
    """Dump a pipeline config (e.g. a shipped one re-pointed at tiny
    worlds) into ``folder``, run it through ``tools/run_pipeline.py`` with
    its work dir in ``folder/work`` and return the runs of its
    ``results.json``.

    Args:
        cfg (mmengine.Config): The pipeline config.
        folder (str): Where the config and the work dir go.
        timeout (float): Seconds before the tool is killed (a tiny run
            is one process start and a few steps: about 10-20 s a run
            here). Defaults to 600.

    Returns:
        list[dict]: ``results.json``'s ``runs``.

    Raises:
        AssertionError: With the end of the tool's stderr when it fails.
    """
    tiny = osp.join(folder, 'tiny_pipeline.py')
    cfg.dump(tiny)
    work = osp.join(folder, 'work')
    proc = run_tool('run_pipeline.py', [tiny, '--work-dir', work],
                    timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(osp.join(work, 'results.json')) as f:
        return json.load(f)['runs']


def run_logs(record: dict) -> str:
    """The text of the MMEngine logs of a pipeline run (a ``results.json``
    record with a checkpoint), e.g. to check that a hook reported."""
    run_dir = osp.dirname(record['checkpoint'])
    return ''.join(
        open(path).read()
        for path in sorted(glob.glob(osp.join(run_dir, '*', '*.log'))))


def loader_options(*loaders: str) -> Dict[str, object]:
    """``cfg_options`` that load the named dataloaders (``'train'``,
    ``'val'``, ``'test'``) in the main process, for tiny runs in tests."""
    out: Dict[str, object] = {}
    for name in loaders:
        out[f'{name}_dataloader.num_workers'] = 0
        out[f'{name}_dataloader.persistent_workers'] = False
    return out


def short_run_options(iters: int = 2,
                      loaders: tuple = ('train', 'val', 'test')
                      ) -> Dict[str, object]:
    """``cfg_options`` that shorten an iteration-based run with a cosine
    (or other first) scheduler to ``iters`` iterations, validated and
    checkpointed at the end, logged every iteration, its ``loaders``
    without worker processes (:func:`loader_options`)."""
    return {
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'default_hooks.checkpoint.interval': iters,
        'default_hooks.logger.interval': 1,
        'param_scheduler.0.T_max': iters,
        **loader_options(*loaders)
    }
