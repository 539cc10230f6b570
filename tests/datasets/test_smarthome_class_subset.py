# Copyright (c) fsat contributors. All rights reserved.
"""A Toyota Smarthome dataset restricted to some classes of its protocol's
table (metainfo classes): the others are dropped, the rest relabelled."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fsat.datasets import SmarthomeDataset

NAMES = ('Cutbread_p03_r00_v01_c01', 'Walk_p04_r00_v01_c02',
         'Sitdown_p06_r00_v01_c01', 'Drink.Fromcup_p07_r00_v01_c03',
         'Leave_p02_r00_v01_c01')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('smarthome_subset'))
    os.makedirs(osp.join(root, 'mp4'))
    for name in NAMES:
        writer = cv2.VideoWriter(
            osp.join(root, 'mp4', name + '.mp4'),
            cv2.VideoWriter_fourcc(*'mp4v'), 20, (16, 16))
        for _ in range(4):
            writer.write(np.zeros((16, 16, 3), np.uint8))
        writer.release()
    return root


def build(root, **kwargs):
    return SmarthomeDataset(
        modalities=dict(rgb=dict(pipeline=[])),
        data_root=root, protocol='CS', split='train', clip_len=2,
        **kwargs)


def labels(dataset):
    return {dataset.get_data_info(i)['video_id']:
            dataset.get_data_info(i)['label'] for i in range(len(dataset))}


def test_class_subset_keeps_and_relabels(root):
    full = build(root)
    assert len(full.metainfo['classes']) == 31
    # CS training subjects: 3, 4, 6, 7 here (subject 2 is a test subject)
    table = list(full.metainfo['classes'])
    assert labels(full) == {
        name: table.index(name.split('_')[0])
        for name in NAMES if '_p02_' not in name}
    assert labels(full)['Walk_p04_r00_v01_c02'] == 29
    subset = build(root, metainfo=dict(
        classes=('Walk', 'Drink.Fromcup', 'Leave')))
    assert subset.metainfo['classes'] == ('Walk', 'Drink.Fromcup', 'Leave')
    assert labels(subset) == {'Drink.Fromcup_p07_r00_v01_c03': 1,
                              'Walk_p04_r00_v01_c02': 0}


def test_class_subset_names_unknown_classes(root):
    with pytest.raises(ValueError, match=r"\['Jump'\] are not in the CS "
                       'table'):
        build(root, metainfo=dict(classes=('Walk', 'Jump')))
