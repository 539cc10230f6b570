# Copyright (c) fsat contributors. All rights reserved.
"""The error raised for a wrong model config, found when the model is built.
"""
from fsat.utils.cli import FsatUserError

__all__ = ['ModelConfigError']


class ModelConfigError(FsatUserError, ValueError):
    """A model config that cannot work (a wrong tap path, loss argument,
    teacher checkpoint, feature size, ...).

    It is a :class:`FsatUserError`, so the tools report it as one line, and
    a :class:`ValueError` for code that catches the usual type.
    """
