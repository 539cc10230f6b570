# Copyright (c) fsat contributors. All rights reserved.
"""Joint layouts of Toyota Smarthome skeletons and their graphs.

* ``lcrnet13``: the 13 joints of LCR-Net as stored in the JSON files
  (:data:`LCRNET_JOINTS`).
* ``smarthome15``: the 15 joints of the public 2s-AGCN port
  (``YangDi666/2s-AGCN-For-Daily-Living``), which VPN/VPN++ use: the 13
  LCR-Net joints in *reversed* order, then the neck (mean of the two
  shoulders) and the mid-hip (mean of the two hips)
  (:data:`SMARTHOME15_JOINTS`, :data:`SMARTHOME15_FROM_LCRNET`).

Both are registered as graph layouts ``'smarthome13'`` and
``'smarthome15'`` of mmaction2's GCN backbones (see
:mod:`fsat.datasets.graph_layouts`). Edges are bones drawn from the joint
names, written inward (child, parent) towards the centre: the neck for
``smarthome15`` (like NTU's spine-shoulder centre), the head for
``smarthome13``, which has no torso joint; there each shoulder links to its
hip and the two hips are linked (the pelvis), where ``smarthome15`` joins
them through the mid-hip.
"""
from typing import Dict, List, Tuple

from ..graph_layouts import register_graph_layout

__all__ = [
    'LCRNET_JOINTS', 'LCRNET_NUM_JOINTS', 'SMARTHOME15_JOINTS',
    'SMARTHOME15_FROM_LCRNET', 'SMARTHOME13_INWARD', 'SMARTHOME15_INWARD',
    'SMARTHOME15_CENTER', 'SMARTHOME15_MID_HIP'
]

#: LCR-Net's joint order in the JSON files (index = position).
LCRNET_JOINTS: Tuple[str, ...] = (
    'right_ankle', 'left_ankle', 'right_knee', 'left_knee', 'right_hip',
    'left_hip', 'right_wrist', 'left_wrist', 'right_elbow', 'left_elbow',
    'right_shoulder', 'left_shoulder', 'head')
LCRNET_NUM_JOINTS = len(LCRNET_JOINTS)
_LCR = {name: i for i, name in enumerate(LCRNET_JOINTS)}

#: The 15-joint layout: LCR-Net reversed, then neck and mid-hip.
SMARTHOME15_JOINTS: Tuple[str, ...] = LCRNET_JOINTS[::-1] + ('neck',
                                                              'mid_hip')
_S15 = {name: i for i, name in enumerate(SMARTHOME15_JOINTS)}

#: For each of the 15 joints, the LCR-Net joints it averages (one index:
#: copied): joint k < 13 is LCR-Net joint 12 - k; the neck is the mean of
#: the shoulders (10, 11), the mid-hip the mean of the hips (4, 5).
SMARTHOME15_FROM_LCRNET: Tuple[Tuple[int, ...], ...] = tuple(
    (LCRNET_NUM_JOINTS - 1 - k, ) for k in range(LCRNET_NUM_JOINTS)) + (
        (_LCR['right_shoulder'], _LCR['left_shoulder']),
        (_LCR['right_hip'], _LCR['left_hip']))

#: Centre (neck) and mid-hip of the 15-joint layout.
SMARTHOME15_CENTER = _S15['neck']
SMARTHOME15_MID_HIP = _S15['mid_hip']

_BONES15 = (('head', 'neck'), ('left_shoulder', 'neck'),
            ('right_shoulder', 'neck'), ('left_elbow', 'left_shoulder'),
            ('right_elbow', 'right_shoulder'), ('left_wrist', 'left_elbow'),
            ('right_wrist', 'right_elbow'), ('mid_hip', 'neck'),
            ('left_hip', 'mid_hip'), ('right_hip', 'mid_hip'),
            ('left_knee', 'left_hip'), ('right_knee', 'right_hip'),
            ('left_ankle', 'left_knee'), ('right_ankle', 'right_knee'))
_BONES13 = (('left_shoulder', 'head'), ('right_shoulder', 'head'),
            ('left_elbow', 'left_shoulder'), ('right_elbow',
                                              'right_shoulder'),
            ('left_wrist', 'left_elbow'), ('right_wrist', 'right_elbow'),
            ('left_hip', 'left_shoulder'), ('right_hip', 'right_shoulder'),
            ('left_hip', 'right_hip'), ('left_knee', 'left_hip'),
            ('right_knee', 'right_hip'), ('left_ankle', 'left_knee'),
            ('right_ankle', 'right_knee'))

#: Inward (child, parent) edges of the two layouts, 0-based.
SMARTHOME15_INWARD: List[Tuple[int, int]] = [(_S15[a], _S15[b])
                                             for a, b in _BONES15]
SMARTHOME13_INWARD: List[Tuple[int, int]] = [(_LCR[a], _LCR[b])
                                             for a, b in _BONES13]

SMARTHOME_GRAPH_LAYOUTS: Dict[str, dict] = {
    'smarthome13': dict(num_node=LCRNET_NUM_JOINTS,
                        inward=SMARTHOME13_INWARD, center=_LCR['head']),
    'smarthome15': dict(num_node=len(SMARTHOME15_JOINTS),
                        inward=SMARTHOME15_INWARD, center=SMARTHOME15_CENTER),
}
for _name, _layout in SMARTHOME_GRAPH_LAYOUTS.items():
    register_graph_layout(_name, **_layout, exist_ok=True)
