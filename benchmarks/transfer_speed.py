# Copyright (c) fsat contributors. All rights reserved.
"""Training iterations per second of supervision transfer against the
plain student.

One process, fixed in-memory batches of random images (no data loading),
the model of a ``SupervisionTransferDistiller`` config (``--model``,
default the synthetic NYUD2 RGB -> HHA ResNet-18 of
``configs/supervision_transfer/rgb2hha_r18_nyud2_synth.py``), built with
its teacher checkpoint set to None (a random teacher, which the distiller
warns about: the timing is the same), its optimiser wrapper (default
AdamW) and a full training step each time (preprocessing, forward, loss,
backward, update) through MMEngine's ``train_step``:

* **plain**: the student backbone alone, with a trivial loss (the mean
  square of its tapped map): what a plain step of the student costs;
* **online**: transfer with the teacher online (``teacher_source=
  'online'``): the teacher's forward on the RGB images in every step;
* **cache_float32**, **cache_float16**: transfer with the teacher's maps
  read from a feature cache (``teacher_source='cache'``), built
  beforehand as ``TeacherFeatureCacheHook`` builds it (the teacher's map
  of each sample id) in either storage type; these batches carry the
  student's images only.

Every model sees the same images; the steps cycle over a few batches of
distinct sample ids, so the cached steps read different rows. Rounds of
one step of each variant are interleaved, in an order that rotates
between rounds, and the median step time of each is kept, so a slow
moment of a shared machine hits all alike. Prints the rates, the ratios to
``plain`` and whether cached transfer runs at least 0.9 times as fast as
the plain student, then one JSON line (also written to ``--json``).

Example::

    python benchmarks/transfer_speed.py --threads 2
    python benchmarks/transfer_speed.py --iters 5 --size 120 160 --json t.json
"""
import argparse
import json
import math
import os
import os.path as osp
import shutil
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import torch
from mmengine.model import BaseModel
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

from fsat.apis import load_config
from fsat.testing import repo_path

DEFAULT_CONFIG = repo_path('configs', 'supervision_transfer',
                           'rgb2hha_r18_nyud2_synth.py')
VARIANTS = ('plain', 'online', 'cache_float32', 'cache_float16')
CACHED = ('cache_float32', 'cache_float16')
#: cached transfer must run at least this fraction of the plain rate
THRESHOLD = 0.9
#: the steps cycle over this many batches of distinct sample ids
NUM_BATCHES = 4
DEFAULT_OPTIM = dict(optimizer=dict(type='AdamW', lr=1e-3))


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line; a bad value is a one-line usage error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default=DEFAULT_CONFIG,
                        help='a SupervisionTransferDistiller config')
    parser.add_argument('--iters', type=int, default=20,
                        help='timed steps of each variant')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed steps of each variant first')
    parser.add_argument('--batch-size', type=int, default=None,
                        help="images per step (default the config's "
                        'train_dataloader.batch_size, else 4)')
    parser.add_argument('--size', type=int, nargs=2, default=(240, 320),
                        metavar=('H', 'W'), help='image size')
    parser.add_argument('--threads', type=int,
                        default=min(os.cpu_count() or 1, 2),
                        help='torch threads (default min(cores, 2))')
    parser.add_argument('--json', default=None, metavar='OUT',
                        help='also write the result to this JSON file')
    args = parser.parse_args(argv)
    if not osp.isfile(args.model):
        parser.error(f'--model: no such config file: {args.model}')
    for name, least in (('iters', 1), ('warmup', 0), ('threads', 1)):
        if getattr(args, name) < least:
            parser.error(f'--{name} must be >= {least}, got '
                         f'{getattr(args, name)}')
    if args.batch_size is not None and args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if min(args.size) < 1:
        parser.error(f'--size must be two positive numbers H W, got '
                     f'{" ".join(map(str, args.size))}')
    return args


class PlainStudent(BaseModel):
    """The student of a distiller on its own: its data preprocessor, its
    backbone and a trivial loss (the mean square of the tapped map), so
    that a step costs what training the student alone costs.

    Args:
        distiller (SupervisionTransferDistiller): Whose student, student
            tap, data preprocessor and frozen student parts to use.
    """

    def __init__(self, distiller) -> None:
        super().__init__(data_preprocessor=distiller.data_preprocessor)
        self.student = distiller.student
        self.modality = distiller.student_modality
        self._taps = distiller.tap_managers['student']
        self._run_model = distiller.run_model
        self._frozen = list(distiller._frozen_student)

    def train(self, mode: bool = True) -> 'PlainStudent':
        """Frozen student parts stay in eval mode, as in the distiller."""
        super().train(mode)
        for module in self._frozen:
            module.eval()
        return self

    def forward(self, inputs, data_samples=None, mode: str = 'loss'):
        """``dict(loss_plain=mean(map ** 2))`` of the student's tap."""
        if mode != 'loss':
            raise ValueError(f'PlainStudent runs mode="loss" only, not '
                             f'{mode!r}')
        with self._taps.record(self.student) as records:
            self._run_model(self.student, inputs[self.modality])
        return dict(loss_plain=records['feat'].float().pow(2).mean())


def _samples(id_key: str, ids: List[str], size: Tuple[int, int]):
    return [
        BaseDataElement(metainfo={
            id_key: sample_id,
            'ori_shape': size,
            'img_shape': size,
            'scale_factor': (1.0, 1.0)
        }) for sample_id in ids
    ]


def _model_cfg(cfg, teacher_source: str) -> dict:
    """The config's model with no teacher checkpoint and the given
    teacher source; a cached one's batches may lack any modality."""
    model = cfg.model.to_dict()
    if model.get('type') != 'SupervisionTransferDistiller':
        raise ValueError(f'--model: {cfg.filename} builds a '
                         f"{model.get('type')!r}, not a "
                         'SupervisionTransferDistiller')
    model['teacher'] = dict(model['teacher'], checkpoint=None)
    model['teacher_source'] = teacher_source
    pre = model.get('data_preprocessor')
    if teacher_source == 'cache' and isinstance(pre, dict) and \
            pre.get('type') == 'PairedDataPreprocessor':
        # training batches of a cached teacher carry the student's view
        # only; the cache is computed from the teacher's view only
        model['data_preprocessor'] = dict(
            pre, optional=sorted(set(pre.get('optional', ()))
                                 | set(pre.get('preprocessors', {}))))
    return model


def build(args) -> Tuple[Dict[str, tuple], str]:
    """The four variants, ``name -> (model, batches, optim_wrapper)``, and
    the folder of their caches (to remove afterwards)."""
    from fsat.engine.feature_cache import build_feature_cache
    from fsat.registry import MODELS

    cfg = load_config(args.model)
    batch_size = args.batch_size or cfg.get('train_dataloader', {}).get(
        'batch_size', 4)
    size = tuple(args.size)
    with DefaultScope.overwrite_default_scope('fsat'):
        models = {}
        for name, source in (('plain', 'cache'), ('online', 'online'),
                             ('cache_float32', 'cache'),
                             ('cache_float16', 'cache')):
            torch.manual_seed(0)  # the same student and teacher in each
            models[name] = MODELS.build(_model_cfg(cfg, source))
        models['plain'] = PlainStudent(models['plain'])
        optim_cfg = cfg.get('optim_wrapper', None) or DEFAULT_OPTIM
        optims = {
            name: build_optim_wrapper(model, optim_cfg)
            for name, model in models.items()
        }
    online = models['online']
    teacher_key, student_key = online.teacher_modality, \
        online.student_modality
    channels = {
        key: getattr(model, 'in_channels', 3)
        for key, model in ((teacher_key, online.teachers['teacher']),
                           (student_key, online.student))
    }
    gen = torch.Generator().manual_seed(0)
    images = {
        key: [
            torch.randint(0, 256, (c, ) + size, generator=gen,
                          dtype=torch.uint8) for _ in range(batch_size)
        ]
        for key, c in channels.items()
    }
    ids = [[f'{k * batch_size + i:05d}' for i in range(batch_size)]
           for k in range(NUM_BATCHES)]
    id_key = online.sample_id_key
    runs = {}
    for name, model in models.items():
        keys = (teacher_key, student_key) if name == 'online' else (
            student_key, )
        batches = [
            dict(inputs={key: images[key] for key in keys},
                 data_samples=_samples(id_key, batch_ids, size))
            for batch_ids in ids
        ]
        runs[name] = (model.train(), batches, optims[name])

    def compute(sample_id: str):
        # as TeacherFeatureCacheHook: one image of the teacher's view
        # through the (cached) distiller's preprocessor
        image = images[teacher_key][int(sample_id) % batch_size]
        model = models['cache_float32']
        one = model.data_preprocessor(
            dict(inputs={teacher_key: [image]}, data_samples=None), False)
        with torch.no_grad():
            return model.teacher_clip_features(
                one['inputs']).float().numpy()

    tmp = tempfile.mkdtemp(prefix='fsat_transfer_speed_')
    all_ids = [i for batch_ids in ids for i in batch_ids]
    for name in CACHED:
        dtype = name.split('_')[1]
        cache = build_feature_cache(tmp, f'bench-{dtype}', all_ids, compute,
                                    progress=False, dtype=dtype)
        models[name].set_teacher_cache(cache)
    return runs, tmp


def _round(value: float) -> float:
    """Four significant digits."""
    return float(f'{value:.4g}')


def time_variants(runs: Dict[str, tuple], iters: int,
                  warmup: int) -> Dict[str, float]:
    """Median seconds of one step of each variant, interleaved."""
    step_index = {name: 0 for name in VARIANTS}

    def step(name: str) -> None:
        model, batches, optim = runs[name]
        batch = batches[step_index[name] % len(batches)]
        step_index[name] += 1
        model.train_step(batch, optim)

    for _ in range(warmup):
        for name in VARIANTS:
            step(name)
    seconds = {name: [] for name in VARIANTS}
    for r in range(iters):
        # rotate the order so that no variant always runs first
        shift = r % len(VARIANTS)
        for name in VARIANTS[shift:] + VARIANTS[:shift]:
            start = time.perf_counter()
            step(name)
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(v) for name, v in seconds.items()}


def summary(result: dict) -> str:
    """The result as a few readable lines."""
    rate = result['iters_per_s']
    lines = [
        f"transfer_speed: {osp.basename(result['model'])}, batch "
        f"{result['batch_size']}, {result['size']} images, teacher map "
        f"{result['teacher_map']}, {result['threads']} threads, median of "
        f"{result['iters']} steps"
    ]
    for name in VARIANTS:
        ratio = ('' if name == 'plain' else
                 f"   {result[f'{name}_over_plain']:.3f} x plain")
        lines.append(f'  {name:<14}{rate[name]:>10.3f} it/s{ratio}')
    lines.append(
        f"cached / plain >= {THRESHOLD}: "
        f"{'HOLDS' if result['acceptance_holds'] else 'FAILS'} (min "
        f"{result['cached_over_plain_min']:.3f})")
    return '\n'.join(lines)


def main(argv=None) -> dict:
    """Run the benchmark; print the summary and one JSON line."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    runs, tmp = build(args)
    try:
        step_s = time_variants(runs, args.iters, args.warmup)
        cache = runs['cache_float32'][0]._teacher_cache
        batch_size = len(runs['plain'][1][0]['data_samples'])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = {name: 1.0 / s for name, s in step_s.items()}
    ratios = {name: rate[name] / rate['plain'] for name in VARIANTS[1:]}
    worst = min(ratios[name] for name in CACHED)
    result = dict(
        benchmark='transfer_speed',
        model=args.model,
        batch_size=batch_size,
        size='x'.join(map(str, args.size)),
        teacher_map='x'.join(map(str, cache.item_shape)),
        threads=torch.get_num_threads(),
        iters=args.iters,
        warmup=args.warmup,
        iters_per_s={name: _round(v) for name, v in rate.items()},
        **{f'{name}_over_plain': _round(v)
           for name, v in ratios.items()},
        cached_over_plain_min=_round(worst),
        acceptance_threshold=THRESHOLD,
        acceptance_holds=bool(worst >= THRESHOLD and math.isfinite(worst)))
    print(summary(result))
    print(json.dumps(result))
    sys.stdout.flush()
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
            f.write('\n')
    return result


if __name__ == '__main__':
    main()
