# Copyright (c) fsat contributors. All rights reserved.
"""Distillers: a student, its teachers and the losses between them."""
from .base import DATA_FEATURES, BaseDistiller, prefix_keys
from .feature_supervised import FeatureSupervisedDistiller
from .multi_teacher import MultiTeacherDistiller
from .supervision_transfer import SupervisionTransferDistiller
from .teacher import TeacherSpec, load_teacher_checkpoint, parse_teachers
from .wiring import LossInput, parse_loss_inputs

__all__ = [
    'DATA_FEATURES', 'BaseDistiller', 'FeatureSupervisedDistiller',
    'LossInput', 'MultiTeacherDistiller', 'SupervisionTransferDistiller',
    'TeacherSpec', 'load_teacher_checkpoint', 'parse_loss_inputs',
    'parse_teachers', 'prefix_keys'
]
