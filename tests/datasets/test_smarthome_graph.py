# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the named graph layouts (fsat.datasets.graph_layouts) and the
Toyota Smarthome layouts in mmaction2's GCN backbones."""
import numpy as np
import pytest
import torch
from mmaction.models.backbones import AAGCN, STGCN
from mmaction.models.utils.graph import Graph

from fsat.datasets.graph_layouts import (
    GRAPH_LAYOUTS,
    get_graph_layout,
    install_graph_layouts,
    register_graph_layout,
)
from fsat.datasets.smarthome import (
    LCRNET_JOINTS,
    SMARTHOME13_INWARD,
    SMARTHOME15_INWARD,
    SMARTHOME15_JOINTS,
)
from fsat.registry import MODELS

# the bones of the 15-joint layout, by hand (the 2s-AGCN port's edge set)
BONES15 = {
    ('head', 'neck'), ('neck', 'left_shoulder'), ('neck', 'right_shoulder'),
    ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
    ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
    ('neck', 'mid_hip'), ('mid_hip', 'left_hip'), ('mid_hip', 'right_hip'),
    ('left_hip', 'left_knee'), ('left_knee', 'left_ankle'),
    ('right_hip', 'right_knee'), ('right_knee', 'right_ankle')
}


def undirected(edges, names):
    return {frozenset((names[i], names[j])) for i, j in edges}


def test_smarthome15_edges_are_the_bones():
    assert undirected(SMARTHOME15_INWARD, SMARTHOME15_JOINTS) == {
        frozenset(b) for b in BONES15}
    layout = get_graph_layout('smarthome15')
    assert layout['num_node'] == 15
    assert SMARTHOME15_JOINTS[layout['center']] == 'neck'
    # inward edges point towards the centre: the parent is one hop closer
    hop = Graph('smarthome15', 'spatial', max_hop=15).hop_dis
    for child, parent in layout['inward']:
        assert hop[child, 13] == hop[parent, 13] + 1


def test_smarthome13_edges():
    expected = {
        ('head', 'left_shoulder'), ('head', 'right_shoulder'),
        ('left_shoulder', 'left_elbow'), ('left_elbow', 'left_wrist'),
        ('right_shoulder', 'right_elbow'), ('right_elbow', 'right_wrist'),
        ('left_shoulder', 'left_hip'), ('right_shoulder', 'right_hip'),
        ('left_hip', 'right_hip'), ('left_hip', 'left_knee'),
        ('left_knee', 'left_ankle'), ('right_hip', 'right_knee'),
        ('right_knee', 'right_ankle')
    }
    assert undirected(SMARTHOME13_INWARD, LCRNET_JOINTS) == {
        frozenset(b) for b in expected}
    assert LCRNET_JOINTS[get_graph_layout('smarthome13')['center']] == 'head'


@pytest.mark.parametrize('name', ['smarthome13', 'smarthome15'])
@pytest.mark.parametrize('mode', ['stgcn_spatial', 'spatial'])
def test_named_layout_equals_the_dict_layout(name, mode):
    by_name = Graph(layout=name, mode=mode)
    by_dict = Graph(layout=get_graph_layout(name), mode=mode)
    assert by_name.layout == name
    np.testing.assert_array_equal(by_name.A, by_dict.A)
    V = get_graph_layout(name)['num_node']
    assert by_name.A.shape[-2:] == (V, V)
    # mmaction2's own layouts are untouched
    assert Graph('nturgb+d', mode).A.shape[-1] == 25


@pytest.mark.parametrize('V,name', [(15, 'smarthome15'), (13, 'smarthome13')])
def test_stgcn_and_aagcn_build_and_run(V, name):
    torch.manual_seed(0)
    x = torch.randn(2, 1, 8, V, 3)  # [N, M, T, V, C]
    stgcn = STGCN(graph_cfg=dict(layout=name, mode='stgcn_spatial'),
                  num_stages=2, inflate_stages=[], down_stages=[2])
    out = stgcn(x)
    assert out.shape == (2, 1, 64, 4, V)
    assert torch.isfinite(out).all()
    aagcn = AAGCN(graph_cfg=dict(layout=name, mode='spatial'),
                  num_person=1, num_stages=2, inflate_stages=[],
                  down_stages=[2])
    assert aagcn(x).shape == (2, 1, 64, 4, V)
    # and from a config, through fsat's registry
    built = MODELS.build(dict(type='STGCN', graph_cfg=dict(
        layout=name, mode='stgcn_spatial'), num_stages=1))
    assert built(x).shape == (2, 1, 64, 8, V)


def test_unknown_layout_names_every_known_one():
    with pytest.raises(ValueError, match=r"Unknown graph layout 'smarthome"
                       r"17'.*'nturgb\+d'.*'smarthome13', 'smarthome15'"):
        STGCN(graph_cfg=dict(layout='smarthome17', mode='stgcn_spatial'))


def test_register_checks_and_install_is_idempotent():
    install_graph_layouts()
    install_graph_layouts()
    assert Graph.__init__._fsat_layouts
    Graph('smarthome15', 'spatial')  # still one wrapper, still working
    with pytest.raises(ValueError, match="one of mmaction2's own"):
        register_graph_layout('coco', 2, [(0, 1)], 0)
    with pytest.raises(ValueError, match='not connected: joints \\[2\\]'):
        register_graph_layout('test_split', 3, [(1, 0)], 0)
    with pytest.raises(ValueError, match='bad edges \\[\\(0, 3\\)\\]'):
        register_graph_layout('test_bad', 3, [(0, 3), (1, 0)], 0)
    with pytest.raises(ValueError, match='already registered with other'):
        register_graph_layout('smarthome15', 2, [(1, 0)], 0)
    register_graph_layout('smarthome15', exist_ok=True,
                          **get_graph_layout('smarthome15'))
    assert 'test_split' not in GRAPH_LAYOUTS
    try:
        register_graph_layout('test_pair', 2, [(1, 0)], 0)
        assert Graph('test_pair', 'spatial').A.shape == (3, 2, 2)
    finally:
        GRAPH_LAYOUTS.pop('test_pair', None)
