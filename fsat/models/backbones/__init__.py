# Copyright (c) fsat contributors. All rights reserved.
"""Backbones mmaction2 lacks."""
from .cross_stream_resnet import CrossStreamResNet
from .nonlocal_attention import (
    AttentionNonLocal3d,
    ResNet3dNL,
    expose_non_local_attention,
)
from .resnext3d import ResNeXt3d
from .slim_resnet import SlimResNet
from .trunks2d import AlexNetTrunk, VGGTrunk, layer_stride

__all__ = [
    'AlexNetTrunk', 'AttentionNonLocal3d', 'CrossStreamResNet', 'ResNeXt3d',
    'ResNet3dNL', 'SlimResNet', 'VGGTrunk', 'expose_non_local_attention',
    'layer_stride'
]
