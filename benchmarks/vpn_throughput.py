# Copyright (c) fsat contributors. All rights reserved.
"""Training iterations per second of the VPN++ distillers against plain
RGB training.

One process, fixed in-memory batches (no data loading), the synthetic
twin's models as the shipped configs build them (``configs/vpn/*_synth.py``:
slim 3D-ResNet-18 RGB student with a non-local block, 16-channel AGCN-J,
slim VPN*; RGB person crops of the configs' clip length (8x64x64),
the skeleton of those frames, 64-frame 15-joint skeleton sequences), a
full training step each time (forward, losses, backward, SGD update):

* **rgb**: the RGB student alone (``i3d_nl_rgb_synth.py``);
* **vpnf**: VPN-F (``vpnf_scd_synth.py``) with the frozen pose teacher's
  features read from a feature cache (built here as
  ``TeacherFeatureCacheHook`` builds it: the teacher's forward on each
  video's skeleton sequence), so its batches are RGB only;
* **vpnf_online**: the same distiller with ``cached=False``: the pose
  teacher runs on the batch's skeleton sequences in every step;
* **vpna**: VPN-A (``vpna_synth.py``): the collaborative VPN* (RGB + the
  skeleton of the clip) trained with the student, attention MSE;
* **vpnpp**: VPN++ (``vpnpp_synth.py``): cached pose teacher and the
  collaborative VPN* trained with it;
* with ``--channels-last``, also **rgb_channels_last**: the RGB student
  with its 3-D convolution weights in ``channels_last_3d`` memory format
  (``ChannelsLastHook``), from the same initial weights.

Rounds of the modes are interleaved in a rotating order and the median of
each is kept, so a slow moment of a shared machine hits all alike. Prints
one JSON line with the rates and the ratios to ``rgb``.

Example::

    python benchmarks/vpn_throughput.py
    python benchmarks/vpn_throughput.py --batch-size 4 --rounds 4
    python benchmarks/vpn_throughput.py --channels-last
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    rgb='configs/vpn/i3d_nl_rgb_synth.py',
    vpnf='configs/vpn/vpnf_scd_synth.py',
    vpnf_online='configs/vpn/vpnf_scd_synth.py',
    vpna='configs/vpn/vpna_synth.py',
    vpnpp='configs/vpn/vpnpp_synth.py')
CROP = 64  # the person crops of the synthetic configs: CROP x CROP
POSE_SEQUENCE = (1, 64, 15, 3)  # the pose teacher's whole sequence
TRAIN_SET_SIZE = 1053  # synthetic CS training clips (subjects 3, 4 held out)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch-size', type=int, default=8,
                        help='clips per step (the synthetic configs: 8)')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed steps per round and mode')
    parser.add_argument('--rounds', type=int, default=6)
    parser.add_argument('--threads', type=int,
                        default=min(os.cpu_count() or 1, 2),
                        help='torch threads (default min(cores, 2))')
    parser.add_argument('--channels-last', action='store_true',
                        help='also time the RGB student with channels-last '
                        '3-D convolution weights (rgb_channels_last)')
    return parser.parse_args(argv)


def _samples(batch_size: int):
    from mmaction.structures import ActionDataSample
    out = []
    for i in range(batch_size):
        sample = ActionDataSample().set_gt_labels(i % 13)
        sample.set_metainfo(dict(video_id=f'v{i:04d}', sample_idx=i))
        out.append(sample)
    return out


def build(args):
    """The models (as their configs build them), batches and optimisers."""
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope

    from fsat.apis import load_config
    from fsat.engine.feature_cache import build_feature_cache
    from fsat.models.losses.train_set import train_set_sized_modules
    from fsat.registry import MODELS

    gen = torch.Generator().manual_seed(0)
    n = args.batch_size

    def tensors(shape):
        return [torch.randint(0, 256, (1, ) + shape, generator=gen).float()
                for _ in range(n)]

    cwd = os.getcwd()
    os.chdir(REPO)  # the configs name their teacher configs from the root
    try:
        cfgs = {k: load_config(v) for k, v in CONFIGS.items()}
    finally:
        os.chdir(cwd)
    T = cfgs['rgb'].clip_len
    rgb_clip = (3, T, CROP, CROP)  # C, T, H, W
    pose_clip = (1, T, 15, 3)  # M, T, V, C: the skeleton of the RGB clip
    rgb, pose_clip = tensors(rgb_clip), tensors(pose_clip)
    pose_sequence = [x / 255 for x in tensors(POSE_SEQUENCE)]
    batches = dict(
        rgb=dict(inputs=rgb),
        vpnf=dict(inputs=dict(rgb=rgb)),
        vpnf_online=dict(inputs=dict(rgb=rgb, skeleton=pose_sequence)),
        vpna=dict(inputs=dict(rgb=rgb, skeleton=pose_clip)),
        vpnpp=dict(inputs=dict(rgb=rgb, skeleton=pose_clip)))
    runs = {}
    with DefaultScope.overwrite_default_scope('fsat'):
        for key, cfg in cfgs.items():
            model_cfg = cfg.model.to_dict()
            if key == 'vpnf_online':
                model_cfg['teachers']['pose']['cached'] = False
            torch.manual_seed(0)
            model = MODELS.build(model_cfg)
            # num_data='train_set' (SCD's M): the synthetic CS training
            # set's size, as TrainSetSizeHook would give it
            for _, loss in train_set_sized_modules(model):
                if loss.num_data_pending:
                    loss.set_train_set_size(TRAIN_SET_SIZE)
            batch = dict(batches[key], data_samples=_samples(n))
            runs[key] = (model, batch)
    # one cache of the pose teacher's features for both cached distillers
    # (their pose teachers are the same config, initialised alike)
    teacher = runs['vpnf'][0]
    ids = [s.metainfo['video_id'] for s in runs['vpnf'][1]['data_samples']]
    videos = dict(zip(ids, pose_sequence))

    def compute(video_id):
        # as TeacherFeatureCacheHook: the teacher's view only
        one = teacher.data_preprocessor(
            dict(inputs=dict(skeleton=[videos[video_id]]),
                 data_samples=None), False)
        with torch.no_grad():
            rows = teacher.teacher_clip_features(one['inputs'],
                                                 teacher='pose')
        return rows.numpy()

    cache = build_feature_cache(
        tempfile.mkdtemp(prefix='fsat_vpn_throughput_'), 'bench', ids,
        compute, progress=False)
    for key in ('vpnf', 'vpnpp'):
        runs[key][0].set_teacher_cache(cache, teacher='pose')

    def sgd(model):
        return OptimWrapper(torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad], lr=1e-3,
            momentum=0.9, weight_decay=1e-4))

    if args.channels_last:
        from fsat.engine import to_channels_last
        model = copy.deepcopy(runs['rgb'][0])
        to_channels_last(model)
        runs['rgb_channels_last'] = (model, runs['rgb'][1])
    return {k: (m.train(), b, sgd(m)) for k, (m, b) in runs.items()}, rgb_clip


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    runs, rgb_clip = build(args)
    for model, batch, optim in runs.values():  # warm-up
        model.train_step(batch, optim)
    seconds = {k: [] for k in runs}
    keys = list(runs)
    for r in range(args.rounds):
        # rotate the order so that no mode always runs first
        for key in keys[r % len(keys):] + keys[:r % len(keys)]:
            model, batch, optim = runs[key]
            start = time.perf_counter()
            for _ in range(args.iters):
                model.train_step(batch, optim)
            seconds[key].append((time.perf_counter() - start) / args.iters)
    rate = {k: 1.0 / statistics.median(v) for k, v in seconds.items()}
    result = dict(
        benchmark='vpn_throughput',
        batch_size=args.batch_size,
        input='x'.join(map(str, rgb_clip[1:])),
        threads=args.threads,
        iters_per_s={k: round(v, 3) for k, v in rate.items()},
        **{f'{k}_over_rgb': round(rate[k] / rate['rgb'], 3)
           for k in rate if k != 'rgb'})
    print(json.dumps(result))
    sys.stdout.flush()
    return result


if __name__ == '__main__':
    main()
