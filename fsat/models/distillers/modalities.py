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
    """``(owner, modality, model config)`` of the student and teachers,
    one entry per modality a teacher reads."""
    return [('student', student_modality, student)] + [
        (f'teacher {n}', m, s.model) for n, s in specs.items()
        for m in s.modalities
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
        if not (isinstance(modality, str) or
                (isinstance(modality, tuple) and modality)):
            raise ModelConfigError(
                f'teachers.{name}.modality must name the modality it reads '
                "(e.g. rgb) or several (e.g. ('rgb', 'skeleton')), got "
                f'{modality!r}')


def _modality_preprocessors(owner: str, modality: str,
                            model: dict) -> Optional[dict]:
    """The preprocessor config ``model`` applies to ``modality``.

    A model reading one modality has one preprocessor; a model reading a
    paired batch (e.g. ``VPNRecognizer``) has a ``PairedDataPreprocessor``
    whose entry for ``modality`` is taken.
    """
    cfg = model.get('data_preprocessor')
    if cfg is None:
        return None
    if cfg.get('type') in ('PairedDataPreprocessor',
                           'fsat.PairedDataPreprocessor'):
        entries = cfg.get('preprocessors') or {}
        if modality not in entries:
            raise ModelConfigError(
                f'{owner} reads modality {modality!r} but its '
                'data_preprocessor (a PairedDataPreprocessor) has no entry '
                f'for it (has {", ".join(entries) or "none"})')
        return entries[modality]
    return cfg


def default_preprocessor(student: dict, student_modality: Optional[str],
                         specs: Dict[str, TeacherSpec]) -> Optional[dict]:
    """A data preprocessor config assembled from the models' own.

    Without modalities it is the student's; otherwise a
    ``PairedDataPreprocessor`` with each model's preprocessor under the
    modality it reads. A model whose own preprocessor is a
    ``PairedDataPreprocessor`` (a teacher reading several modalities)
    contributes its entry of each of them; two models giving one modality
    different configs is an error.
    """
    if student_modality is None:
        return student.get('data_preprocessor')
    preprocessors = {}
    for owner, modality, model in _owners(student, student_modality, specs):
        cfg = _modality_preprocessors(owner, modality, model)
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
    cfg = dict(type='PairedDataPreprocessor', preprocessors=preprocessors)
    optional = _optional_modalities(student_modality, specs)
    if optional:
        cfg['optional'] = optional
    return cfg


def _optional_modalities(student_modality: str,
                         specs: Dict[str, TeacherSpec]) -> List[str]:
    """Modalities a batch may lack.

    Test time is student only, so validation and test batches need carry
    the student's input alone: every modality only teachers read is
    optional (a training batch without it fails in the teacher, naming
    it). With a cached teacher, the cache's view of the data carries the
    teacher's input only, so the student's modality is optional too.
    """
    teacher_only = sorted({m for s in specs.values() for m in s.modalities}
                          - {student_modality})
    if any(s.cached for s in specs.values()):
        return teacher_only + [student_modality]
    return teacher_only


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
