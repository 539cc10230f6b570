# Copyright (c) fsat contributors. All rights reserved.
"""Few-label subsets of a training split, seeded and reproducible.

* :func:`k_per_class`: exactly ``k`` labeled examples per class
  (classification; FSAT uses k = 20, 50, 100 with 5 seeds).
* :func:`fraction_of_videos`: a fraction of the videos (temporal
  detection; FSAT uses 1/4, 1/2 and all of PKU-MMD's training videos).

Both depend only on the seed and on the *set* of candidates (not their
order), and are nested: with one seed, the picks of a smaller budget are
contained in those of a larger one (k = 20 within k = 50; a quarter within
a half), so label budgets differ only in the added labels.

:func:`save_labeled_ids` writes the chosen ids next to a checkpoint
(``<work_dir>/labeled_ids.json``).
"""
import json
import math
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, Hashable, List, Mapping, Optional, Sequence

import numpy as np

LABELED_IDS_FILE = 'labeled_ids.json'


def k_per_class(records: Sequence[Mapping],
                k: int,
                seed: int,
                num_classes: Optional[int] = None,
                class_names: Optional[Sequence[str]] = None,
                label_key: str = 'label',
                id_key: str = 'name',
                skip: int = 0) -> List[Mapping]:
    """Pick exactly ``k`` labeled records per class.

    Per class (in label order), the candidates are sorted by id and
    permuted by one ``np.random.default_rng(seed)``; the first ``k`` of the
    permutation are taken (after the first ``skip``). Records whose label
    is None or negative (unlabeled) are never picked. With one seed, the
    picks of different ``k`` are nested, and ``skip=k_max`` gives a set
    disjoint from every pick of at most ``k_max`` per class (a validation
    set carved from the labeled training pool).

    Args:
        records (Sequence[Mapping]): Records with a label and an id.
        k (int): Examples per class (>= 1).
        seed (int): Seed of the pick.
        num_classes (int, optional): Number of classes; a class 0..n-1
            without any record is then an error too. Defaults to None (the
            labels present).
        class_names (Sequence[str], optional): Names used in errors.
        label_key (str): Key of the label. Defaults to ``'label'``.
        id_key (str): Key of the unique id. Defaults to ``'name'``.
        skip (int): Leave out the first ``skip`` of each class's order.
            Defaults to 0.

    Returns:
        list[Mapping]: The picked records, in their input order.

    Raises:
        ValueError: Naming every class with fewer than ``k`` examples.
    """
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    if skip < 0:
        raise ValueError(f'skip must be >= 0, got {skip}')
    by_class: Dict[int, List[Hashable]] = defaultdict(list)
    for record in records:
        label = record.get(label_key)
        if label is not None and int(label) >= 0:
            by_class[int(label)].append(record[id_key])
    classes = (range(num_classes) if num_classes is not None
               else sorted(by_class))
    short = [c for c in classes if len(by_class.get(c, ())) < skip + k]
    if short:
        names = ', '.join(
            f'{c}' + (f' ({class_names[c]!r})' if class_names else '') +
            f': {len(by_class.get(c, ()))}' for c in short[:10])
        more = f' and {len(short) - 10} more' if len(short) > 10 else ''
        need = f'k={k}' + (f' + skip={skip}' if skip else '')
        raise ValueError(f'k_per_class: {len(short)} class(es) have fewer '
                         f'than {need} labeled examples (class: count) '
                         f'{names}{more}')
    rng = np.random.default_rng(seed)
    chosen = set()
    for c in classes:
        ids = sorted(by_class[c])
        if len(set(ids)) != len(ids):
            raise ValueError(f'k_per_class: duplicate {id_key} in class {c}')
        order = rng.permutation(len(ids))
        chosen.update(ids[i] for i in order[skip:skip + k])
    return [r for r in records if r[id_key] in chosen
            and r.get(label_key) is not None and int(r[label_key]) >= 0]


def fraction_of_videos(ids: Sequence[Hashable], fraction: float,
                       seed: int) -> List[Hashable]:
    """Pick a seeded fraction of videos (e.g. for temporal detection).

    ``n = floor(fraction * len(ids) + 0.5)`` ids (at least 1), the first n
    of one ``np.random.default_rng(seed)`` permutation of the sorted ids.

    Args:
        ids (Sequence[Hashable]): Distinct video ids.
        fraction (float): In (0, 1]; 1 keeps every video.
        seed (int): Seed of the pick.

    Returns:
        list: The picked ids, sorted.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'fraction must be in (0, 1], got {fraction}')
    ordered = sorted(ids)
    if len(set(ordered)) != len(ordered):
        raise ValueError('fraction_of_videos: ids are not distinct')
    if not ordered:
        raise ValueError('fraction_of_videos: no ids')
    n = max(1, math.floor(fraction * len(ordered) + 0.5))
    order = np.random.default_rng(seed).permutation(len(ordered))
    return sorted(ordered[i] for i in order[:n])


def save_labeled_ids(work_dir: str, ids: Sequence[Hashable],
                     **info) -> str:
    """Write the labeled ids of a run to ``<work_dir>/labeled_ids.json``
    (or to ``work_dir`` itself when it names a ``.json`` file).

    Args:
        work_dir (str): Folder of the run (created if missing), or the
            ``.json`` file to write.
        ids (Sequence[Hashable]): The labeled ids; written sorted.
        **info: Extra JSON-serialisable facts (e.g. ``k_per_class``,
            ``seed``, ``split``).

    Returns:
        str: The path written.
    """
    if work_dir.endswith('.json'):
        path = work_dir
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    else:
        os.makedirs(work_dir, exist_ok=True)
        path = osp.join(work_dir, LABELED_IDS_FILE)
    data = dict(info, num_ids=len(ids), ids=sorted(ids))
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
    return path


def load_labeled_ids(path: str) -> List[Hashable]:
    """Read the ids written by :func:`save_labeled_ids` (a file or its
    folder)."""
    if osp.isdir(path):
        path = osp.join(path, LABELED_IDS_FILE)
    with open(path, encoding='utf-8') as f:
        return list(json.load(f)['ids'])
