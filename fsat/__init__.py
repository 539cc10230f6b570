# Copyright (c) fsat contributors. All rights reserved.
"""fsat: cross-modal knowledge transfer for action recognition and detection.

Importing ``fsat`` is cheap; models, datasets and plugins are imported lazily
when a registry is first searched (see :mod:`fsat.registry`).
"""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
