# Copyright (c) fsat contributors. All rights reserved.
"""Wall time of a pipeline run one run at a time against ``--jobs N``.

The pipeline is a slice of the demo's fine-tuning: depth students trained
from scratch on the demo world (``configs/finetune/depth_r3d18_synth.py``,
k labels per class) for ``--seeds`` seeds x two learning rates, each run
``--max-iters`` iterations with ``--val-interval`` validations (the demo's
length selection), so every run is independent and the same work is done
whatever ``--jobs``. Each setting runs ``tools/run_pipeline.py`` in its
own fresh work dir, one after the other, in the order given (``--jobs 1
2`` by default, repeated ``--repeats`` times, alternating), and prints one
JSON line: the wall times, the speed-up of each setting over ``--jobs 1``
(median over repeats) and the test scores of every run (which may differ
in the last digits between thread counts).

The demo world must exist (``make demo`` makes it, or
``python tools/data/synthesize.py --preset demo``).

Example::

    python benchmarks/pipeline_jobs.py
    python benchmarks/pipeline_jobs.py --jobs 1 2 4 --seeds 4 --repeats 2
    python benchmarks/pipeline_jobs.py --threads 2  # same numbers as --jobs 1
"""
import argparse
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

PIPELINE = '''
_base_ = ['{repo}/configs/pipelines/_base_/few_labels.py']
sweeps = dict(budget=[{budget}], seed={seeds})
recipe_grid = [
    dict(name='lr0.003', cfg_options={{'optim_wrapper.optimizer.lr': 0.003}}),
    dict(name='lr0.01', cfg_options={{'optim_wrapper.optimizer.lr': 0.01}}),
]
length_selection = dict(max_iters={max_iters}, val_interval={val_interval},
                        param_scheduler=[])
report_metric = 'acc/top1'
stages = [
    dict(name='scratch', method='from scratch', template='few_labels',
         config='{repo}/configs/finetune/depth_r3d18_synth.py',
         select_recipe=True),
]
'''


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--jobs', type=int, nargs='+', default=[1, 2],
                        help='settings to time (1 is always included)')
    parser.add_argument('--seeds', type=int, default=2,
                        help='seeds; every seed runs both learning rates')
    parser.add_argument('--budget', type=int, default=5,
                        help='labeled videos per class')
    parser.add_argument('--max-iters', type=int, default=300)
    parser.add_argument('--val-interval', type=int, default=50)
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument(
        '--threads', type=int,
        help='torch threads of every run (OMP_NUM_THREADS) whatever --jobs; '
        'default: --jobs shares the cores out (cpu_count // jobs each), '
        'while --jobs 1 uses them all')
    return parser.parse_args(argv)


def run_once(config: str, work_dir: str, jobs: int,
             threads: Optional[int] = None) -> dict:
    """One fresh pipeline run; its wall time and test scores."""
    env = dict(os.environ)
    env.pop('OMP_NUM_THREADS', None)  # --jobs shares the cores out
    if threads is not None:
        env['OMP_NUM_THREADS'] = str(threads)
    start = time.time()
    proc = subprocess.run(
        [sys.executable, 'tools/run_pipeline.py', config, '--work-dir',
         work_dir, '--jobs', str(jobs)],
        cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.time() - start
    if proc.returncode != 0:
        sys.exit(f'--jobs {jobs} failed:\n{proc.stderr[-3000:]}')
    with open(osp.join(work_dir, 'results.json')) as f:
        runs = json.load(f)['runs']
    return dict(seconds=round(seconds, 1),
                test={f"{r['values']['seed']}/{r['recipe']}":
                      r['test'].get('acc/top1') for r in runs
                      if r.get('tested')})


def main(argv=None) -> None:
    args = parse_args(argv)
    if not osp.isdir(osp.join(REPO, 'data', 'synthetic_demo', 'ntu')):
        sys.exit('benchmarks/pipeline_jobs.py: the demo world is missing '
                 '(data/synthetic_demo/ntu); run make demo or '
                 'python tools/data/synthesize.py --preset demo first')
    settings = sorted(set([1] + args.jobs))
    tmp = tempfile.mkdtemp(prefix='fsat_jobs_')
    config = osp.join(tmp, 'pipeline.py')
    with open(config, 'w') as f:
        f.write(PIPELINE.format(
            repo=REPO, budget=args.budget, seeds=list(range(args.seeds)),
            max_iters=args.max_iters, val_interval=args.val_interval))
    times = {jobs: [] for jobs in settings}
    tests = {}
    try:
        for repeat in range(args.repeats):
            order = settings if repeat % 2 == 0 else settings[::-1]
            for jobs in order:
                work_dir = osp.join(tmp, f'jobs{jobs}_{repeat}')
                out = run_once(config, work_dir, jobs, args.threads)
                times[jobs].append(out['seconds'])
                tests[jobs] = out['test']
                shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = statistics.median(times[1])
    print(json.dumps(dict(
        cpu_count=os.cpu_count(),
        threads=args.threads or 'shared out',
        runs=2 * args.seeds,
        max_iters=args.max_iters,
        seconds={str(k): v for k, v in times.items()},
        speedup={str(k): round(base / statistics.median(v), 2)
                 for k, v in times.items()},
        test={str(k): v for k, v in tests.items()})))


if __name__ == '__main__':
    main()
