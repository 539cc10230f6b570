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
