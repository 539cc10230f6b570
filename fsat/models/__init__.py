# Copyright (c) fsat contributors. All rights reserved.
"""Models fsat adds to mmaction2: distillers, losses, connectors, taps,
backbones, detectors and the plain-torch ops they need.

Importing this package registers every one of them (it is the location of
the ``fsat`` ``MODELS`` registry node).
"""
from .backbones import (
    AlexNetTrunk,
    AttentionNonLocal3d,
    ResNet3dNL,
    ResNeXt3d,
    VGGTrunk,
    expose_non_local_attention,
    layer_stride,
)
from .connectors import (
    BaseConnector,
    ConvAdaptConnector,
    FlattenConnector,
    L2NormConnector,
    LinearConnector,
    ScaleConnector,
    SequentialConnector,
    SpatialMatchConnector,
    build_connector,
)
from .data_preprocessors import Det2DDataPreprocessor, PairedDataPreprocessor
from .detectors import RC3D, FastRCNN2D, LateFusionDetector2D
from .distillers import (
    BaseDistiller,
    FeatureSupervisedDistiller,
    MultiTeacherDistiller,
    SupervisionTransferDistiller,
    TeacherSpec,
)
from .errors import ModelConfigError
from .heads import (
    ProposalClassifierHead,
    RoIBoxHead2D,
    RPNHead2D,
    TemporalProposalHead,
)
from .losses import (
    CosineDistanceLoss,
    FeatureMSELoss,
    KDLoss,
    SquaredL2Loss,
)
from .ops import TemporalRoIPool, nms_1d
from .recognizers import (
    AttentionModulation,
    LateFusionRecognizer,
    SpatioTemporalCoupler,
    VPNRecognizer,
)
from .taps import Tap, TapManager, TapRecords, unwrap_model

__all__ = [
    'BaseConnector', 'BaseDistiller', 'ConvAdaptConnector',
    'CosineDistanceLoss', 'FeatureMSELoss', 'FeatureSupervisedDistiller',
    'KDLoss', 'L2NormConnector', 'LateFusionRecognizer', 'LinearConnector',
    'ModelConfigError', 'ProposalClassifierHead', 'RC3D',
    'TemporalProposalHead',
    'PairedDataPreprocessor', 'ResNeXt3d', 'ScaleConnector',
    'SequentialConnector', 'SpatialMatchConnector', 'Tap',
    'TapManager', 'TapRecords', 'TeacherSpec', 'TemporalRoIPool',
    'build_connector', 'nms_1d', 'unwrap_model', 'AttentionModulation',
    'AttentionNonLocal3d', 'ResNet3dNL', 'SpatioTemporalCoupler',
    'VPNRecognizer', 'expose_non_local_attention', 'FlattenConnector',
    'MultiTeacherDistiller', 'Det2DDataPreprocessor', 'FastRCNN2D',
    'LateFusionDetector2D', 'RoIBoxHead2D', 'RPNHead2D', 'AlexNetTrunk',
    'VGGTrunk', 'layer_stride', 'SquaredL2Loss',
    'SupervisionTransferDistiller'
]
