#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Convert NTU RGB+D ``.skeleton`` files to mmaction2's skeleton pickle.

Writes ``dict(split=dict(xsub_train=[...], xsub_val=[...], ...),
annotations=[dict(frame_dir, label, keypoint (M, T, 25, 3), total_frames),
...])``, the format of mmaction2's ``ntu60_3d.pkl`` / ``ntu120_3d.pkl``, read
by mmaction2's ``PoseDataset`` and fsat's ``PosePklDataset``
(``configs/finetune/skeleton_stgcn_ntu60_xview_pkl.py``). The samples with
missing skeletons of the official lists are left out, as mmaction2 does.
Bodies are chosen by fsat's rule (tracked by bodyID, ranked by variance;
``docs/datasets.md``), which can differ from mmaction2's converter on
multi-body files. Examples::

    # NTU-60: splits xsub_train/xsub_val/xview_train/xview_val, float16
    python tools/data/ntu_to_pose_pkl.py data/nturgbd \\
        data/skeleton/ntu60_fsat.pkl --dataset ntu60 --float16

    # NTU-120 classes 61-120 relabelled 0..59 (FSAT's source benchmark)
    python tools/data/ntu_to_pose_pkl.py data/nturgbd ntu120_minus_60.pkl \\
        --benchmarks ntu120_minus_60
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List

from fsat.datasets.ntu import (
    NTU_BENCHMARKS,
    NTU_LAYOUT,
    build_ntu_annotations,
    export_pose_pkl,
    get_ntu_benchmark,
)
from fsat.utils.cli import FsatUserError, run_cli

#: The benchmarks of each dataset, as mmaction2's generator writes them.
DATASET_BENCHMARKS = {
    'ntu60': ('ntu60_xsub', 'ntu60_xview'),
    'ntu120': ('ntu120_xsub', 'ntu120_xset'),
}


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Convert NTU RGB+D .skeleton files into an mmaction2 '
        'skeleton annotation pickle (the format of ntu60_3d.pkl).')
    parser.add_argument(
        'root',
        help='NTU root holding nturgb+d_skeletons/<name>.skeleton')
    parser.add_argument('out_file', help='the .pkl file to write')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--dataset', choices=sorted(DATASET_BENCHMARKS), default='ntu60',
        help='ntu60: xsub and xview splits; ntu120: xsub and xset splits '
        '(default: ntu60)')
    group.add_argument(
        '--benchmarks', nargs='+', choices=NTU_BENCHMARKS, metavar='NAME',
        help='benchmarks to write instead of --dataset, from '
        f'{", ".join(NTU_BENCHMARKS)} (ntu120_minus_60 relabels classes and '
        'must be alone)')
    parser.add_argument(
        '--max-bodies', type=int, default=2,
        help='body slots kept per sample (default: 2, as mmaction2)')
    parser.add_argument(
        '--keep-empty-bodies', action='store_true',
        help='keep all-zero body slots (mmaction2 removes them)')
    parser.add_argument(
        '--float16', action='store_true',
        help='store keypoints as float16 like mmaction2 (half the size); '
        'default float32')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    args = parser.parse_args(argv)
    if args.max_bodies < 1:
        parser.error('--max-bodies must be at least 1')
    if not args.out_file.endswith('.pkl'):
        parser.error(f'out_file must end with .pkl (mmaction2 PoseDataset '
                     f'asserts it), got {args.out_file!r}')
    benchmarks = args.benchmarks or DATASET_BENCHMARKS[args.dataset]
    if 'ntu120_minus_60' in benchmarks and len(benchmarks) > 1:
        parser.error('ntu120_minus_60 relabels classes 61-120 as 0..59 and '
                     'names its splits like ntu120_xsub: give it alone')
    if len(set(benchmarks)) != len(benchmarks):
        parser.error(f'--benchmarks lists a benchmark twice: {benchmarks}')
    args.benchmark_names = list(benchmarks)
    return args


def collect_splits(root: str, benchmarks: List[str]) -> Dict[str, list]:
    """The records of every split of the benchmarks, by mmaction2 name.

    Args:
        root (str): The NTU root.
        benchmarks (list[str]): Benchmark names.

    Returns:
        dict[str, list]: e.g. ``{'xsub_train': [...], 'xsub_val': [...]}``.
    """
    folder = osp.join(root, NTU_LAYOUT['skeleton'][0])
    if not osp.isdir(folder):
        raise FsatUserError(
            f'{root}: no {NTU_LAYOUT["skeleton"][0]}/ folder with the '
            '.skeleton files; give the NTU root that contains it')
    splits: Dict[str, list] = {}
    for name in benchmarks:
        bench = get_ntu_benchmark(name)
        records = build_ntu_annotations(
            name, root=root, required_modalities=('skeleton', ))
        for split, mma_name in zip(('train', 'val'), bench.split_names):
            if mma_name in splits:
                raise FsatUserError(
                    f'two benchmarks write the split {mma_name!r}: '
                    f'{", ".join(benchmarks)}')
            splits[mma_name] = records[split]
    if not any(splits.values()):
        raise FsatUserError(
            f'{folder}: no .skeleton file of {", ".join(benchmarks)} '
            '(files are named SsssCcccPpppRrrrAaaa.skeleton)')
    return splits


def main(argv=None) -> None:
    """Run the conversion.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.
    """
    args = parse_args(argv)
    splits = collect_splits(args.root, args.benchmark_names)
    counts = ', '.join(f'{split} {len(records)}'
                       for split, records in splits.items())
    print(f'{args.root}: {counts}', file=sys.stderr)
    start = time.perf_counter()
    try:
        data = export_pose_pkl(
            splits, args.out_file, max_bodies=args.max_bodies,
            drop_empty_bodies=not args.keep_empty_bodies,
            dtype='float16' if args.float16 else 'float32',
            progress=not args.no_progress)
    except ValueError as e:  # a malformed .skeleton file, named
        raise FsatUserError(str(e)) from None
    print(f'wrote {args.out_file}: {len(data["annotations"])} samples, '
          f'splits {", ".join(data["split"])} '
          f'({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    run_cli(main, prog='ntu_to_pose_pkl')
