# Copyright (c) fsat contributors. All rights reserved.
"""The 19 NYUD2 detection classes of Gupta et al. and their 2-D boxes.

Gupta et al. (ECCV 2014), and Gupta, Hoffman and Malik's supervision
transfer after them, evaluate object detection on NYUD2 over 19 classes
(:data:`NYUD2_DET_CLASSES`, in their order). Their ground-truth boxes come
from their own per-image instance maps and a mapping of the 894 NYU names
to classes (``classMappingAll``, not public as text): each instance takes
the class of at least half of its pixels and its box is the tight
1-based inclusive ``[xmin, ymin, xmax, ymax]`` of its pixels
(``s-gupta/nyu-hooks:getGroundTruthBoxes.m``).

Here the boxes are computed from the labeled file's own ``labels`` and
``instances`` (:mod:`.labeled`): an object is one ``(label, instance)`` pair
present in the image (an instance number identifies an object only together
with its label), so each object has exactly one label and its class follows
from the label's name. **Name mapping: exact string matching** of the raw name
(no case folding, no stripping) against :data:`NYUD2_DET_RAW_NAMES`, one raw
name per class: ``garbage-bin`` <- ``'garbage bin'``, ``night-stand`` <-
``'night stand'``, and every other class <- its own name (``'bathtub'``,
``'bookshelf'``, ``'monitor'``, ``'counter'``, ``'table'``, ``'television'``,
...). These are the spellings NYUD2 detection code matches exactly (e.g. a
loader of SUN RGB-D's NYU annotations runs ``ismember`` on ``'garbage bin'``
and ``'night stand'``). **Uncertain:** that each of the 19 strings is in the
894-name table has not been checked here (the labeled file is not among the
real samples), nor whether Gupta's ``classMappingAll`` also folds variants of
the raw table into a class (e.g. other tables, bins, stands or screens). Such
variants are *not* included, so the boxes here may miss objects Gupta counts,
and per-class counts have not been compared with Gupta's ground truth. Pass a
different mapping to :func:`boxes_from_instances` to include them;
:func:`det_label_map` with ``strict=True`` (the default) fails when a mapped
name is absent from the file's names, so a spelling mismatch cannot go
unnoticed.

**Box convention** (as :mod:`fsat.datasets.jhmdb.boxes`): ``(x1, y1, x2,
y2)`` float32 pixels, ``x1``/``y1`` the first column/row of the object,
``x2``/``y2`` its last column/row + 1 (exclusive), so ``x2 - x1`` is the
width. Gupta's MATLAB box is ``(x1 + 1, y1 + 1, x2, y2)``.
"""
from dataclasses import dataclass
from typing import Dict, Mapping, Sequence, Tuple

import numpy as np

__all__ = [
    'InstanceBoxes', 'NYUD2_DET_CLASSES', 'NYUD2_DET_RAW_NAMES',
    'boxes_from_instances', 'det_label_map'
]

#: The 19 detection classes of Gupta et al., in their order (class index).
NYUD2_DET_CLASSES: Tuple[str, ...] = (
    'bathtub', 'bed', 'bookshelf', 'box', 'chair', 'counter', 'desk', 'door',
    'dresser', 'garbage-bin', 'lamp', 'monitor', 'night-stand', 'pillow',
    'sink', 'sofa', 'table', 'television', 'toilet')

#: Class -> the raw NYUD2 names (exact strings of ``names``) it takes.
NYUD2_DET_RAW_NAMES: Dict[str, Tuple[str, ...]] = {
    'bathtub': ('bathtub', ),
    'bed': ('bed', ),
    'bookshelf': ('bookshelf', ),
    'box': ('box', ),
    'chair': ('chair', ),
    'counter': ('counter', ),
    'desk': ('desk', ),
    'door': ('door', ),
    'dresser': ('dresser', ),
    'garbage-bin': ('garbage bin', ),
    'lamp': ('lamp', ),
    'monitor': ('monitor', ),
    'night-stand': ('night stand', ),
    'pillow': ('pillow', ),
    'sink': ('sink', ),
    'sofa': ('sofa', ),
    'table': ('table', ),
    'television': ('television', ),
    'toilet': ('toilet', ),
}


def det_label_map(names: Sequence[str],
                  classes: Mapping[str, Sequence[str]] = NYUD2_DET_RAW_NAMES,
                  strict: bool = True) -> np.ndarray:
    """Label id -> class index lookup.

    Args:
        names (Sequence[str]): The file's names; label id ``k`` (1-based)
            is ``names[k - 1]``.
        classes (Mapping[str, Sequence[str]]): Class -> raw names, in class
            index order. Defaults to :data:`NYUD2_DET_RAW_NAMES`.
        strict (bool): Fail when a raw name of ``classes`` is not among
            ``names``. Defaults to True.

    Returns:
        np.ndarray: int64 (len(names) + 1,), entry ``k`` the class index of
        label id ``k`` or -1 (always -1 for 0, unlabeled).

    Raises:
        ValueError: When a raw name is mapped to two classes, or (strict)
            is missing from ``names``.
    """
    owner: Dict[str, int] = {}
    for cls_index, (cls, raws) in enumerate(classes.items()):
        if isinstance(raws, str):
            raise ValueError(f'class {cls!r}: raw names must be a sequence '
                             f'of str, got the str {raws!r}')
        for raw in raws:
            if raw in owner and owner[raw] != cls_index:
                raise ValueError(f'raw name {raw!r} is mapped to two '
                                 'classes')
            owner[raw] = cls_index
    lookup = np.full(len(names) + 1, -1, dtype=np.int64)
    for label_id, name in enumerate(names, start=1):
        lookup[label_id] = owner.get(name, -1)
    if strict:
        present = set(names)
        missing = [raw for raw in owner if raw not in present]
        if missing:
            raise ValueError(f'{len(missing)} mapped name(s) are not among '
                             f'the {len(names)} NYUD2 names, e.g. '
                             f'{missing[0]!r} (strict=False to allow)')
    return lookup


@dataclass
class InstanceBoxes:
    """The objects of the detection classes in one image.

    Attributes:
        boxes (np.ndarray): float32 (K, 4) ``(x1, y1, x2, y2)``, ``x2`` and
            ``y2`` exclusive (module docstring).
        class_ids (np.ndarray): int64 (K,) class index into the classes.
        label_ids (np.ndarray): int64 (K,) raw label id (1-based name).
        instance_ids (np.ndarray): int64 (K,) instance number.
        areas (np.ndarray): int64 (K,) pixels of each object's mask.
        num_dropped (int): Objects of the classes dropped for an area below
            ``min_area``.
    """
    boxes: np.ndarray
    class_ids: np.ndarray
    label_ids: np.ndarray
    instance_ids: np.ndarray
    areas: np.ndarray
    num_dropped: int


def boxes_from_instances(
        labels: np.ndarray,
        instances: np.ndarray,
        names: Sequence[str],
        classes: Mapping[str, Sequence[str]] = NYUD2_DET_RAW_NAMES,
        min_area: int = 0,
        strict: bool = True) -> InstanceBoxes:
    """2-D boxes of the objects of the detection classes in one image.

    One object per ``(label, instance)`` pair present among the pixels
    whose label maps to a class; objects come sorted by (label id,
    instance). Gupta's boxes have no area threshold (``min_area=0``).

    Args:
        labels (np.ndarray): (H, W) integer label ids (0 unlabeled).
        instances (np.ndarray): (H, W) integer instance numbers.
        names (Sequence[str]): The file's 894 names.
        classes (Mapping[str, Sequence[str]]): Class -> raw names, as in
            :func:`det_label_map`. Defaults to :data:`NYUD2_DET_RAW_NAMES`.
        min_area (int): Objects of fewer pixels are dropped and counted.
            Defaults to 0 (keep all).
        strict (bool): As in :func:`det_label_map`.

    Returns:
        InstanceBoxes: The kept objects and the dropped count.

    Raises:
        ValueError: For arrays that are not 2-D integer maps of one shape,
            a label id beyond ``names``, or a mapping error.
    """
    labels = np.asarray(labels)
    instances = np.asarray(instances)
    if (labels.ndim != 2 or labels.shape != instances.shape
            or labels.dtype.kind not in 'iu'
            or instances.dtype.kind not in 'iu'):
        raise ValueError(
            'labels and instances must be 2-D integer maps of one shape, got '
            f'{labels.dtype} {labels.shape} and {instances.dtype} '
            f'{instances.shape}')
    if labels.size and (labels.min() < 0 or instances.min() < 0):
        raise ValueError('labels and instances must be >= 0')
    if labels.size and labels.max() > len(names):
        raise ValueError(f'label id {int(labels.max())} is beyond the '
                         f'{len(names)} names')
    lookup = det_label_map(names, classes, strict)
    selected = lookup[labels] >= 0
    ys, xs = np.nonzero(selected)
    lab = labels[selected].astype(np.int64)
    ins = instances[selected].astype(np.int64)
    base = int(ins.max()) + 1 if ins.size else 1
    keys, inverse, areas = np.unique(lab * base + ins,
                                     return_inverse=True,
                                     return_counts=True)
    if keys.size:
        order = np.argsort(inverse, kind='stable')
        starts = np.concatenate([[0], np.cumsum(areas)[:-1]])
        xs, ys = xs[order], ys[order]
        boxes = np.stack([
            np.minimum.reduceat(xs, starts),
            np.minimum.reduceat(ys, starts),
            np.maximum.reduceat(xs, starts) + 1,
            np.maximum.reduceat(ys, starts) + 1,
        ], axis=1).astype(np.float32)
    else:
        boxes = np.zeros((0, 4), dtype=np.float32)
    label_ids, instance_ids = keys // base, keys % base
    keep = areas >= min_area
    return InstanceBoxes(
        boxes=boxes[keep],
        class_ids=lookup[label_ids[keep]],
        label_ids=label_ids[keep],
        instance_ids=instance_ids[keep],
        areas=areas[keep].astype(np.int64),
        num_dropped=int(np.count_nonzero(~keep)))
