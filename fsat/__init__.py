# Copyright (c) fsat contributors. All rights reserved.
"""fsat: cross-modal knowledge transfer for action recognition and detection.

Importing ``fsat`` is cheap; models, datasets and plugins are imported lazily
when a registry is first searched (see :mod:`fsat.registry`).
"""
import warnings

from .version import __version__, version_info

# mmcv-lite has no compiled ops by design; mmaction2 warns about one of them
# at every import although fsat never uses it.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

__all__ = ['__version__', 'version_info']
