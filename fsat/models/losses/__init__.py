# Copyright (c) fsat contributors. All rights reserved.
"""Distillation losses: plain modules, ``forward(student, teacher)``."""
from .attention_mse import AttentionMSELoss
from .cosine_distance import CosineDistanceLoss
from .crd import CRDLoss
from .feature_mse import FeatureMSELoss
from .hallucination import GeneralizedDistillationLoss, HallucinationLoss
from .kd import KDLoss
from .scd import SCDLoss
from .squared_l2 import SquaredL2Loss

__all__ = [
    'AttentionMSELoss', 'CosineDistanceLoss', 'CRDLoss', 'FeatureMSELoss',
    'GeneralizedDistillationLoss', 'HallucinationLoss', 'KDLoss', 'SCDLoss',
    'SquaredL2Loss'
]
