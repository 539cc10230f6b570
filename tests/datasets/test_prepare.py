# Copyright (c) fsat contributors. All rights reserved.
"""The ``synthetic_world`` prepare step: the world of ``synthesize.py
--set`` plus its optical flow (or, for the NYUD2-format indoor world,
its HHA images), made once and then reused."""
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest

from fsat.datasets import prepare_synthetic_world
from fsat.datasets.flow import MARKER_NAME
from fsat.datasets.synthetic import custom_preset, params_hash
from fsat.registry import FUNCTIONS
from fsat.testing import repo_path


def _synthesize_cli():
    sys.path.insert(0, osp.join(repo_path(), 'tools', 'data'))
    try:
        import synthesize
    finally:
        sys.path.pop(0)
    return synthesize


def test_world_and_flow_once_then_reused(tmp_path):
    out = str(tmp_path / 'far')
    overrides = dict(clutter=0.2, camera_distance=[2.5, 3.0])
    assert FUNCTIONS.get('synthetic_world') is prepare_synthetic_world
    first = prepare_synthetic_world(out, preset='tiny', seed=1,
                                    overrides=overrides, flow='farneback',
                                    workers=1, progress=False)
    world = first['world']
    assert world['preset']['name'] == 'tiny-custom'
    assert world['preset']['clutter'] == 0.2
    assert world['preset']['camera_distance'] == [2.5, 3.0]
    assert world['seed'] == 1
    # the same world as `synthesize.py --preset tiny --seed 1 --set ...`
    cli = _synthesize_cli().parse_overrides(
        ['clutter=0.2', 'camera_distance=2.5,3'])
    assert world['params_hash'] == params_hash(custom_preset('tiny', cli), 1)
    # flow of every NTU video: frames - 1 pairs of x and y images
    samples = world['ntu']['samples']
    assert first['flow'] == len(samples) == world['ntu']['count']
    for sample in samples:
        folder = osp.join(out, 'ntu', 'nturgb+d_flow', sample['name'])
        names = [n for n in os.listdir(folder) if n.startswith('flow_')]
        assert len(names) == 2 * (sample['frames'] - 1), sample['name']
        assert osp.isfile(osp.join(folder, MARKER_NAME))
    stamp = osp.getmtime(osp.join(out, 'world.json'))
    again = prepare_synthetic_world(out, preset='tiny', seed=1,
                                    overrides=overrides, flow='farneback',
                                    workers=1, progress=False)
    assert again['flow'] == 0 and again['world'] == world
    assert osp.getmtime(osp.join(out, 'world.json')) == stamp


@pytest.mark.parametrize('kwargs,message', [
    (dict(flow='optical'), "flow must be one of ('farneback', 'tvl1')"),
    (dict(overrides=dict(clutterr=0.1)),
     "unknown world parameter 'clutterr'; known: action_frames, "
     "amplitude_range"),
    (dict(overrides=dict(camera_distance=2.5)),
     'world parameter camera_distance=2.5: expected 2 numbers min,max '
     '(e.g. camera_distance=2.8,3.3), got 1 value(s)'),
    (dict(overrides=dict(clutter=-5)),
     "preset 'tiny-custom': clutter=-5.0 is out of range: expected a number "
     'in [0, 1]'),
    (dict(preset='huge'), "unknown preset 'huge'"),
])
def test_bad_arguments_write_nothing(tmp_path, kwargs, message):
    out = tmp_path / 'w'
    kwargs = dict(dict(preset='tiny'), **kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):
        prepare_synthetic_world(str(out), progress=False, **kwargs)
    assert not out.exists()


def test_custom_preset_without_overrides_is_the_preset():
    assert custom_preset('demo', {}) is custom_preset('demo', None)
    assert custom_preset('demo', {}).name == 'demo'


def test_jhmdb_world_and_its_flow_where_the_dataset_reads_it(tmp_path):
    from fsat.datasets import JHMDBFrameDetectionDataset
    out = str(tmp_path / 'jhmdb')
    made = prepare_synthetic_world(out, preset='jhmdb_unit', flow='farneback',
                                   workers=1, progress=False)
    assert made['world']['format'] == 'jhmdb'
    videos = [name for cls in os.listdir(osp.join(out, 'videos'))
              for name in os.listdir(osp.join(out, 'videos', cls))]
    assert made['flow'] == len(videos) > 0
    for video in videos:
        folder = osp.join(out, 'flow', osp.splitext(video)[0])
        assert osp.isfile(osp.join(folder, MARKER_NAME)), video
    # every frame of the flow dataset has its flow image
    data = JHMDBFrameDetectionDataset(
        data_root=out, split=1, subset='test', modality='flow',
        classes=[c['name'] for c in made['world']['classes']],
        pipeline=[])
    item = data[0]
    assert item['img'].shape[-1] == 3
    again = prepare_synthetic_world(out, preset='jhmdb_unit',
                                    flow='farneback', workers=1,
                                    progress=False)
    assert again['flow'] == 0


def test_nyud2_world_and_its_hha_where_the_dataset_reads_it(tmp_path):
    from fsat.datasets.hha import depth_to_hha
    from fsat.datasets.nyud2 import NYUD2Labeled
    from fsat.datasets.nyud2_detection import NYUD2DetectionDataset
    from fsat.datasets.synthetic import INDOOR_CLASSES
    out = str(tmp_path / 'nyud2')
    overrides = dict(num_train=1, num_test=1)
    made = prepare_synthetic_world(out, preset='nyud2_tiny',
                                   overrides=overrides, hha=True, workers=1,
                                   progress=False)
    assert made['world']['kind'] == 'nyud2' and made['flow'] is None
    assert made['world']['preset']['name'] == 'nyud2_tiny-custom'
    assert made['hha'] == made['world']['num_images'] == 2
    assert sorted(os.listdir(osp.join(out, 'hha'))) == ['0000.png',
                                                         '0001.png']
    data = NYUD2DetectionDataset(data_root=out, split='test',
                                 modalities=('hha', ), hha_root='hha',
                                 classes=INDOOR_CLASSES)
    item = data[0]
    index = item['img_index']
    # the PNG holds the HHA of the labeled file's depth, raw zeros missing
    with NYUD2Labeled(osp.join(out, 'nyu_depth_v2_labeled.mat')) as reader:
        want = depth_to_hha(reader.depth(index), reader.raw_depth(index) == 0)
    assert item['img'].shape == (480, 640, 3) and item['img'].dtype == np.uint8
    np.testing.assert_array_equal(item['img'], want)
    # resumable: existing images are kept, a missing one is made again
    stamp = osp.getmtime(osp.join(out, 'hha', '0000.png'))
    again = prepare_synthetic_world(out, preset='nyud2_tiny',
                                    overrides=overrides, hha=True, workers=1,
                                    progress=False)
    assert again['hha'] == 0 and again['world'] == made['world']
    os.remove(osp.join(out, 'hha', '0001.png'))
    assert prepare_synthetic_world(out, preset='nyud2_tiny',
                                   overrides=overrides, hha=True, workers=1,
                                   progress=False)['hha'] == 1
    assert osp.getmtime(osp.join(out, 'hha', '0000.png')) == stamp
    # without hha=True the step makes the world only
    assert prepare_synthetic_world(out, preset='nyud2_tiny',
                                   overrides=overrides, workers=1,
                                   progress=False)['hha'] is None


@pytest.mark.parametrize('kwargs,message', [
    (dict(preset='tiny', hha=True),
     "hha=True: HHA images are made for the NYUD2-format indoor world only "
     "(preset nyud2 or nyud2_tiny), not preset 'tiny'"),
    (dict(preset='jhmdb_unit', hha=True, flow='farneback'),
     "not preset 'jhmdb_unit'"),
    (dict(preset='nyud2_tiny', flow='farneback'),
     "flow='farneback': the NYUD2-format indoor world (preset 'nyud2_tiny') "
     'has no videos; use flow=None (hha=True for its HHA images)'),
    (dict(preset='nyud2_tiny', hha='yes'),
     "hha must be True or False, got 'yes'"),
])
def test_hha_and_flow_need_the_right_world(tmp_path, kwargs, message):
    out = tmp_path / 'w'
    with pytest.raises(ValueError) as e:
        prepare_synthetic_world(str(out), workers=1, progress=False,
                                **kwargs)
    assert message in str(e.value) and '\n' not in str(e.value)
    assert not out.exists()
