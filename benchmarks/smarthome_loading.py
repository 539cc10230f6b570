# Copyright (c) fsat contributors. All rights reserved.
"""Training samples per second of the synthetic Toyota Smarthome configs,
with and without fsat's decode caches.

For each of the VPN++ twin's training sets (``configs/vpn/``: the RGB
student's clips, ``i3d_nl_rgb_synth.py``; VPN*'s clips with the skeleton
of the same frames, ``vpn_star_synth.py``) the same ``--num-samples``
samples are loaded in two ways, in interleaved rounds after a warm-up pass
that fills both caches and the datasets' frame counts (as the first epoch
of a run does):

* ``decode``: mmaction2's ``DecordInit`` + ``DecordDecode`` for every
  clip and the LCR-Net JSON parsed at every read
  (``FSAT_SKELETON_CACHE_MB=0``): how the configs read before;
* ``cached``: the configs as shipped, ``CachedVideoDecode`` (each video
  decoded once into ``--cache-root``) and the per-process cache of parsed
  skeleton files.

Both give the same arrays (checked on every sample of the first round).
Prints one JSON line with the median milliseconds a sample of each and
their ratio. Needs the world (``tools/data/synthesize.py --preset
smarthome``; ``FSAT_SMARTHOME_ROOT`` or ``data/synthetic_smarthome``).

Example::

    python benchmarks/smarthome_loading.py --num-samples 64 --rounds 3
"""
import argparse
import copy
import json
import os
import statistics
import time

import numpy as np
import torch

from fsat.apis import load_config
from fsat.datasets.smarthome import skeleton_io
from fsat.registry import DATASETS
from fsat.testing import repo_path

CONFIGS = dict(rgb='i3d_nl_rgb_synth.py', rgb_pose='vpn_star_synth.py')


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-samples', type=int, default=64)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--cache-root', default=None,
                        help='video cache folder (default: the configs\')')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def _datasets(name: str, cache_root):
    """The config's training set as shipped, and with mmaction2's
    decoding."""
    cfg = load_config(repo_path('configs', 'vpn', name))
    cached = copy.deepcopy(cfg.train_dataloader.dataset)
    rgb = cached.modalities.rgb.pipeline
    if rgb[0]['type'] != 'CachedVideoDecode':
        raise ValueError(f'{name}: its RGB pipeline does not start with '
                         'CachedVideoDecode')
    if cache_root:
        rgb[0]['cache_root'] = cache_root
    decode = copy.deepcopy(cached)
    decode.modalities.rgb.pipeline = [
        dict(type='DecordInit'), dict(type='DecordDecode')
    ] + list(rgb[1:])
    return DATASETS.build(cached), DATASETS.build(decode)


def _arrays(sample):
    inputs = sample['inputs']
    if isinstance(inputs, dict):
        return {k: v.numpy() for k, v in inputs.items()}
    return {'inputs': inputs.numpy()}


def _load(dataset, indices, seed, skeleton_cache: bool):
    """Seconds a sample, and the samples (same random draws per call)."""
    os.environ['FSAT_SKELETON_CACHE_MB'] = '256' if skeleton_cache else '0'
    if not skeleton_cache:
        skeleton_io._CACHE.clear()
    np.random.seed(seed)
    torch.manual_seed(seed)
    start = time.perf_counter()
    samples = [dataset[i] for i in indices]
    return (time.perf_counter() - start) / len(indices), samples


def main(argv=None) -> dict:
    """Run the benchmark and print one JSON line."""
    args = parse_args(argv)
    saved = os.environ.get('FSAT_SKELETON_CACHE_MB')
    result = dict(num_samples=args.num_samples, rounds=args.rounds)
    try:
        for key, name in CONFIGS.items():
            cached, decode = _datasets(name, args.cache_root)
            rng = np.random.default_rng(args.seed)
            indices = rng.choice(len(cached), args.num_samples,
                                 replace=False).tolist()
            _load(cached, indices, args.seed, True)  # fill the caches
            _load(decode, indices, args.seed, False)  # frame counts
            times = dict(decode=[], cached=[])
            for r in range(args.rounds):
                t_decode, ref = _load(decode, indices, args.seed + r, False)
                t_cached, got = _load(cached, indices, args.seed + r, True)
                times['decode'].append(t_decode)
                times['cached'].append(t_cached)
                if r == 0:
                    for a, b in zip(ref, got):
                        a, b = _arrays(a), _arrays(b)
                        if a.keys() != b.keys() or not all(
                                np.array_equal(a[k], b[k]) for k in a):
                            raise AssertionError(
                                f'{name}: cached and decoded samples differ')
            decode_ms = statistics.median(times['decode']) * 1e3
            cached_ms = statistics.median(times['cached']) * 1e3
            result[f'{key}_decode_ms'] = decode_ms
            result[f'{key}_cached_ms'] = cached_ms
            result[f'{key}_speedup'] = decode_ms / cached_ms
    finally:
        if saved is None:
            os.environ.pop('FSAT_SKELETON_CACHE_MB', None)
        else:
            os.environ['FSAT_SKELETON_CACHE_MB'] = saved
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                      for k, v in result.items()}))
    return result


if __name__ == '__main__':
    main()
