# Copyright (c) fsat contributors. All rights reserved.
"""3D ResNeXt of Hara et al. (CVPR 2018), the FSAT Kinetics teacher.

mmaction2's ResNet3d has no grouped convolutions, so the ResNeXt variant is
written here: bottleneck blocks ``1x1x1 -> grouped 3x3x3 -> 1x1x1`` with
cardinality 32 and expansion 2, convolutional (type B) shortcuts, a
``7x7x7`` stem with spatial stride 2 and a ``3x3x3`` max-pool with stride 2.
"""
from typing import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init

from fsat.registry import MODELS


class ResNeXtBottleneck3d(nn.Module):
    """``1x1x1 -> 3x3x3 (groups) -> 1x1x1`` with a residual connection.

    Args:
        in_channels (int): Input channels.
        planes (int): Stage width; the block outputs ``2 * planes``.
        cardinality (int): Groups of the 3x3x3 convolution.
        stride (int): Spatio-temporal stride of the 3x3x3 convolution.
    """

    expansion = 2

    def __init__(self, in_channels: int, planes: int, cardinality: int,
                 stride: int = 1) -> None:
        super().__init__()
        mid = cardinality * max(planes // 32, 1)
        out = planes * self.expansion
        self.conv1 = nn.Conv3d(in_channels, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(mid)
        self.conv2 = nn.Conv3d(
            mid, mid, 3, stride=stride, padding=1, groups=cardinality,
            bias=False)
        self.bn2 = nn.BatchNorm3d(mid)
        self.conv3 = nn.Conv3d(mid, out, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out:
            self.downsample = nn.Sequential(
                nn.Conv3d(in_channels, out, 1, stride=stride, bias=False),
                nn.BatchNorm3d(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + identity)


@MODELS.register_module()
class ResNeXt3d(BaseModule):
    """3D ResNeXt backbone; outputs the last stage's feature map.

    Args:
        depth (int): 50, 101 or 152. Defaults to 101.
        in_channels (int): Input channels (3 for RGB, 2 for flow).
            Defaults to 3.
        cardinality (int): Groups of the 3x3x3 convolutions. Defaults to 32.
        stem_channels (int): Channels of the stem. Defaults to 64.
        stage_planes (Sequence[int]): Width of each stage; a stage outputs
            twice its width. Defaults to Hara's (128, 256, 512, 1024), i.e.
            a 2048-d feature; shrink both widths for CPU-sized runs.
        zero_init_residual (bool): Zero the last BN of every block.
            Defaults to True.
        init_cfg (dict, optional): MMEngine init config (e.g. Pretrained).
    """

    arch_settings = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}

    def __init__(self,
                 depth: int = 101,
                 in_channels: int = 3,
                 cardinality: int = 32,
                 stem_channels: int = 64,
                 stage_planes: Sequence[int] = (128, 256, 512, 1024),
                 zero_init_residual: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for ResNeXt3d; choose '
                           f'one of {sorted(self.arch_settings)}')
        if len(stage_planes) != 4:
            raise ValueError('stage_planes needs 4 widths, got '
                             f'{list(stage_planes)}')
        self.zero_init_residual = zero_init_residual
        self.conv1 = nn.Conv3d(
            in_channels, stem_channels, 7, stride=(1, 2, 2), padding=3,
            bias=False)
        self.bn1 = nn.BatchNorm3d(stem_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool3d(3, stride=2, padding=1)
        channels, stages = stem_channels, []
        for i, (blocks, planes) in enumerate(
                zip(self.arch_settings[depth], stage_planes)):
            layers = []
            for b in range(blocks):
                stride = 2 if (i > 0 and b == 0) else 1
                layers.append(
                    ResNeXtBottleneck3d(channels, planes, cardinality,
                                        stride))
                channels = planes * ResNeXtBottleneck3d.expansion
            stages.append(nn.Sequential(*layers))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.feat_dim = channels

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is not None:
            return
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                kaiming_init(m)
            elif isinstance(m, nn.BatchNorm3d):
                constant_init(m, 1)
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, ResNeXtBottleneck3d):
                    constant_init(m.bn3, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # [N, C, T, H, W] -> [N, 2 * stage_planes[-1], T/16, H/32, W/32]
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        return self.layer4(x)
