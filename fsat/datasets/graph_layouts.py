# Copyright (c) fsat contributors. All rights reserved.
"""Named skeleton graph layouts for mmaction2's GCN backbones.

mmaction2 1.1's ``Graph`` (``mmaction/models/utils/graph.py``), built by
``STGCN`` and ``AAGCN`` from ``graph_cfg=dict(layout=..., mode=...)``,
knows three named layouts (``'openpose'``, ``'nturgb+d'``, ``'coco'``) and
otherwise takes a dict ``dict(num_node, inward, center)``. It has no way to
name a new layout, so a config would have to spell out every edge. This
module keeps a table of named layouts (:func:`register_graph_layout`) and
extends ``Graph`` once, on import, so that a registered name is looked up
in the table:

.. code-block:: python

    backbone=dict(type='STGCN',
                  graph_cfg=dict(layout='smarthome15', mode='stgcn_spatial'))

The extension wraps ``Graph.__init__`` in place (no file of mmaction2 is
changed; :func:`install_graph_layouts` is idempotent): a registered name is
replaced by its dict before mmaction2's own code runs, and ``graph.layout``
keeps the name; mmaction2's names and dict layouts go through untouched; an
unknown name is a ValueError listing every known layout (mmaction2 fails
with a bare ``AssertionError``). Importing :mod:`fsat.datasets` installs it
and registers the Toyota Smarthome layouts (:mod:`fsat.datasets.
smarthome.joints`).
"""
import functools
from typing import Dict, List, Sequence, Tuple

import numpy as np

__all__ = [
    'GRAPH_LAYOUTS', 'MMACTION_LAYOUTS', 'get_graph_layout',
    'install_graph_layouts', 'register_graph_layout'
]

#: The named layouts of mmaction2 1.1's ``Graph``.
MMACTION_LAYOUTS = ('openpose', 'nturgb+d', 'coco')
#: fsat's named layouts: name -> ``dict(num_node, inward, center)``.
GRAPH_LAYOUTS: Dict[str, dict] = {}


def _check_connected(name: str, num_node: int,
                     edges: List[Tuple[int, int]]) -> None:
    reach = np.eye(num_node, dtype=bool)
    adj = np.eye(num_node, dtype=bool)
    for i, j in edges:
        adj[i, j] = adj[j, i] = True
    for _ in range(num_node):
        reach = (reach.astype(np.int64) @ adj.astype(np.int64)) > 0
    if not reach.all():
        lonely = sorted(set(np.flatnonzero(~reach[0]).tolist()))
        raise ValueError(f'Graph layout {name!r} is not connected: joints '
                         f'{lonely} cannot be reached from joint 0')


def register_graph_layout(name: str,
                          num_node: int,
                          inward: Sequence[Sequence[int]],
                          center: int,
                          exist_ok: bool = False) -> None:
    """Register a named layout for ``graph_cfg=dict(layout=name)``.

    Args:
        name (str): Layout name; not one of :data:`MMACTION_LAYOUTS`.
        num_node (int): Number of joints V.
        inward (Sequence[tuple[int, int]]): 0-based edges (child, parent),
            pointing towards ``center``, as mmaction2's ``Graph`` takes them.
        center (int): The centre joint (ST-GCN's spatial partitioning).
        exist_ok (bool): Allow registering the same layout again (a
            different one under the same name is still an error).
            Defaults to False.

    Raises:
        ValueError: For a taken name, an edge or centre out of
            ``0..num_node-1``, a self loop or a disconnected graph.
    """
    if name in MMACTION_LAYOUTS:
        raise ValueError(f'Graph layout {name!r} is one of mmaction2\'s '
                         'own; choose another name')
    edges = [tuple(int(v) for v in edge) for edge in inward]
    bad = [e for e in edges
           if len(e) != 2 or not all(0 <= v < num_node for v in e)
           or e[0] == e[1]]
    if num_node < 1 or bad or not 0 <= center < num_node:
        raise ValueError(
            f'Graph layout {name!r}: edges must be pairs of distinct joints '
            f'in 0..{num_node - 1} and the centre one joint, got bad edges '
            f'{bad} and center {center}')
    _check_connected(name, num_node, edges)
    layout = dict(num_node=int(num_node), inward=edges, center=int(center))
    if name in GRAPH_LAYOUTS and not (exist_ok
                                      and GRAPH_LAYOUTS[name] == layout):
        raise ValueError(f'Graph layout {name!r} is already registered '
                         'with other edges')
    GRAPH_LAYOUTS[name] = layout
    install_graph_layouts()


def get_graph_layout(name: str) -> dict:
    """A copy of the registered layout ``name`` (``dict(num_node, inward,
    center)``)."""
    if name not in GRAPH_LAYOUTS:
        raise ValueError(
            f'Unknown graph layout {name!r}: expected one of mmaction2\'s '
            f'{list(MMACTION_LAYOUTS)} or fsat\'s {sorted(GRAPH_LAYOUTS)}, '
            'or a dict(num_node, inward, center)')
    layout = GRAPH_LAYOUTS[name]
    return dict(layout, inward=list(layout['inward']))


def install_graph_layouts() -> None:
    """Make mmaction2's ``Graph`` look up names of :data:`GRAPH_LAYOUTS`.

    Idempotent. Imports ``mmaction.models`` (where ``Graph`` lives).
    """
    from mmaction.models.utils.graph import Graph
    if getattr(Graph.__init__, '_fsat_layouts', False):
        return
    original = Graph.__init__

    @functools.wraps(original)
    def __init__(self, layout='coco', *args, **kwargs):
        if isinstance(layout, str) and layout not in MMACTION_LAYOUTS:
            original(self, get_graph_layout(layout), *args, **kwargs)
            self.layout = layout
            return
        original(self, layout, *args, **kwargs)

    __init__._fsat_layouts = True
    Graph.__init__ = __init__
