# Copyright (c) fsat contributors. All rights reserved.
from importlib import import_module

import pytest
from mmengine.registry import MODEL_WRAPPERS as ROOT_MODEL_WRAPPERS
from mmengine.registry import DefaultScope

import fsat.registry as fsat_registry
from fsat.registry import ALL_REGISTRIES, DATASETS, METRICS, MODELS


def test_every_registry_location_imports():
    locations = {loc for reg in ALL_REGISTRIES for loc in reg._locations}
    assert locations, 'fsat registries declare no locations'
    for loc in sorted(locations):
        import_module(loc)


def test_every_node_is_an_fsat_child_of_mmaction():
    for reg in ALL_REGISTRIES:
        assert reg.scope == 'fsat'
        if reg is fsat_registry.FUNCTIONS:  # mmaction2 has no such node
            assert reg.parent.scope == 'mmengine'
            continue
        assert reg.parent.scope == 'mmaction', reg.name
        assert reg.parent.parent.scope == 'mmengine', reg.name
    names = [n for n in vars(fsat_registry) if n.isupper()]
    nodes = [n for n in names if n != 'ALL_REGISTRIES']
    assert len(nodes) == len(ALL_REGISTRIES)


@pytest.mark.parametrize('name', [
    'ResNet3d', 'STGCN', 'AAGCN', 'I3DHead', 'GCNHead', 'Recognizer3D',
    'RecognizerGCN', 'ActionDataPreprocessor'
])
def test_mmaction_models_resolve_in_fsat_scope(name):
    # the lazy parent import makes these visible without importing
    # mmaction.models first
    assert MODELS.get(name) is not None


def test_mmaction_models_build_by_name_with_fsat_scope():
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(
            dict(
                type='Recognizer3D',
                backbone=dict(
                    type='ResNet3d',
                    depth=18,
                    base_channels=8,
                    pretrained=None,
                    pretrained2d=False),
                cls_head=dict(
                    type='I3DHead',
                    num_classes=5,
                    in_channels=64,
                    average_clips='prob'),
                data_preprocessor=dict(
                    type='ActionDataPreprocessor', format_shape='NCTHW')))
        gcn = MODELS.build(
            dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='STGCN',
                    graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
                    base_channels=8),
                cls_head=dict(type='GCNHead', num_classes=5, in_channels=32)))
    assert type(model).__name__ == 'Recognizer3D'
    assert model.cls_head.fc_cls.out_features == 5
    assert type(gcn.backbone).__name__ == 'STGCN'


def test_datasets_and_metrics_resolve():
    assert DATASETS.get('PoseDataset') is not None
    assert DATASETS.get('VideoDataset') is not None
    assert METRICS.get('AccMetric') is not None


def test_ddp_wrapper_is_found_by_the_runner_lookup():
    import fsat.engine  # noqa: F401
    # MMEngine's runner asks the root node directly, without a scope
    assert ROOT_MODEL_WRAPPERS.get('DeviceAgnosticDDP') is not None


NO_SCOPE_BUILD = '''
from mmengine.registry import DefaultScope
from fsat.registry import DATASETS, MODELS
assert DefaultScope.get_current_instance() is None
model = MODELS.build(dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', depth=18, base_channels=8,
                  pretrained=None, pretrained2d=False),
    cls_head=dict(type='I3DHead', num_classes=5, in_channels=64),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW')))
print(type(model.data_preprocessor).__name__)
dataset = DATASETS.build(dict(
    type='PoseDataset', ann_file=ANN,
    pipeline=[dict(type='UniformSampleFrames', clip_len=4),
              dict(type='PoseDecode'),
              dict(type='FormatGCNInput', num_person=1)]))
print(type(dataset.pipeline.transforms[-1]).__name__)
print(DefaultScope.get_current_instance().scope_name)
'''


def test_build_from_python_needs_no_default_scope(tmp_path):
    """``MODELS.build`` from a fresh process, without init_default_scope.

    The recognizer builds its data preprocessor, and the dataset its
    transforms, through MMEngine's root nodes, which need a default scope.
    """
    import pickle
    import subprocess
    import sys

    import numpy as np

    from fsat.testing import repo_path
    ann = tmp_path / 'ann.pkl'
    with open(ann, 'wb') as f:
        pickle.dump([
            dict(frame_dir='a', label=0, total_frames=8,
                 keypoint=np.zeros((1, 8, 25, 3), np.float32))
        ], f)
    code = f'ANN = {str(ann)!r}\n' + NO_SCOPE_BUILD
    proc = subprocess.run([sys.executable, '-c', code],
                          cwd=str(tmp_path),
                          env={'PYTHONPATH': repo_path(), 'PATH': '/usr/bin'},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == [
        'ActionDataPreprocessor', 'FormatGCNInput', 'fsat']


def test_a_default_scope_set_by_the_user_is_kept():
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(
            dict(type='ActionDataPreprocessor', format_shape='NCTHW'))
        assert DefaultScope.get_current_instance().scope_name == 'mmaction'
    assert type(model).__name__ == 'ActionDataPreprocessor'
