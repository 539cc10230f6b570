# Copyright (c) fsat contributors. All rights reserved.
"""Sample records of an NTU benchmark over the real folder layout
(:func:`build_ntu_annotations`)."""
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .benchmarks import get_ntu_benchmark, load_missing_skeletons
from .names import _NAME_RE, parse_ntu_name

__all__ = ['NTU_LAYOUT', 'scan_ntu_root', 'build_ntu_annotations']

# modality -> (folder under the root, entry suffix after the name, is a dir)
NTU_LAYOUT: Dict[str, Tuple[str, str, bool]] = {
    'rgb': ('nturgb+d_rgb', '_rgb.avi', False),
    'depth': ('nturgb+d_depth_masked', '', True),
    'skeleton': ('nturgb+d_skeletons', '.skeleton', False),
    'flow': ('nturgb+d_flow', '', True),
}


def scan_ntu_root(root: str) -> Dict[str, Dict[str, str]]:
    """Find the samples of every modality under a root in the real layout.

    The layout is ``nturgb+d_rgb/<name>_rgb.avi``,
    ``nturgb+d_depth_masked/<name>/`` (``MDepth-%08d.png`` frames),
    ``nturgb+d_skeletons/<name>.skeleton`` and the optional flow folder
    ``nturgb+d_flow/<name>/`` (see :data:`NTU_LAYOUT`). Missing modality
    folders are allowed; entries that are not named after a sample are
    ignored.

    Args:
        root (str): The dataset root.

    Returns:
        dict[str, dict[str, str]]: Sample name -> modality -> path.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'NTU RGB+D root {root!r} is not a folder')
    found: Dict[str, Dict[str, str]] = {}
    for modality, (folder, suffix, is_dir) in NTU_LAYOUT.items():
        folder = osp.join(root, folder)
        if not osp.isdir(folder):
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.endswith(suffix):
                    continue
                name = entry.name[:len(entry.name) - len(suffix)]
                if (_NAME_RE.fullmatch(name)
                        and entry.is_dir() == is_dir):
                    found.setdefault(name, {})[modality] = entry.path
    return found


def build_ntu_annotations(
        benchmark: str,
        root: Optional[str] = None,
        names: Optional[Iterable[str]] = None,
        split_rule: Optional[str] = None,
        classes: Optional[Sequence[int]] = None,
        required_modalities: Sequence[str] = (),
        exclude_missing_skeletons: Optional[bool] = None
) -> Dict[str, List[dict]]:
    """Build the per-split sample records of an NTU benchmark.

    Args:
        benchmark (str): Benchmark name, see :func:`get_ntu_benchmark`.
        root (str, optional): Dataset root in the layout of
            :func:`scan_ntu_root`. Defaults to None.
        names (Iterable[str], optional): Sample names to consider. Defaults
            to None: every sample found under ``root``. One of ``root`` and
            ``names`` is needed.
        split_rule (str, optional): See :func:`get_ntu_benchmark`.
        classes (Sequence[int], optional): Action ids to keep, relabelled
            in order; see :func:`get_ntu_benchmark`.
        required_modalities (Sequence[str]): Modalities (keys of
            :data:`NTU_LAYOUT`) a sample must have under ``root`` to be
            kept; not checked without a root. Defaults to ().
        exclude_missing_skeletons (bool, optional): Drop the official
            samples with missing skeletons of the benchmark's dataset.
            Defaults to None: drop them when ``'skeleton'`` is required.

    Returns:
        dict[str, list[dict]]: ``{'train': [...], 'val': [...]}``, each a
        list sorted by name of ``dict(name=str, label=int, action=int,
        paths=dict(modality=path))``; ``paths`` holds the modalities found
        under ``root`` (empty without a root).
    """
    if root is None and names is None:
        raise ValueError('build_ntu_annotations needs a root or names')
    unknown = set(required_modalities) - set(NTU_LAYOUT)
    if unknown:
        raise ValueError(f'Unknown NTU modalities {sorted(unknown)}: '
                         f'expected some of {list(NTU_LAYOUT)}')
    bench = get_ntu_benchmark(benchmark, split_rule, classes)
    found = scan_ntu_root(root) if root is not None else {}
    if exclude_missing_skeletons is None:
        exclude_missing_skeletons = 'skeleton' in required_modalities
    excluded = (
        load_missing_skeletons(bench.dataset)
        if exclude_missing_skeletons else frozenset())

    splits: Dict[str, List[dict]] = {'train': [], 'val': []}
    for name in sorted(set(found if names is None else names)):
        sample = parse_ntu_name(name)
        split = bench.split_of(sample)
        if split is None or name in excluded:
            continue
        paths = found.get(name, {})
        if root is not None and any(modality not in paths
                                    for modality in required_modalities):
            continue
        splits[split].append(
            dict(
                name=name,
                label=bench.label_of(sample),
                action=sample.action,
                paths=dict(paths)))
    return splits

