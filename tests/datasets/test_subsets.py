# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the few-label subsets (fsat.datasets.subsets)."""
import json
from collections import Counter

import pytest

from fsat.datasets import (
    fraction_of_videos,
    k_per_class,
    load_labeled_ids,
    save_labeled_ids,
)


def make_records(per_class=(30, 25, 40, 21)):
    records = []
    for label, count in enumerate(per_class):
        records += [dict(name=f'v{label}_{i:03d}', label=label)
                    for i in range(count)]
    records.append(dict(name='unlabeled_0', label=None))
    records.append(dict(name='unlabeled_1', label=-1))
    return records


def names(records):
    return {r['name'] for r in records}


def test_k_per_class_is_exact_and_deterministic():
    records = make_records()
    picks = k_per_class(records, 20, seed=0)
    assert Counter(r['label'] for r in picks) == {0: 20, 1: 20, 2: 20, 3: 20}
    assert len(names(picks)) == 80
    assert all(r['label'] is not None and r['label'] >= 0 for r in picks)
    # picks keep the input order
    order = [r['name'] for r in records]
    assert [r['name'] for r in picks] == sorted(
        (r['name'] for r in picks), key=order.index)
    # same seed -> same picks, whatever the order of the records
    assert names(k_per_class(records[::-1], 20, seed=0)) == names(picks)
    # different seeds -> different picks
    assert names(k_per_class(records, 20, seed=1)) != names(picks)
    assert len({frozenset(names(k_per_class(records, 5, seed=s)))
                for s in range(5)}) == 5


def test_k_per_class_budgets_are_nested():
    records = make_records((60, 55, 70))
    for seed in range(3):
        small = names(k_per_class(records, 20, seed))
        large = names(k_per_class(records, 50, seed))
        assert small < large


def test_k_per_class_too_few_names_the_class():
    records = make_records((30, 4, 40, 21))
    classes = ('drink water', 'eat meal/snack', 'brushing teeth', 'cheer up')
    with pytest.raises(ValueError) as err:
        k_per_class(records, 5, seed=0, class_names=classes)
    assert "1 ('eat meal/snack'): 4" in str(err.value)
    assert 'fewer than k=5' in str(err.value)
    with pytest.raises(ValueError, match=r'4: 0'):  # class without records
        k_per_class(records, 3, seed=0, num_classes=5)
    with pytest.raises(ValueError, match='k must be >= 1'):
        k_per_class(records, 0, seed=0)


def test_fraction_of_videos():
    ids = [f'{i:04d}-M' for i in range(942)]
    quarter = fraction_of_videos(ids, 0.25, seed=0)
    half = fraction_of_videos(ids, 0.5, seed=0)
    assert (len(quarter), len(half)) == (236, 471)  # 235.5 rounds up
    assert fraction_of_videos(ids, 1.0, seed=0) == sorted(ids)
    assert set(quarter) < set(half)
    assert quarter == sorted(quarter)
    assert fraction_of_videos(ids[::-1], 0.25, seed=0) == quarter
    assert fraction_of_videos(ids, 0.25, seed=1) != quarter
    assert len(fraction_of_videos(ids[:3], 0.1, seed=0)) == 1
    with pytest.raises(ValueError, match='fraction'):
        fraction_of_videos(ids, 0, seed=0)
    with pytest.raises(ValueError, match='not distinct'):
        fraction_of_videos(['a', 'a'], 0.5, seed=0)


def test_save_and_load_labeled_ids(tmp_path):
    work_dir = tmp_path / 'work_dirs' / 'finetune_k20_seed0'
    path = save_labeled_ids(str(work_dir), ['b', 'a', 'c'], k_per_class=1,
                            seed=0)
    assert path == str(work_dir / 'labeled_ids.json')
    data = json.loads((work_dir / 'labeled_ids.json').read_text())
    assert data == dict(k_per_class=1, seed=0, num_ids=3,
                        ids=['a', 'b', 'c'])
    assert load_labeled_ids(str(work_dir)) == ['a', 'b', 'c']
    assert load_labeled_ids(path) == ['a', 'b', 'c']
    # a .json path is the file itself (its folder is created)
    file = tmp_path / 'sub' / 'ids.json'
    assert save_labeled_ids(str(file), ['z', 'y'], seed=3) == str(file)
    assert json.loads(file.read_text())['seed'] == 3
    assert load_labeled_ids(str(file)) == ['y', 'z']


def test_skip_gives_a_disjoint_validation_pick():
    from fsat.datasets.subsets import k_per_class
    records = [dict(name=f'v{c}_{i}', label=c) for c in range(3)
               for i in range(12)]
    names = lambda picks: {r['name'] for r in picks}  # noqa: E731
    small = names(k_per_class(records, 2, seed=5))
    large = names(k_per_class(records, 5, seed=5))
    val = names(k_per_class(records, 3, seed=5, skip=5))
    assert small < large  # nested
    assert not val & large and len(val) == 9
    assert names(k_per_class(records, 8, seed=5)) == large | val
    import pytest
    with pytest.raises(ValueError, match=r'fewer than k=8 \+ skip=5'):
        k_per_class(records, 8, seed=5, skip=5)


def test_pick_positions_hold_out_the_validation_positions():
    from fsat.datasets.subsets import pick_positions
    assert pick_positions(3) == [0, 1, 2]
    assert pick_positions(2, skip=4) == [4, 5]
    # positions 4 and 5 are held out: a budget of 6 goes on at 6 and 7
    assert pick_positions(6, exclude=(4, 2)) == [0, 1, 2, 3, 6, 7]
    assert pick_positions(3, exclude=(4, 2)) == [0, 1, 2]
    assert pick_positions(2, skip=3, exclude=(4, 2)) == [3, 6]


def test_a_budget_above_skip_holds_the_validation_picks_out():
    """The validation picks (skip=5, k=3) are never trained on, whatever
    the budget; budgets up to skip pick exactly what they picked without a
    holdout (so stored subsets stay valid); all budgets stay nested."""
    from fsat.datasets.subsets import k_per_class
    records = [dict(name=f'v{c}_{i:02d}', label=c) for c in range(3)
               for i in range(20)]
    for seed in range(3):
        val = names(k_per_class(records, 3, seed, skip=5))
        picks = {k: names(k_per_class(records, k, seed, exclude=(5, 3)))
                 for k in (2, 5, 8, 17)}
        for k in (2, 5):
            assert picks[k] == names(k_per_class(records, k, seed))
        # without the holdout a budget of 8 takes every validation video
        assert val < names(k_per_class(records, 8, seed))
        for k, picked in picks.items():
            assert len(picked) == 3 * k and not picked & val
        assert picks[2] < picks[5] < picks[8] < picks[17]
        assert picks[17] | val == names(records)  # 17 + 3 = all 20
    with pytest.raises(ValueError, match=r'fewer than k=18 \+ 3 held out'):
        k_per_class(records, 18, 0, exclude=(5, 3))


def test_pick_labeled_subset_applies_a_dataset_config(tmp_path):
    """The shared picker of the datasets' ``labeled_subset``: the picks of
    k_per_class / fraction under either id key, unlabeled records never
    taken, the settings saved after the seed, unknown keys rejected."""
    from fsat.datasets.subsets import pick_labeled_subset
    records = make_records()
    pkl_records = [dict(frame_dir=r['name'], label=r['label'])
                   for r in records if r['label'] is not None]
    spec = dict(k_per_class=3, seed=2, skip_per_class=1,
                holdout=dict(k_per_class=2))
    ids = pick_labeled_subset(records, spec)
    assert set(ids) == names(k_per_class(records, 3, 2, skip=1,
                                         exclude=(0, 2)))
    assert pick_labeled_subset(pkl_records, spec,
                               id_key='frame_dir') == ids
    labeled = sorted(r['name'] for r in records
                     if r['label'] is not None and r['label'] >= 0)
    assert pick_labeled_subset(records, dict(fraction=0.5, seed=1)) == \
        fraction_of_videos(labeled, 0.5, 1)
    pick_labeled_subset(records, dict(fraction=0.25, save_to=str(tmp_path)),
                        ann='a.txt')
    data = json.loads((tmp_path / 'labeled_ids.json').read_text())
    assert list(data)[:3] == ['seed', 'ann', 'fraction']
    assert data['num_ids'] == round(0.25 * len(labeled))
    with pytest.raises(ValueError, match='needs k_per_class or fraction'):
        pick_labeled_subset(records, dict(seed=0))
    with pytest.raises(ValueError, match=r"Unknown labeled_subset keys "
                       r"\['k'\]"):
        pick_labeled_subset(records, dict(fraction=0.5, k=3))


def _finetune_cfg(**options):
    from mmengine.config import Config

    from fsat.testing import REPO_ROOT
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/finetune/depth_r3d18_synth.py')
    cfg.merge_from_dict(options)
    return cfg


def _disjoint_error(cfg):
    from fsat.datasets.subsets import check_disjoint_subsets
    with pytest.raises(ValueError) as e:
        check_disjoint_subsets(cfg, 'ft.py')
    return str(e.value)


def test_shipped_finetune_config_is_disjoint_for_any_budget():
    from fsat.datasets.subsets import check_disjoint_subsets
    k = 'train_dataloader.dataset.labeled_subset.k_per_class'
    for budget in (5, 20, 50):
        check_disjoint_subsets(_finetune_cfg(**{k: budget}), 'ft.py')


def test_configs_whose_validation_can_be_trained_on_are_rejected():
    train = 'train_dataloader.dataset.labeled_subset'
    val = 'val_dataloader.dataset'
    # the old form: no holdout, a budget above skip_per_class
    error = _disjoint_error(_finetune_cfg(**{
        f'{train}.k_per_class': 30, f'{train}.holdout': None}))
    assert error == (
        'ft.py: val_dataloader.dataset.labeled_subset (k_per_class=5, '
        'skip_per_class=20, seed=0) overlaps train_dataloader.dataset.'
        'labeled_subset (k_per_class=30, holdout=None, seed=0): 5 video(s) '
        'per class would be both trained on and evaluated; add holdout='
        "{'k_per_class': 5, 'skip_per_class': 20} to train_dataloader."
        'dataset.labeled_subset')
    # budget 20 without holdout ends where validation starts: accepted
    from fsat.datasets.subsets import check_disjoint_subsets
    check_disjoint_subsets(_finetune_cfg(**{
        f'{train}.k_per_class': 20, f'{train}.holdout': None}), 'ft.py')
    # a holdout that does not match the validation picks
    assert 'overlaps' in _disjoint_error(_finetune_cfg(**{
        f'{train}.k_per_class': 30,
        f'{train}.holdout': dict(k_per_class=5, skip_per_class=25)}))
    # different seeds draw from different orders
    assert 'with another seed (val_dataloader.dataset.labeled_subset.seed=0'\
        ', train_dataloader.dataset.labeled_subset.seed=1)' in \
        _disjoint_error(_finetune_cfg(**{f'{train}.seed': 1}))
    # validation on every training video
    assert "takes 'all' of them" in _disjoint_error(_finetune_cfg(**{
        f'{val}.labeled_subset': None, f'{val}.subset': 'all'}))
    # another split is never compared
    check_disjoint_subsets(_finetune_cfg(**{
        f'{val}.ntu.split': 'val', f'{val}.labeled_subset': None,
        f'{val}.subset': 'all'}), 'ft.py')


def test_train_tool_rejects_an_overlapping_config_before_training(tmp_path):
    """The real tool path: load_config (every tool) ends with one line."""
    from fsat.testing import REPO_ROOT, run_tool
    proc = run_tool('train.py', [
        f'{REPO_ROOT}/configs/finetune/depth_r3d18_synth.py', '--work-dir',
        str(tmp_path / 'w'), '--cfg-options',
        'train_dataloader.dataset.labeled_subset.k_per_class=30',
        'train_dataloader.dataset.labeled_subset.holdout=None'
    ])
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('fsat train: error: ') and 'overlaps' in last
    assert 'Traceback' not in proc.stderr
    assert not (tmp_path / 'w').exists()


def test_holdout_groups_takes_whole_groups():
    from fsat.datasets import holdout_groups
    ids = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5']
    groups = ['b', 'a', 'b', 'c', 'a', 'd']
    for seed in range(5):
        held = holdout_groups(ids, groups, 0.5, seed)
        # floor(0.5 * 4 + 0.5) = 2 groups, fraction_of_videos's pick
        picked = set(fraction_of_videos(['a', 'b', 'c', 'd'], 0.5, seed))
        assert len(picked) == 2
        assert held == [i for i, g in zip(ids, groups) if g in picked]
    with pytest.raises(ValueError, match='2 ids but 1 groups'):
        holdout_groups(['x', 'y'], ['a'], 0.5, 0)
    with pytest.raises(ValueError, match=r'holds out all 1 rooms'):
        holdout_groups(['x', 'y'], ['a', 'a'], 0.5, 0, what='rooms')
    with pytest.raises(ValueError, match='holdout must be in'):
        holdout_groups(['x'], ['a'], 0.0, 0)


def test_check_holdout_args():
    """The detection datasets' shared holdout argument check: normalised
    values, numpy integer seeds, one-line errors."""
    import numpy as np

    from fsat.datasets.subsets import check_holdout_args
    assert check_holdout_args(0, 0, False) == (0.0, 0, False)
    got = check_holdout_args(0.25, np.int64(3), 1, 'scenes')
    assert got == (0.25, 3, True) and type(got[1]) is int
    for args, text in [
        ((1.0, 0, False), 'holdout must be a fraction in [0, 1), got 1.0'),
        ((-0.1, 0, False), 'holdout must be a fraction in [0, 1)'),
        (('0.2', 0, False), "holdout must be a fraction in [0, 1), got '0.2'"),
        ((True, 0, False), 'holdout must be a fraction in [0, 1), got True'),
        ((0.2, -1, False), 'holdout_seed must be an int >= 0, got -1'),
        ((0.2, 1.0, False), 'holdout_seed must be an int >= 0, got 1.0'),
        ((0.2, True, False), 'holdout_seed must be an int >= 0, got True'),
        ((0.0, 0, True), 'use_holdout=True needs holdout > 0 (the fraction '
         'of rooms held out)'),
    ]:
        with pytest.raises(ValueError) as e:
            check_holdout_args(*args, what='rooms')
        assert str(e.value) == text or str(e.value).startswith(text)
