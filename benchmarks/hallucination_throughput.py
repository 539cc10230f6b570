# Copyright (c) fsat contributors. All rights reserved.
"""What the hallucination network costs (Garcia et al., ECCV 2018), in one
run: a training step of step 3 against a plain RGB step, and the final
RGB-only model at test time against the RGB + depth model it replaces.

One process, fixed in-memory batches (no data loading), the models as the
synthetic configs build them (``configs/hallucination/*_synth.py``:
ResNet-18 streams, 5 frames of 48x48 per video):

* **train_rgb**: a training step of the RGB stream alone (step 1);
* **train_step3**: a training step of step 3 (the frozen depth stream
  on depth, the hallucination stream on RGB, connections, L_GD + L_hall);
* **test_rgb_hall**: inference of the final model (step 4: RGB +
  hallucination streams, RGB only);
* **test_rgb_depth**: inference of the two-stream RGB + depth model
  (step 2), which needs depth.

Rounds of the modes are interleaved in a rotating order and the median of
each is kept. Prints one JSON line with videos per second and the ratios.

Example::

    python benchmarks/hallucination_throughput.py
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    train_rgb='configs/hallucination/step1_rgb_synth.py',
    train_step3='configs/hallucination/step3_synth.py',
    test_rgb_hall='configs/hallucination/step4_synth.py',
    test_rgb_depth='configs/hallucination/step2_synth.py')
MODALITIES = dict(
    train_rgb=('rgb', ), train_step3=('rgb', 'depth'),
    test_rgb_hall=('rgb', ), test_rgb_depth=('rgb', 'depth'))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8,
                        help='videos per step (the synthetic configs: 8)')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed steps per round and mode')
    parser.add_argument('--rounds', type=int, default=6)
    parser.add_argument('--threads', type=int,
                        default=min(os.cpu_count() or 1, 2),
                        help='torch threads (default min(cores, 2))')
    return parser.parse_args(argv)


def build(args):
    """Mode -> (model, batch, optimiser or None) as the configs build
    them; step 3's frozen depth stream starts from a step-2 model's
    weights written to a temporary checkpoint, as the pipeline hands them
    on."""
    import tempfile

    from mmaction.structures import ActionDataSample
    from mmengine.logging import MMLogger
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope

    # only the JSON line on stdout: no parameter-initialisation dump
    if not MMLogger.check_instance_created('hallucination_throughput'):
        MMLogger.get_instance('hallucination_throughput',
                              log_level='WARNING')
    else:
        MMLogger.get_instance('hallucination_throughput')

    from fsat.apis import load_config
    from fsat.registry import MODELS

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        cfgs = {k: load_config(v) for k, v in CONFIGS.items()}
    finally:
        os.chdir(cwd)
    first = cfgs['train_rgb']
    T, size = first.num_segments, first.input_size
    gen = torch.Generator().manual_seed(0)
    n = args.batch_size
    frames = {
        m: [torch.randint(0, 256, (T, 3, size, size), generator=gen,
                          dtype=torch.uint8) for _ in range(n)]
        for m in ('rgb', 'depth')
    }
    samples = [ActionDataSample().set_gt_labels(i % first.num_classes)
               for i in range(n)]
    runs = {}
    with DefaultScope.overwrite_default_scope('fsat'):
        models = {}
        for key, cfg in cfgs.items():
            model_cfg = cfg.model.to_dict()
            model_cfg.pop('init_streams', None)
            if key == 'train_step3':
                continue
            torch.manual_seed(0)
            models[key] = MODELS.build(model_cfg)
            models[key].init_weights()
        # step 3 from the step-2 model's weights
        step2 = tempfile.NamedTemporaryFile(suffix='.pth', delete=False)
        torch.save(dict(state_dict=models['test_rgb_depth'].state_dict()),
                   step2.name)
        step3_cfg = cfgs['train_step3'].model.to_dict()
        for stream in ('depth', 'hallucination'):
            step3_cfg['init_streams'][stream]['checkpoint'] = step2.name
        torch.manual_seed(0)
        models['train_step3'] = MODELS.build(step3_cfg)
        models['train_step3'].init_weights()
        os.unlink(step2.name)
    for key in CONFIGS:
        model = models[key]
        batch = dict(inputs={m: frames[m] for m in MODALITIES[key]},
                     data_samples=samples)
        if key.startswith('train'):
            optim = OptimWrapper(torch.optim.SGD(
                [p for p in model.parameters() if p.requires_grad],
                lr=1e-3, momentum=0.9))
            runs[key] = (model.train(), batch, optim)
        else:
            runs[key] = (model.eval(), batch, None)
    return runs, (T, 3, size, size)


def _step(model, batch, optim):
    if optim is not None:
        model.train_step(batch, optim)
    else:
        with torch.no_grad():
            model.test_step(batch)


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    runs, clip = build(args)
    for run in runs.values():  # warm-up
        _step(*run)
    seconds = {k: [] for k in runs}
    keys = list(runs)
    for r in range(args.rounds):
        for key in keys[r % len(keys):] + keys[:r % len(keys)]:
            start = time.perf_counter()
            for _ in range(args.iters):
                _step(*runs[key])
            seconds[key].append((time.perf_counter() - start) / args.iters)
    rate = {k: args.batch_size / statistics.median(v)
            for k, v in seconds.items()}
    result = dict(
        benchmark='hallucination_throughput',
        batch_size=args.batch_size,
        input='x'.join(map(str, clip)),
        threads=args.threads,
        videos_per_s={k: round(v, 2) for k, v in rate.items()},
        step3_over_rgb_train=round(
            rate['train_step3'] / rate['train_rgb'], 3),
        rgb_hall_over_rgb_depth_test=round(
            rate['test_rgb_hall'] / rate['test_rgb_depth'], 3))
    print(json.dumps(result))
    sys.stdout.flush()
    return result


if __name__ == '__main__':
    main()
