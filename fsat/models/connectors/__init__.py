# Copyright (c) fsat contributors. All rights reserved.
"""Connectors: projections between a student's and a teacher's features."""
from .base import BaseConnector
from .conv_adapt import ConvAdaptConnector
from .flatten import FlattenConnector
from .l2norm import L2NormConnector
from .linear import LinearConnector
from .scale import ScaleConnector, SpatialMatchConnector
from .sequential import SequentialConnector, build_connector

__all__ = [
    'BaseConnector', 'ConvAdaptConnector', 'FlattenConnector',
    'L2NormConnector', 'LinearConnector', 'ScaleConnector',
    'SequentialConnector', 'SpatialMatchConnector', 'build_connector'
]
