# Copyright (c) fsat contributors. All rights reserved.
"""shared_collate: pseudo_collate's values, one storage per tensor list."""
import pickle

import torch
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

from fsat.datasets import shared_collate


def sample(i, shape=(1, 3, 4, 8, 8), paired=False):
    x = torch.full(shape, float(i))
    data = ActionDataSample().set_gt_labels(i)
    inputs = dict(depth=x, rgb=x[:, :, :2] + 1) if paired else x
    return dict(inputs=inputs, data_samples=data)


def assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    else:
        assert a is b


def test_same_values_as_pseudo_collate_with_one_storage():
    for paired in (False, True):
        batch = [sample(i, paired=paired) for i in range(4)]
        ours, ref = shared_collate(batch), pseudo_collate(batch)
        assert_same(ours, ref)
        lists = (list(ours['inputs'].values()) if paired else
                 [ours['inputs']])
        for tensors in lists:
            storages = {t.untyped_storage().data_ptr() for t in tensors}
            assert len(storages) == 1  # views of one stacked tensor
            assert [float(t.flatten()[0]) for t in tensors] == [
                float(i) + (tensors is not lists[0] and paired)
                for i in range(4)
            ]


def test_unequal_shapes_and_single_samples_stay_as_they_are():
    batch = [sample(0, (3, 3, 4, 8, 8)), sample(1, (2, 3, 4, 8, 8))]
    out = shared_collate(batch)
    assert_same(out, pseudo_collate(batch))
    assert out['inputs'][0].untyped_storage().data_ptr() != \
        out['inputs'][1].untyped_storage().data_ptr()
    one = [sample(5)]
    assert_same(shared_collate(one), pseudo_collate(one))


def test_pickles_like_the_batch_it_replaces():
    out = shared_collate([sample(i) for i in range(3)])
    back = pickle.loads(pickle.dumps(out))
    assert_same(back['inputs'], out['inputs'])


def test_found_by_the_runner_under_the_fsat_scope():
    # Runner.build_dataloader looks collate functions up in MMEngine's root
    assert FUNCTIONS.get('fsat.shared_collate') is shared_collate


BIG = (1, 3, 8, 32, 32)  # 96 KiB of float32 per clip


class _Samples(torch.utils.data.Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return sample(i, shape=BIG, paired=True)


def test_small_tensors_leave_a_worker_by_value():
    loader = torch.utils.data.DataLoader(
        _Samples(), batch_size=4, num_workers=1, collate_fn=shared_collate)
    batches = list(loader)
    for b, batch in enumerate(batches):
        ref = pseudo_collate([sample(4 * b + i, shape=BIG, paired=True)
                              for i in range(4)])
        assert_same(batch['inputs'], ref['inputs'])
        for ours, theirs in zip(batch['data_samples'], ref['data_samples']):
            label = ours.gt_labels.item
            # an ordinary tensor with the value, copied inside the pickle
            assert type(label) is torch.Tensor and not label.is_shared()
            assert_same(label, theirs.gt_labels.item)
        # the clips (above INLINE_BYTES together) share one segment
        depth = batch['inputs']['depth']
        assert all(t.is_shared() for t in depth)
        assert len({t.untyped_storage().data_ptr() for t in depth}) == 1
    # in the main process (num_workers=0) nothing is wrapped
    out = shared_collate([sample(i) for i in range(2)])
    assert type(out['data_samples'][0].gt_labels.item) is torch.Tensor
