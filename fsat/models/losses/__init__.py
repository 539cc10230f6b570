# Copyright (c) fsat contributors. All rights reserved.
"""Distillation losses: plain modules, ``forward(student, teacher)``."""
from .cosine_distance import CosineDistanceLoss
from .feature_mse import FeatureMSELoss
from .kd import KDLoss

__all__ = ['CosineDistanceLoss', 'FeatureMSELoss', 'KDLoss']
