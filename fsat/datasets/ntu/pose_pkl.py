# Copyright (c) fsat contributors. All rights reserved.
"""mmaction2's skeleton annotation pickle: export and reading back
(:func:`export_pose_pkl`, :func:`load_pose_pkl`; the command-line tool is
``tools/data/ntu_to_pose_pkl.py``). Training from such a pickle:
:class:`fsat.datasets.PosePklDataset`."""
import os
import os.path as osp
import sys
from typing import Dict, List, Mapping, Optional, Sequence

import mmengine
import numpy as np

from .skeleton_io import read_skeleton

__all__ = ['export_pose_pkl', 'load_pose_pkl']


def _drop_empty_bodies(keypoint: np.ndarray) -> np.ndarray:
    """Remove all-zero body slots, keeping at least one."""
    keep = np.abs(keypoint).reshape(len(keypoint), -1).sum(axis=1) > 0
    keep[0] = keep[0] or not keep.any()
    return keypoint[keep]


def export_pose_pkl(splits: Mapping[str, Sequence[Mapping]],
                    out_file: str,
                    max_bodies: int = 2,
                    drop_empty_bodies: bool = True,
                    dtype: str = 'float32',
                    progress: bool = False) -> dict:
    """Write records as mmaction2's skeleton annotation pickle.

    The format is that of mmaction2's ``tools/data/skeleton/
    gen_ntu_rgbd_raw.py`` read by ``mmaction.datasets.PoseDataset``::

        dict(split=dict(xsub_train=[frame_dir, ...], ...),
             annotations=[dict(frame_dir=name, label=int,
                               keypoint=float32|float16 (M, T, 25, 3),
                               total_frames=T), ...])

    so that ``PoseDataset(ann_file=out_file, split='xsub_train', ...)``
    loads it. Keypoints are stored as float32 by default (mmaction2 stores
    float16, see ``dtype``). Bodies are chosen by fsat's rule
    (:func:`read_skeleton`), which can keep other people than mmaction2's
    converter on multi-body files (:mod:`.skeleton_io`). The file is
    written to a temporary name and renamed, so an interrupted export
    leaves no partial ``out_file``.

    Args:
        splits (Mapping[str, Sequence[Mapping]]): Split name (e.g.
            ``'xsub_train'``, see :attr:`NtuBenchmark.split_names`) ->
            records of :func:`build_ntu_annotations`, which must have a
            ``paths['skeleton']``. A sample may be in several splits (e.g.
            the splits of two benchmarks); it is read once.
        out_file (str): The ``.pkl`` file to write.
        max_bodies (int): Body slots read per sample, see
            :func:`read_skeleton`. Defaults to 2.
        drop_empty_bodies (bool): Remove all-zero body slots (keeping at
            least one), as mmaction2's generator does; its
            ``FormatGCNInput`` pads them back. Defaults to True.
        dtype (str): ``'float32'`` or ``'float16'`` (mmaction2's choice:
            half the size, about 2 mm steps at 3 m). Defaults to
            ``'float32'``.
        progress (bool): Show a progress bar (tqdm, on stderr) while the
            skeleton files are read. Defaults to False.

    Returns:
        dict: The object written.
    """
    if not out_file.endswith('.pkl'):
        raise ValueError(f'out_file must end with .pkl (mmaction2 '
                         f'PoseDataset asserts it), got {out_file!r}')
    if dtype not in ('float32', 'float16'):
        raise ValueError(f"dtype must be 'float32' or 'float16', got "
                         f'{dtype!r}')
    from tqdm import tqdm
    num_samples = len({record['name'] for records in splits.values()
                       for record in records})
    bar = tqdm(total=num_samples, unit='sample', disable=not progress,
               file=sys.stderr)
    annotations: Dict[str, dict] = {}
    split_names: Dict[str, List[str]] = {}
    for split, records in splits.items():
        split_names[split] = []
        for record in records:
            name = record['name']
            split_names[split].append(name)
            if name in annotations:
                if annotations[name]['label'] != record['label']:
                    raise ValueError(f'Sample {name} has two labels in the '
                                     'splits to export')
                continue
            skeleton_path = record.get('paths', {}).get('skeleton')
            if skeleton_path is None:
                raise ValueError(f'Sample {name} has no skeleton path')
            keypoint = read_skeleton(skeleton_path, max_bodies)
            if drop_empty_bodies:
                keypoint = _drop_empty_bodies(keypoint)
            annotations[name] = dict(
                frame_dir=name,
                label=int(record['label']),
                keypoint=keypoint.astype(dtype, copy=False),
                total_frames=keypoint.shape[1])
            bar.update()
    bar.close()
    data = dict(split=split_names, annotations=list(annotations.values()))
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    tmp = out_file + '.tmp'
    try:
        mmengine.dump(data, tmp, file_format='pkl')
        os.replace(tmp, out_file)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return data


def load_pose_pkl(ann_file: str, split: Optional[str] = None) -> List[dict]:
    """Read an mmaction2 skeleton annotation pickle back.

    Args:
        ann_file (str): The ``.pkl`` file.
        split (str, optional): Keep only the annotations of this split, as
            ``PoseDataset`` does. Defaults to None (all annotations).

    Returns:
        list[dict]: The annotations (``frame_dir``, ``label``, ``keypoint``
        (M, T, V, C), ``total_frames``, ...).
    """
    data = mmengine.load(ann_file)
    if not isinstance(data, dict) or not {'split', 'annotations'} <= set(
            data):
        raise ValueError(f'{ann_file}: expected a dict with keys "split" '
                         'and "annotations"')
    annotations = data['annotations']
    for anno in annotations:
        keypoint = np.asarray(anno.get('keypoint'))
        if keypoint.ndim != 4 or keypoint.shape[1] != anno.get(
                'total_frames'):
            raise ValueError(
                f'{ann_file}: annotation {anno.get("frame_dir")!r} needs a '
                'keypoint (M, T, V, C) with T == total_frames')
    if split is None:
        return annotations
    if split not in data['split']:
        raise KeyError(f'{ann_file}: no split {split!r}; it has '
                       f'{sorted(data["split"])}')
    members = set(data['split'][split])
    return [anno for anno in annotations if anno['frame_dir'] in members]
