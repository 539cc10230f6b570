# Copyright (c) fsat contributors. All rights reserved.
"""mmaction2's 2-D ``ResNet`` with a chosen width.

mmaction2's ``ResNet`` fixes the stem at 64 channels and stage ``i`` at
``64 * 2**i`` planes; the CPU-sized synthetic twins need the same network
narrower (widths 32-256 cost a quarter of the multiply-adds of 64-512 and
ran 3.8x faster per training step here), as ``ResNet3d`` already allows
with its ``base_channels``. ``SlimResNet`` is that ``ResNet`` with
``base_channels``: everything else (blocks, strides, frozen stages,
``norm_eval``, parameter names) is mmaction2's, and at the default 64 it
builds exactly mmaction2's network, so ImageNet and TSN checkpoints load
unchanged.
"""
from mmaction.models.backbones.resnet import ResNet, make_res_layer
from mmcv.cnn import ConvModule

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['SlimResNet']


@MODELS.register_module()
class SlimResNet(ResNet):
    """A 2-D ResNet whose stem has ``base_channels`` channels and whose
    stage ``i`` has ``base_channels * 2**i`` planes.

    Args:
        base_channels (int): Width of the stem; 64 is mmaction2's
            ``ResNet``. Defaults to 64.
        **kwargs: mmaction2 ``ResNet`` arguments. ``pretrained`` (an
            ImageNet checkpoint) needs ``base_channels=64``.
    """

    def __init__(self, base_channels: int = 64, **kwargs) -> None:
        if (not isinstance(base_channels, int) or isinstance(
                base_channels, bool) or base_channels < 1):
            raise ModelConfigError(
                'SlimResNet: base_channels must be a positive int, '
                f'got {base_channels!r}')
        if base_channels != 64 and kwargs.get('pretrained'):
            raise ModelConfigError(
                f'SlimResNet: pretrained={kwargs["pretrained"]!r} holds '
                f'64-channel weights; base_channels={base_channels} cannot '
                'load them')
        super().__init__(**kwargs)
        self.base_channels = base_channels
        if base_channels == 64:
            return
        # rebuild the stem and the stages at the chosen width, with the
        # arguments mmaction2's constructor used for the 64-wide ones
        self.conv1 = ConvModule(
            self.in_channels,
            base_channels,
            kernel_size=7,
            stride=2,
            padding=3,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        inplanes = base_channels
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            setattr(
                self, self.res_layers[i],
                make_res_layer(
                    self.block,
                    inplanes,
                    planes,
                    num_blocks,
                    stride=self.strides[i],
                    dilation=self.dilations[i],
                    style=self.style,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg,
                    with_cp=self.with_cp))
            inplanes = planes * self.block.expansion
        self.inplanes = inplanes
        self.feat_dim = inplanes
