# Copyright (c) fsat contributors. All rights reserved.
"""Training iterations per second of FSAT transfer against plain training.

One process, fixed in-memory batches (no data loading), the shipped
synthetic-world models (slim 3D-ResNet-18 depth student and flow teacher on
16x32x32 clips, or ``--size`` / ``--width`` for others), a full training
step each time (forward, loss, backward, SGD update):

* **a** plain supervised training of the student, as fsat builds it from
  ``configs/finetune/depth_r3d18_synth.py`` (registry scope ``fsat``) on
  batches in the layout of fsat's paired dataset;
* **b** v2c transfer (``configs/distill/flow2depth_v2c_synth.py``) with the
  teacher's features read from a feature cache;
* **c** the same with the teacher online: its forward pass over the N
  clips of every video in every step;
* **d** the student step run through mmaction2's own path: the
  ``Recognizer3D`` built by mmaction2's registry (scope ``mmaction``) on
  batches as mmaction2's ``PackActionInputs`` yields them.

Also timed: what the online teacher adds to a step (``teacher_s``: its
input's normalisation and its forward pass over the N clips of every video
of the batch), which predicts c from b (``1 / c = 1 / b + teacher_s``).
Rounds of the four steps are interleaved, in an order that rotates
between rounds, and the median of each is kept, so a slow moment of the
machine hits all four alike. Prints one JSON line with the rates and the
ratios b/a, c/a, a/d and the predicted c/a.

Example::

    python benchmarks/distill_throughput.py
    python benchmarks/distill_throughput.py --batch-size 8 --num-clips 4
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FINETUNE = 'configs/finetune/depth_r3d18_synth.py'
TRANSFER = 'configs/distill/flow2depth_v2c_synth.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-clips', type=int, default=3,
                        help='N, clips of each teacher video (demo world: '
                        '40-72 frames, so N = 2-4)')
    parser.add_argument('--clip-len', type=int, default=16)
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--iters', type=int, default=10,
                        help='timed steps per round and mode')
    parser.add_argument('--rounds', type=int, default=8)
    parser.add_argument('--threads', type=int,
                        default=min(os.cpu_count() or 1, 2),
                        help='torch threads (default min(cores, 2))')
    return parser.parse_args(argv)


def _samples(batch_size: int, labels: bool, metainfo: bool):
    from mmaction.structures import ActionDataSample
    out = []
    for i in range(batch_size):
        sample = ActionDataSample()
        if labels:
            sample.set_gt_labels(i % 10)
        if metainfo:
            sample.set_metainfo(dict(video_id=f'v{i:04d}', clip_slot=i % 2,
                                     num_slots=2))
        out.append(sample)
    return out


def build(args):
    """The four models, their batches and optimisers."""
    from mmaction.registry import MODELS as MMACTION_MODELS
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope

    from fsat.apis import load_config
    from fsat.engine.feature_cache import build_feature_cache
    from fsat.registry import MODELS

    gen = torch.Generator().manual_seed(0)
    shape = (1, 3, args.clip_len, args.size, args.size)
    depth = [torch.randint(0, 256, shape, generator=gen).float()
             for _ in range(args.batch_size)]
    flow = [
        torch.randint(0, 256, (args.num_clips, 2, args.clip_len, args.size,
                               args.size), generator=gen).float()
        for _ in range(args.batch_size)
    ]

    def sgd(model):
        return OptimWrapper(torch.optim.SGD(
            model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4))

    runs = {}
    cwd = os.getcwd()
    os.chdir(REPO)  # the configs name their teacher config from the root
    try:
        finetune = load_config(FINETUNE)
        transfer = load_config(TRANSFER)
    finally:
        os.chdir(cwd)
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(0)
        plain = MODELS.build(finetune.model)
        runs['a'] = (plain, dict(inputs=depth,
                                 data_samples=_samples(args.batch_size, True,
                                                       False)))
        for mode, source in (('b', 'cache'), ('c', 'online')):
            cfg = dict(transfer.model, teacher_source=source)
            if not osp.isabs(cfg['teacher']['config']):
                cfg['teacher'] = dict(
                    cfg['teacher'],
                    config=osp.join(REPO, cfg['teacher']['config']))
            torch.manual_seed(0)
            # with the cache the loader yields the student's clips only
            inputs = dict(depth=depth)
            if source == 'online':
                inputs['flow_video'] = flow
            runs[mode] = (MODELS.build(cfg), dict(
                inputs=inputs,
                data_samples=_samples(args.batch_size, False, True)))
    with DefaultScope.overwrite_default_scope('mmaction'):
        torch.manual_seed(0)
        runs['d'] = (MMACTION_MODELS.build(finetune.model), dict(
            inputs=depth,
            data_samples=_samples(args.batch_size, True, False)))
    # the cache of b: the online teacher's features of the batch's videos
    online = runs['c'][0]
    ids = [s.metainfo['video_id'] for s in runs['c'][1]['data_samples']]
    videos = dict(zip(ids, flow))

    def compute(video_id):
        # as TeacherFeatureCacheHook: the teacher's view only, through the
        # cached distiller's preprocessor
        one = runs['b'][0].data_preprocessor(
            dict(inputs=dict(flow_video=[videos[video_id]]),
                 data_samples=None), False)
        with torch.no_grad():
            return online.teacher_clip_features(one['inputs']).numpy()

    tmp = tempfile.mkdtemp(prefix='fsat_throughput_')
    runs['b'][0].set_teacher_cache(build_feature_cache(
        tmp, 'bench', ids, compute, progress=False))
    return {k: (m.train(), batch, sgd(m)) for k, (m, batch) in runs.items()}


def teacher_seconds(online, cached) -> float:
    """What the online teacher adds to a step: normalising and stacking its
    N clips per video, and its forward pass over them."""
    (model, batch, _), (student_model, student_batch, _) = online, cached
    start = time.perf_counter()
    data = model.data_preprocessor(batch, True)
    both = time.perf_counter() - start
    start = time.perf_counter()
    student_model.data_preprocessor(student_batch, True)
    student_only = time.perf_counter() - start
    with torch.no_grad():
        start = time.perf_counter()
        model.teacher_clip_features(data['inputs'])
        forward = time.perf_counter() - start
    return max(both - student_only, 0.0) + forward


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    runs = build(args)
    for model, batch, optim in runs.values():  # warm-up
        for _ in range(2):
            model.train_step(batch, optim)
    seconds = {k: [] for k in runs}
    teacher = []
    keys = list(runs)
    for r in range(args.rounds):
        # rotate the order so that no mode always runs first
        for key in keys[r % len(keys):] + keys[:r % len(keys)]:
            model, batch, optim = runs[key]
            start = time.perf_counter()
            for _ in range(args.iters):
                model.train_step(batch, optim)
            seconds[key].append((time.perf_counter() - start) / args.iters)
        teacher.append(teacher_seconds(runs['c'], runs['b']))
    step = {k: statistics.median(v) for k, v in seconds.items()}
    t_teacher = statistics.median(teacher)
    rate = {k: 1.0 / v for k, v in step.items()}
    result = dict(
        benchmark='distill_throughput',
        batch_size=args.batch_size,
        num_clips=args.num_clips,
        input=f'{args.clip_len}x{args.size}x{args.size}',
        threads=args.threads,
        iters_per_s={k: round(v, 3) for k, v in rate.items()},
        teacher_s=round(t_teacher, 4),
        b_over_a=round(rate['b'] / rate['a'], 3),
        c_over_a=round(rate['c'] / rate['a'], 3),
        a_over_d=round(rate['a'] / rate['d'], 3),
        c_over_a_predicted=round(
            1.0 / (step['b'] + t_teacher) / rate['a'], 3))
    print(json.dumps(result))
    sys.stdout.flush()
    return result


if __name__ == '__main__':
    main()
