# Copyright (c) fsat contributors. All rights reserved.
"""What a training step waits for a batch that a worker already has ready.

On a fast CPU step, MMEngine's ``data_time`` is mostly the main process
receiving a finished batch from a DataLoader worker: unpickling the data
samples and one shared-memory segment per tensor. This benchmark times
exactly that, for three collate functions:

* ``pseudo_collate``: MMEngine's default (one segment per tensor);
* ``shared_collate_no_inline``: :func:`fsat.datasets.shared_collate` with
  :data:`~fsat.datasets.collate.INLINE_BYTES` = 0 (the clips of a batch in
  one segment; every label still in its own);
* ``shared_collate``: as shipped (small tensors travel inside the pickle).

It waits ``--wait`` seconds before each fetch, so the workers are always
ahead and only the hand-over is timed. The samples are the demo's
fine-tuning batch (``--batch-size`` depth clips of ``--shape`` with an
``ActionDataSample`` each, metainfo as the paired dataset writes it), or,
with ``--config``, the training set of that config. Prints one JSON line
with the median fetch time (ms) per collate function.

Example::

    python benchmarks/collate_ipc.py
    python benchmarks/collate_ipc.py \\
        --config configs/finetune/depth_r3d18_synth.py
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader, Dataset

from fsat.datasets import collate


class DemoLikeSamples(Dataset):
    """Depth clips with data samples shaped like the demo's fine-tuning
    samples."""

    def __init__(self, shape, length: int = 512) -> None:
        self.shape = tuple(shape)
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> dict:
        from mmaction.structures import ActionDataSample
        sample = ActionDataSample().set_gt_labels(i % 10)
        sample.set_metainfo(dict(
            video_id=f'S007C002P022R001A{1 + i % 10:03d}',
            frame_inds=dict(depth=np.arange(16) + i % 40),
            total_frames=66, clip_slot=2, sample_idx=i, labeled=True,
            num_slots=4,
            modality_meta=dict(depth=dict(
                img_shape=self.shape[-2:], num_clips=1, clip_len=16,
                depth_stats=dict(valid_fraction=0.05, mean_mm=2985.4,
                                 min_mm=2594.0, max_mm=3149.0)))))
        clip = torch.rand(self.shape)
        return dict(inputs=clip, data_samples=sample)


def config_dataset(path: str, data_root: str = None):
    from mmengine.registry import init_default_scope

    import fsat.datasets  # noqa: F401 (registers the dataset)
    from fsat.apis import load_config
    from fsat.registry import DATASETS
    init_default_scope('fsat')
    options = {}
    if data_root:
        options['train_dataloader.dataset.data_root'] = data_root
    cfg = load_config(path, options)
    return DATASETS.build(cfg.train_dataloader.dataset)


def fetch_ms(dataset, collate_fn, batch_size: int, workers: int,
             batches: int, wait: float) -> float:
    """Median time (ms) of ``next()`` on a loader whose workers are ahead."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        num_workers=workers, collate_fn=collate_fn,
                        prefetch_factor=2, persistent_workers=False)
    times = []
    it = iter(loader)
    next(it)  # worker start-up
    for _ in range(min(batches, len(loader) - 1)):
        time.sleep(wait)
        start = time.perf_counter()
        next(it)
        times.append(time.perf_counter() - start)
    del it
    return 1000 * statistics.median(times)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', help='time this config\'s training set '
                        'instead of demo-like samples')
    parser.add_argument('--data-root', help='override the config\'s root')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--shape', type=int, nargs='+',
                        default=[1, 3, 16, 32, 32],
                        help='clip shape of the demo-like samples')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--batches', type=int, default=40)
    parser.add_argument('--wait', type=float, default=0.05,
                        help='seconds between fetches (workers get ahead)')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.config:
        dataset = config_dataset(args.config, args.data_root)
    else:
        dataset = DemoLikeSamples(args.shape)
    inline = collate.INLINE_BYTES
    out = dict(batch_size=args.batch_size, workers=args.workers,
               source=args.config or f'demo-like {args.shape}', fetch_ms={})
    runs = (('pseudo_collate', pseudo_collate, inline),
            ('shared_collate_no_inline', collate.shared_collate, 0),
            ('shared_collate', collate.shared_collate, inline))
    try:
        for name, fn, limit in runs:
            collate.INLINE_BYTES = limit  # forked workers inherit it
            out['fetch_ms'][name] = round(fetch_ms(
                dataset, fn, args.batch_size, args.workers, args.batches,
                args.wait), 3)
    finally:
        collate.INLINE_BYTES = inline
    print(json.dumps(out), flush=True)
    return out


if __name__ == '__main__':
    main()
