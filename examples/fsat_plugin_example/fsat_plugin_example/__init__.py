"""An example fsat plugin: importing it registers its types."""
from .distiller import ToyFeatureDistiller
from .loss import AbsDistillLoss

__all__ = ['AbsDistillLoss', 'ToyFeatureDistiller']
