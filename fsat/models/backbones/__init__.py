# Copyright (c) fsat contributors. All rights reserved.
"""Backbones mmaction2 lacks."""
from .resnext3d import ResNeXt3d

__all__ = ['ResNeXt3d']
