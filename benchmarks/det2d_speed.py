# Copyright (c) fsat contributors. All rights reserved.
"""Time fsat's 2-D detection ops and the synthetic-world Fast R-CNN.

Reports, in one JSON line, the median of ``--runs`` timed runs (after
one warm-up) of

* ``roi_align`` (adaptive and fixed ``sampling_ratio=2``) and
  ``roi_pool``, forward and forward + backward, for ``--rois`` random
  boxes on a ``[1, C, H, W]`` map (7x7 bins, stride 8);
* ``roi_align`` (``sampling_ratio=2``, forward: a test step) on every
  sliding window of ``--config`` at ``--image-size``, on a map of an
  eighth of that size: many small RoIs, the case the matrix-product form
  of ``roi_align`` is fastest on;
* the greedy loop of ``nms_2d`` at IoU 0.7 on 2,000 RPN-like proposals
  (jittered copies of 20 objects' boxes), in numpy (float32 boxes, what
  ``nms_2d`` runs) and in torch (its loop for other dtypes), on the same
  boxes; the same for ``nms_1d`` (R-C3D's temporal NMS) on 2,000
  jittered copies of 20 segments of a 768-frame video;
* one training step (forward, backward, AdamW) and one test step of the
  FastRCNN2D of ``--config`` (default the synthetic NYUD2 RGB detector)
  on a batch of random images at the config's training size, with its
  sliding-window proposals.

Example::

    OMP_NUM_THREADS=1 python benchmarks/det2d_speed.py --threads 1
"""
import argparse
import json
import statistics
import time
from typing import Callable, Dict

import torch
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement, InstanceData

from fsat.apis import load_config
from fsat.datasets.transforms import sliding_window_boxes
from fsat.models.ops import nms1d, roi_align, roi_pool
from fsat.models.ops.nms2d import _greedy_numpy, _greedy_torch
from fsat.registry import MODELS
from fsat.testing import repo_path

DEFAULT_CONFIG = repo_path('configs', 'detection2d',
                           'frcnn_r18_rgb_nyud2_synth.py')


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='a FastRCNN2D config (single modality)')
    parser.add_argument('--rois', type=int, default=512)
    parser.add_argument('--channels', type=int, default=128)
    parser.add_argument('--map-size', type=int, nargs=2, default=(30, 40),
                        metavar=('H', 'W'))
    parser.add_argument('--image-size', type=int, nargs=2,
                        default=(240, 320), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args(argv)


def median_time(fn: Callable[[], None], runs: int) -> float:
    """Median seconds of ``runs`` calls of ``fn`` after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def random_rois(num: int, height: int, width: int,
                generator: torch.Generator) -> torch.Tensor:
    """``num`` boxes ``(0, x1, y1, x2, y2)`` inside a ``height x width``
    image, 8 to 2/3 of the image wide and high."""
    size = torch.rand(num, 2, generator=generator)
    wh = 8 + size * (torch.tensor([width, height]) * 2 / 3 - 8)
    corner = torch.rand(num, 2, generator=generator) * (
        torch.tensor([width, height]) - wh)
    return torch.cat([torch.zeros(num, 1), corner, corner + wh], 1)


def time_ops(args) -> Dict[str, float]:
    """Seconds of the RoI ops, forward and forward + backward."""
    gen = torch.Generator().manual_seed(0)
    h, w = args.map_size
    feats = torch.randn(1, args.channels, h, w, generator=gen)
    rois = random_rois(args.rois, h * 8, w * 8, gen)
    ops = dict(
        roi_align_adaptive=lambda f: roi_align(f, rois, 7, 1 / 8, 0),
        roi_align_sr2=lambda f: roi_align(f, rois, 7, 1 / 8, 2),
        roi_pool=lambda f: roi_pool(f, rois, 7, 1 / 8))
    out = {}
    for name, op in ops.items():
        with torch.no_grad():
            out[f'{name}_forward_s'] = median_time(lambda: op(feats),
                                                   args.runs)
        grad_feats = feats.clone().requires_grad_(True)
        out[f'{name}_train_s'] = median_time(
            lambda: op(grad_feats).sum().backward(), args.runs)
    return out


def time_greedy_loops(name: str, items: torch.Tensor,
                      gen: torch.Generator, numpy_loop, torch_loop,
                      runs: int, *args) -> Dict[str, float]:
    """Seconds of an NMS's numpy and torch greedy loops on the same
    ``items``, ranked by random scores drawn from ``gen``, at IoU 0.7,
    after checking that both keep the same ones."""
    scores = torch.rand(len(items), generator=gen)
    ranked = items[scores.argsort(descending=True)].float()
    kept = numpy_loop(ranked, 0.7, -1, *args)
    if kept != torch_loop(ranked, 0.7, -1, *args):
        raise AssertionError(f'the numpy and torch {name} loops disagree')
    numpy_s = median_time(lambda: numpy_loop(ranked, 0.7, -1, *args), runs)
    torch_s = median_time(lambda: torch_loop(ranked, 0.7, -1, *args), runs)
    return {f'{name}_2000_kept': len(kept), f'{name}_2000_numpy_s': numpy_s,
            f'{name}_2000_torch_s': torch_s,
            f'{name}_2000_speedup': torch_s / numpy_s}


def time_nms(runs: int) -> Dict[str, float]:
    """The greedy loops of ``nms_2d`` on RPN-like proposals: jittered
    copies of 20 objects' boxes."""
    gen = torch.Generator().manual_seed(0)
    objects = random_rois(20, 240, 320, gen)[:, 1:]
    boxes = objects[torch.randint(0, 20, (2000, ), generator=gen)]
    boxes = boxes + torch.randn(2000, 4, generator=gen) * 6
    return time_greedy_loops('nms', boxes, gen, _greedy_numpy,
                             _greedy_torch, runs, 0)


def time_nms1d(runs: int) -> Dict[str, float]:
    """The greedy loops of ``nms_1d`` on jittered copies of 20 segments
    of a 768-frame video."""
    gen = torch.Generator().manual_seed(0)
    start = torch.rand(20, generator=gen) * 700
    objects = torch.stack([start, start + 16 + torch.rand(
        20, generator=gen) * 200], 1)
    segments = objects[torch.randint(0, 20, (2000, ), generator=gen)]
    segments = segments + torch.randn(2000, 2, generator=gen) * 8
    return time_greedy_loops('nms1d', segments, gen, nms1d._greedy_numpy,
                             nms1d._greedy_torch, runs)


def config_windows(cfg, image_size) -> torch.Tensor:
    """The sliding windows of ``cfg`` (or the synthetic detectors'
    defaults) on an image of ``image_size``, ``[N, 4]`` float32."""
    windows = cfg.get('windows', dict(scales=(32, 64, 128, 256),
                                      ratios=(0.5, 1.0, 2.0),
                                      stride_ratio=0.5))
    return torch.from_numpy(sliding_window_boxes(
        image_size, windows['scales'], windows['ratios'],
        windows.get('stride_ratio', 0.5), windows.get('stride'))).float()


def time_windows(args, cfg) -> Dict[str, float]:
    """Seconds of one forward ``roi_align`` over the sliding windows of
    the detector config ``cfg``, as a test step of a window detector runs
    it."""
    boxes = config_windows(cfg, args.image_size)
    rois = torch.cat([torch.zeros(len(boxes), 1), boxes], 1)
    h, w = (-(-side // 8) for side in args.image_size)
    feats = torch.randn(1, args.channels, h, w,
                        generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        seconds = median_time(lambda: roi_align(feats, rois, 7, 1 / 8, 2),
                              args.runs)
    return dict(windows=len(rois), roi_align_windows_sr2_forward_s=seconds)


def time_detector(args, cfg) -> Dict[str, float]:
    """Seconds of one train step and one test step of the detector of
    config ``cfg`` on random images with sliding-window proposals."""
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(cfg.model)
    h, w = args.image_size
    boxes = config_windows(cfg, (h, w))
    gen = torch.Generator().manual_seed(0)

    def batch():
        inputs, samples = [], []
        for i in range(args.batch):
            inputs.append(torch.randint(0, 256, (3, h, w), generator=gen,
                                        dtype=torch.uint8))
            sample = BaseDataElement(metainfo=dict(
                img_id=str(i), ori_shape=(h, w), img_shape=(h, w),
                scale_factor=(1.0, 1.0)))
            gt = random_rois(3, h, w, gen)[:, 1:]
            sample.gt_instances = InstanceData(
                bboxes=gt, labels=torch.arange(3) % cfg.num_classes,
                difficult=torch.zeros(3, dtype=torch.bool))
            sample.proposals = InstanceData(bboxes=boxes.float())
            samples.append(sample)
        return dict(inputs=inputs, data_samples=samples)

    data = batch()
    optim = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def train_step():
        model.train()
        losses = model(**model.data_preprocessor(data, True), mode='loss')
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()

    def test_step():
        model.eval()
        with torch.no_grad():
            model(**model.data_preprocessor(data, False), mode='predict')

    return dict(train_step_s=median_time(train_step, args.runs),
                test_step_s=median_time(test_step, args.runs),
                proposals_per_image=len(boxes))


def main(argv=None) -> dict:
    """Run the benchmark and print one JSON line."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    result = dict(rois=args.rois, channels=args.channels,
                  map_size=list(args.map_size),
                  image_size=list(args.image_size), batch=args.batch,
                  threads=torch.get_num_threads())
    cfg = load_config(args.config)
    result.update(time_ops(args))
    result.update(time_windows(args, cfg))
    result.update(time_nms(args.runs))
    result.update(time_nms1d(args.runs))
    result.update(time_detector(args, cfg))
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                      for k, v in result.items()}))
    return result


if __name__ == '__main__':
    main()
