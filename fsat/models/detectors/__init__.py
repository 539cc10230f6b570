# Copyright (c) fsat contributors. All rights reserved.
"""Detectors: R-C3D (temporal actions), Fast R-CNN and its late fusion
(2-D objects and actors)."""
from .fast_rcnn2d import FastRCNN2D, LateFusionDetector2D
from .rc3d import RC3D

__all__ = ['FastRCNN2D', 'LateFusionDetector2D', 'RC3D']
