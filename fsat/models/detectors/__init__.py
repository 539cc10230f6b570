# Copyright (c) fsat contributors. All rights reserved.
"""Temporal action detectors: R-C3D."""
from .rc3d import RC3D

__all__ = ['RC3D']
