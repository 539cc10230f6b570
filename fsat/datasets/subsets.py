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

A validation set carved from the same labeled pool is disjoint from the
training picks by construction: it takes the positions
``[skip, skip + k_val)`` of each class's seeded order
(``skip_per_class``), and the training pick names the same positions as
its ``holdout``, which it never takes (its picks are the first ``k`` of
the order without them). While ``k <= skip`` this changes nothing (the
training picks are the first ``k``); a larger budget goes on after the
held-out positions instead of into them. :func:`check_disjoint_subsets`
rejects a config whose validation picks could meet the training picks
(another seed, or a training budget running into them without a
``holdout``). Temporal detection carves its validation from the training
videos the same way: whole sequences held out by a seed of their own
(``PKUMMDDetectionDataset(holdout=..., holdout_seed=...)``), never taken
by any ``video_fraction``; 2-D detection on NYUD2 holds out whole scenes
(``NYUD2DetectionDataset(holdout=...)``); both pick with
:func:`holdout_groups`. The validation dataset is that held-out part
(``use_holdout=True``), and :func:`check_disjoint_subsets` rejects one
whose held-out settings differ from the training's.

:func:`pick_labeled_subset` applies a dataset's ``labeled_subset``
config (either pick, the checks, ``save_to``), so every dataset that offers
few-label subsets picks the same ids; :func:`save_labeled_ids` writes the
chosen ids next to a checkpoint (``<work_dir>/labeled_ids.json``).
"""
import json
import math
import os
import os.path as osp
from collections import defaultdict
from typing import (
    Dict,
    Hashable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)

import numpy as np
from mmengine.dist import is_main_process

LABELED_IDS_FILE = 'labeled_ids.json'

#: What a dataset with a ``labeled_subset`` yields: the picks and the rest
#: (labels hidden), the picks, or the rest.
SUBSETS = ('all', 'labeled', 'unlabeled')


def check_subset(subset: str, labeled_subset: Optional[Mapping]) -> None:
    """Reject a dataset's ``subset`` that is not one of :data:`SUBSETS`, or
    that is not ``'all'`` without a ``labeled_subset``."""
    if subset not in SUBSETS:
        raise ValueError(f'subset must be one of {SUBSETS}, got {subset!r}')
    if subset != 'all' and labeled_subset is None:
        raise ValueError(f'subset={subset!r} needs a labeled_subset')


def pick_positions(k: int,
                   skip: int = 0,
                   exclude: Optional[Tuple[int, int]] = None) -> List[int]:
    """Positions of a class's seeded order that :func:`k_per_class` takes.

    The order without the ``exclude = (start, count)`` positions, then
    ``skip`` of them left out and the next ``k`` taken.

    Args:
        k (int): Picks per class.
        skip (int): Positions left out first. Defaults to 0.
        exclude (tuple[int, int], optional): ``(start, count)`` of
            positions never taken (another subset's). Defaults to None.

    Returns:
        list[int]: The ``k`` positions, ascending.
    """
    start, count = exclude or (0, 0)
    positions: List[int] = []
    position = 0
    while len(positions) < skip + k:
        if not start <= position < start + count:
            positions.append(position)
        position += 1
    return positions[skip:]


def k_per_class(records: Sequence[Mapping],
                k: int,
                seed: int,
                num_classes: Optional[int] = None,
                class_names: Optional[Sequence[str]] = None,
                label_key: str = 'label',
                id_key: str = 'name',
                skip: int = 0,
                exclude: Optional[Tuple[int, int]] = None) -> List[Mapping]:
    """Pick exactly ``k`` labeled records per class.

    Per class (in label order), the candidates are sorted by id and
    permuted by one ``np.random.default_rng(seed)``; the first ``k`` of the
    permutation are taken (after the first ``skip``, and never the
    positions of ``exclude``: :func:`pick_positions`). Records whose label
    is None or negative (unlabeled) are never picked. With one seed, the
    picks of different ``k`` are nested, and ``skip=s`` with ``k=v`` gives
    a validation set carved from the labeled training pool that is
    disjoint from every training pick with ``exclude=(s, v)`` (and from
    every pick of at most ``s`` per class without it).

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
        exclude (tuple[int, int], optional): ``(start, count)``: positions
            of each class's order never picked (held out, e.g. for
            validation). Defaults to None.

    Returns:
        list[Mapping]: The picked records, in their input order.

    Raises:
        ValueError: Naming every class with fewer than ``k`` examples.
    """
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    if skip < 0:
        raise ValueError(f'skip must be >= 0, got {skip}')
    if exclude is not None and (len(exclude) != 2 or min(exclude) < 0):
        raise ValueError(f'exclude must be (start >= 0, count >= 0), got '
                         f'{exclude}')
    positions = pick_positions(k, skip, exclude)
    needed = positions[-1] + 1
    by_class: Dict[int, List[Hashable]] = defaultdict(list)
    for record in records:
        label = record.get(label_key)
        if label is not None and int(label) >= 0:
            by_class[int(label)].append(record[id_key])
    classes = (range(num_classes) if num_classes is not None
               else sorted(by_class))
    short = [c for c in classes if len(by_class.get(c, ())) < needed]
    if short:
        names = ', '.join(
            f'{c}' + (f' ({class_names[c]!r})' if class_names else '') +
            f': {len(by_class.get(c, ()))}' for c in short[:10])
        more = f' and {len(short) - 10} more' if len(short) > 10 else ''
        need = f'k={k}' + (f' + skip={skip}' if skip else '')
        if needed > skip + k:
            need += f' + {needed - skip - k} held out'
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
        chosen.update(ids[order[i]] for i in positions)
    return [r for r in records if r[id_key] in chosen
            and r.get(label_key) is not None and int(r[label_key]) >= 0]


def holdout_range(subset: Mapping, where: str = 'labeled_subset'
                  ) -> Optional[Tuple[int, int]]:
    """``(start, count)`` of a ``labeled_subset``'s ``holdout``
    (``dict(k_per_class=v, skip_per_class=s)``, the validation picks it
    never takes), or None without one."""
    holdout = subset.get('holdout')
    if holdout is None:
        return None
    if not isinstance(holdout, Mapping) or set(holdout) - {
            'k_per_class', 'skip_per_class'} or 'k_per_class' not in holdout:
        raise ValueError(f'{where}.holdout must be dict(k_per_class=..., '
                         f'skip_per_class=...) (the validation picks), got '
                         f'{holdout!r}')
    return (int(holdout.get('skip_per_class', 0)), int(holdout['k_per_class']))


def _inner_dataset(cfg: Mapping, field: str) -> Tuple[Optional[Mapping], str]:
    """The dataset config of a dataloader (through dataset wrappers)."""
    loader = cfg.get(field)
    if not isinstance(loader, Mapping):
        return None, ''
    dataset, where = loader.get('dataset'), f'{field}.dataset'
    while isinstance(dataset, Mapping) and isinstance(
            dataset.get('dataset'), Mapping):
        dataset, where = dataset['dataset'], where + '.dataset'
    return (dataset if isinstance(dataset, Mapping) else None), where


def _source(dataset: Mapping) -> str:
    """What a dataset's candidate videos come from (benchmark and split or
    annotation file, and root)."""
    ntu = dataset.get('ntu')
    return json.dumps(
        dict(ntu=dict(ntu) if isinstance(ntu, Mapping) else ntu,
             ann_file=dataset.get('ann_file', ''),
             data_root=dataset.get('data_root', ''),
             split=dataset.get('split')),
        sort_keys=True, default=str)


def _describe(subset: Mapping) -> str:
    keys = ('k_per_class', 'skip_per_class', 'holdout', 'seed')
    return ', '.join(f'{k}={subset[k]!r}' for k in keys if k in subset)


def check_disjoint_subsets(cfg: Mapping, path: str = 'config') -> None:
    """Reject a config whose validation or test videos can be trained on.

    A validation (or test) dataset that draws from the same videos as the
    training dataset (same NTU benchmark and split, or the same
    annotation file, under the same root) must take only videos the
    training never labels: its ``labeled_subset`` must be a ``k_per_class``
    pick with the training's seed whose positions
    (:func:`pick_positions`) the training pick never takes, e.g.
    ``skip_per_class`` at least the training budget, or the training's
    ``holdout`` naming the validation picks. For
    ``PKUMMDDetectionDataset`` (temporal detection),
    ``NYUD2DetectionDataset`` and ``JHMDBFrameDetectionDataset`` (2-D
    detection) such a dataset must be the training dataset's held-out
    part: ``use_holdout=True`` with the training's ``holdout`` (> 0) and
    ``holdout_seed``.

    Args:
        cfg (Mapping): The config (``train_dataloader``,
            ``val_dataloader``, ``test_dataloader``).
        path (str): The config file, for messages.

    Raises:
        ValueError: One line naming the config fields that overlap.
    """
    train, train_where = _inner_dataset(cfg, 'train_dataloader')
    kind = _holdout_kind(train)
    if kind is not None:
        _check_holdout(cfg, train, train_where, path, kind)
        return
    if train is None or train.get('with_label') is False or not (
            train.get('ntu') or train.get('ann_file')):
        return  # no labels, or not a dataset of NTU splits / split files
    train_subset = train.get('labeled_subset')
    if train_subset is not None and 'k_per_class' not in train_subset:
        return  # a fraction of videos: not a carved validation set
    for field in ('val_dataloader', 'test_dataloader'):
        other, where = _inner_dataset(cfg, field)
        if other is None or _source(other) != _source(train):
            continue
        subset = other.get('labeled_subset')
        mode = other.get('subset', 'all') if subset is not None else 'all'
        head = f'{path}: {where} draws from the same videos as {train_where}'
        if train_subset is None:
            raise ValueError(
                f'{head}, which trains on all of their labels: give '
                f'{train_where} a labeled_subset or {where} another split')
        twhere = f'{train_where}.labeled_subset'
        if mode != 'labeled' or 'k_per_class' not in subset:
            raise ValueError(
                f'{head} and takes {mode!r} of them ({where}.subset), so it '
                f'holds videos {twhere} ({_describe(train_subset)}) trains '
                f"on: use subset='labeled' with a k_per_class pick")
        owhere = f'{where}.labeled_subset'
        if subset.get('seed', 0) != train_subset.get('seed', 0):
            raise ValueError(
                f"{head} with another seed ({owhere}.seed="
                f"{subset.get('seed', 0)!r}, {twhere}.seed="
                f"{train_subset.get('seed', 0)!r}), so the picks can "
                'overlap: use one seed for both')
        taken = set(
            pick_positions(int(train_subset['k_per_class']),
                           int(train_subset.get('skip_per_class', 0)),
                           holdout_range(train_subset, twhere)))
        picked = set(
            pick_positions(int(subset['k_per_class']),
                           int(subset.get('skip_per_class', 0)),
                           holdout_range(subset, owhere)))
        if taken & picked:
            skip = int(subset.get('skip_per_class', 0))
            fix = dict(k_per_class=int(subset['k_per_class']),
                       skip_per_class=skip)
            raise ValueError(
                f'{path}: {owhere} ({_describe(subset)}) overlaps {twhere} '
                f'({_describe(train_subset)}): {len(taken & picked)} '
                'video(s) per class would be both trained on and '
                f'evaluated; add holdout={fix!r} to {twhere}')


#: Per dataset type that carves its validation set with ``holdout``: the
#: fields naming its source (a validation set with the same ones draws
#: from the training's items), their defaults, and what its items are.
_HOLDOUT_DATASETS = {
    'PKUMMDDetectionDataset': (dict(
        data_root='', protocol='cross-subject', split='train'), 'videos'),
    'NYUD2DetectionDataset': (dict(
        data_root='', split='train',
        labeled_file='nyu_depth_v2_labeled.mat',
        splits_file='splits.mat'), 'images'),
    'JHMDBFrameDetectionDataset': (dict(
        data_root='', split=1, subset='train'), 'clips'),
}
_HOLDOUT_DEFAULTS = dict(holdout=0.0, holdout_seed=0, use_holdout=False)


def _holdout_kind(dataset: Optional[Mapping]) -> Optional[str]:
    """The :data:`_HOLDOUT_DATASETS` key of a dataset config, if any."""
    kind = dataset.get('type') if dataset is not None else None
    if not isinstance(kind, str):
        return None
    kind = kind.split('.')[-1]
    return kind if kind in _HOLDOUT_DATASETS else None


def _check_holdout(cfg: Mapping, train: Mapping, train_where: str,
                   path: str, kind: str) -> None:
    """The part of :func:`check_disjoint_subsets` for the datasets of
    :data:`_HOLDOUT_DATASETS`: a validation (or test) set on the training
    split must be the held-out part of the training dataset's
    ``holdout``."""
    source, items = _HOLDOUT_DATASETS[kind]
    defaults = dict(source, **_HOLDOUT_DEFAULTS)

    def field(dataset: Mapping, key: str):
        value = dataset.get(key, defaults[key])
        return defaults[key] if value is None else value

    for loader in ('val_dataloader', 'test_dataloader'):
        other, where = _inner_dataset(cfg, loader)
        if other is None or _holdout_kind(other) != kind or any(
                field(other, k) != field(train, k) for k in source):
            continue
        head = (f'{path}: {where} draws from the same {items} as '
                f'{train_where} (split {field(train, "split")!r})')
        if not field(train, 'holdout'):
            raise ValueError(
                f'{head}, which holds none of them out: give both the same '
                f'holdout=<fraction> and holdout_seed and {where} '
                f'use_holdout=True, or give {where} another split')
        if field(other, 'use_holdout') == field(train, 'use_holdout'):
            raise ValueError(
                f'{head} and takes the same part of them (use_holdout='
                f"{field(train, 'use_holdout')!r} for both), so it holds "
                f'{items} {train_where} trains on: set {where}.use_holdout='
                f'True (the held-out {items}) and leave it False for '
                'training')
        mine = (float(field(other, 'holdout')), field(other, 'holdout_seed'))
        theirs = (float(field(train, 'holdout')),
                  field(train, 'holdout_seed'))
        if mine != theirs:
            raise ValueError(
                f'{head} with another held-out pick ({where}.holdout, '
                f'holdout_seed = {mine[0]!r}, {mine[1]!r}; {train_where}: '
                f'{theirs[0]!r}, {theirs[1]!r}), so its {items} can '
                f'overlap the training {items}: use the same holdout and '
                'holdout_seed')


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


def check_holdout_args(holdout: float, holdout_seed: int,
                       use_holdout: bool,
                       what: str = 'groups') -> Tuple[float, int, bool]:
    """Check a detection dataset's ``holdout``, ``holdout_seed`` and
    ``use_holdout`` arguments (PKU-MMD, NYUD2 and JHMDB use them alike).

    Args:
        holdout (float): Fraction held out, in [0, 1); 0 holds none out.
        holdout_seed (int): Seed of the pick, an int (or numpy integer)
            >= 0.
        use_holdout (bool): The dataset is the held-out part; needs
            ``holdout > 0``.
        what (str): What is held out (``'sequences'``, ``'scenes'``), for
            the message.

    Returns:
        tuple: ``(float(holdout), int(holdout_seed), bool(use_holdout))``.

    Raises:
        ValueError: One line naming the argument and the value.
    """
    if isinstance(holdout, bool) or not isinstance(
            holdout, (int, float)) or not 0 <= holdout < 1:
        raise ValueError(f'holdout must be a fraction in [0, 1), got '
                         f'{holdout!r}')
    if isinstance(holdout_seed, bool) or not isinstance(
            holdout_seed, (int, np.integer)) or holdout_seed < 0:
        raise ValueError(f'holdout_seed must be an int >= 0, got '
                         f'{holdout_seed!r}')
    if use_holdout and not holdout:
        raise ValueError('use_holdout=True needs holdout > 0 (the '
                         f'fraction of {what} held out)')
    return float(holdout), int(holdout_seed), bool(use_holdout)


def holdout_groups(ids: Sequence[Hashable], groups: Sequence[Hashable],
                   holdout: float, seed: int,
                   what: str = 'groups') -> List[Hashable]:
    """The ids of a split held out for validation, whole groups at a time.

    Items that share a group (the views of one PKU-MMD sequence, the
    images of one NYUD2 scene) are held out together, so a held-out group
    is never seen in training: :func:`fraction_of_videos` of the split's
    distinct groups, ``floor(holdout * G + 0.5)`` of ``G``, at least one,
    seeded by ``seed`` alone (the same for every run that names it).

    Args:
        ids (Sequence[Hashable]): Distinct item ids of the split.
        groups (Sequence[Hashable]): The group of each id.
        holdout (float): Fraction of the groups held out, in (0, 1).
        seed (int): Seed of the pick.
        what (str): The groups' name, for messages.

    Returns:
        list: The held-out ids, in input order.

    Raises:
        ValueError: When ``holdout`` is out of range, the lengths differ,
            or the pick leaves no group to train on.
    """
    if not 0 < holdout < 1:
        raise ValueError(f'holdout must be in (0, 1), got {holdout!r}')
    if len(ids) != len(groups):
        raise ValueError(f'holdout_groups: {len(ids)} ids but '
                         f'{len(groups)} groups')
    distinct = sorted(set(groups))
    held = set(fraction_of_videos(distinct, holdout, seed))
    if len(held) == len(distinct):
        raise ValueError(
            f'holdout={holdout!r} holds out all {len(distinct)} {what} '
            'of the split, leaving none to train on: use a smaller holdout')
    return [i for i, g in zip(ids, groups) if g in held]


def pick_labeled_subset(records: Sequence[Mapping],
                        labeled_subset: Mapping,
                        classes: Optional[Sequence[str]] = None,
                        id_key: str = 'name',
                        label_key: str = 'label',
                        **save_info) -> List[Hashable]:
    """The ids a dataset's ``labeled_subset`` config picks from its records.

    ``labeled_subset`` is ``dict(k_per_class=k, seed=0, skip_per_class=0,
    holdout=None, save_to=None)`` (:func:`k_per_class`, with ``holdout``
    as in :func:`holdout_range`) or ``dict(fraction=f, seed=0,
    save_to=None)`` (:func:`fraction_of_videos` of the labeled records).
    With ``save_to``, the main process writes the ids and the settings
    with :func:`save_labeled_ids`.

    Args:
        records (Sequence[Mapping]): Candidates; those whose label is None
            or negative are never picked.
        labeled_subset (Mapping): The config, see above.
        classes (Sequence[str], optional): The dataset's class names
            (their number is checked by ``k_per_class``). Defaults to None.
        id_key (str): Key of the unique id. Defaults to ``'name'``.
        label_key (str): Key of the label. Defaults to ``'label'``.
        **save_info: Facts written to ``labeled_ids.json`` after the seed
            (e.g. ``ann``, ``split``).

    Returns:
        list: The picked ids (not sorted).

    Raises:
        ValueError: Neither or an unknown key, or too few examples.
    """
    cfg = dict(labeled_subset)
    seed, save_to = cfg.pop('seed', 0), cfg.pop('save_to', None)
    labeled = [r for r in records if r[label_key] is not None
               and int(r[label_key]) >= 0]
    if 'k_per_class' in cfg:
        k, skip = cfg.pop('k_per_class'), cfg.pop('skip_per_class', 0)
        exclude = holdout_range(cfg, 'labeled_subset')
        holdout = cfg.pop('holdout', None)
        picks = k_per_class(
            labeled, k, seed,
            num_classes=len(classes) if classes else None,
            class_names=classes, label_key=label_key, id_key=id_key,
            skip=skip, exclude=exclude)
        ids = [r[id_key] for r in picks]
        info = dict(k_per_class=k, skip_per_class=skip)
        if holdout is not None:
            info['holdout'] = dict(holdout)
    elif 'fraction' in cfg:
        fraction = cfg.pop('fraction')
        ids = fraction_of_videos([r[id_key] for r in labeled], fraction,
                                 seed)
        info = dict(fraction=fraction)
    else:
        raise ValueError('labeled_subset needs k_per_class or fraction')
    if cfg:
        raise ValueError(f'Unknown labeled_subset keys {sorted(cfg)}')
    if save_to and is_main_process():
        save_labeled_ids(save_to, ids, seed=seed, **save_info, **info)
    return ids


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
