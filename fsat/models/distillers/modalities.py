# Copyright (c) fsat contributors. All rights reserved.
"""Which input each model of a distiller reads, and who normalises it."""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn

from fsat.models.errors import ModelConfigError
from fsat.utils.cli import did_you_mean

from .teacher import TeacherSpec

__all__ = [
    'check_modality_mode', 'check_preprocessor_modalities',
    'default_preprocessor'
]


def _owners(student: dict, student_modality: str,
            specs: Dict[str, TeacherSpec]) -> List[Tuple[str, str, dict]]:
    """``(owner, modality, model config)`` of the student and teachers."""
    return [('student', student_modality, student)] + [
        (f'teacher {n}', s.modality, s.model) for n, s in specs.items()
    ]


def check_modality_mode(student_modality: Optional[str],
                        specs: Dict[str, TeacherSpec]) -> None:
    """All models name a modality, or none does (one shared input)."""
    named = {n: s.modality for n, s in specs.items()}
    if student_modality is None:
        bad = [n for n, m in named.items() if m is not None]
        if bad:
            raise ModelConfigError(
                f'teacher {bad[0]!r} reads modality {named[bad[0]]!r} but '
                'student_modality is not set; set it (e.g. '
                "student_modality='depth')")
        return
    for name, modality in named.items():
        if not isinstance(modality, str):
            raise ModelConfigError(
                f'teachers.{name}.modality must name the modality it reads '
                f'(e.g. rgb), got {modality!r}')


def default_preprocessor(student: dict, student_modality: Optional[str],
                         specs: Dict[str, TeacherSpec]) -> Optional[dict]:
    """A data preprocessor config assembled from the models' own.

    Without modalities it is the student's; otherwise a
    ``PairedDataPreprocessor`` with each model's preprocessor under the
    modality it reads.
    """
    if student_modality is None:
        return student.get('data_preprocessor')
    preprocessors = {}
    for owner, modality, model in _owners(student, student_modality, specs):
        cfg = model.get('data_preprocessor')
        if cfg is None:
            continue
        if modality in preprocessors and preprocessors[modality] != cfg:
            raise ModelConfigError(
                f'{owner} and another model read modality {modality!r} '
                'with different data_preprocessor configs; set the '
                "distiller's data_preprocessor explicitly")
        preprocessors[modality] = cfg
    if not preprocessors:
        raise ModelConfigError(
            "no data preprocessor: set the distiller's data_preprocessor "
            "(a PairedDataPreprocessor) or the models' own")
    return dict(type='PairedDataPreprocessor', preprocessors=preprocessors)


def check_preprocessor_modalities(preprocessor: nn.Module,
                                  student_modality: Optional[str],
                                  specs: Dict[str, TeacherSpec]) -> None:
    """Every modality a model reads has a preprocessor entry."""
    if student_modality is None:
        return
    known = getattr(preprocessor, 'modalities', None)
    if known is None:
        raise ModelConfigError(
            'models reading different modalities need a '
            f'PairedDataPreprocessor, got {type(preprocessor).__name__}')
    for owner, modality, _ in _owners({}, student_modality, specs):
        if modality not in known:
            raise ModelConfigError(
                f'{owner} reads modality {modality!r}, which is not in '
                f'data_preprocessor.preprocessors (has '
                f'{", ".join(known) or "none"}); add it there, or a '
                "data_preprocessor to that model's config." +
                did_you_mean(modality, known))
