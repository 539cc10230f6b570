# Copyright (c) fsat contributors. All rights reserved.
"""Non-local blocks whose attention map can be tapped.

VPN++'s attention-level distillation (VPN-A) compares the teacher's
pose-driven attention with the pairwise attention of a non-local block in
the RGB student (Wang et al., CVPR 2018). mmcv's ``NonLocal3d`` computes
that map inside ``forward`` and returns only the block's output, so no
forward hook can read it, and mmaction2's ``ResNet3d`` instantiates
``NonLocal3d`` directly, so no config can swap the class. This module adds:

* :class:`AttentionNonLocal3d`: mmcv's ``NonLocal3d`` with the same
  arguments, parameters and output, whose pairwise weight passes through an
  identity submodule ``attention``; a tap on ``<block>.attention`` reads
  it.
* :class:`ResNet3dNL`: mmaction2's ``ResNet3d`` (same arguments, same
  state-dict keys, so I3D-NL checkpoints load) whose non-local blocks are
  :class:`AttentionNonLocal3d`.
* :func:`expose_non_local_attention`: the same swap on any built module
  whose blocks hold a ``non_local_block`` (ResNet3d and its subclasses).

The tapped map has shape ``[N, Q, K]``: ``Q = T * H * W`` queries (every
position of the block's input) and ``K`` keys; for the ``embedded_gaussian``
and ``gaussian`` modes each row is a softmax (sums to 1). With
``sub_sample=True`` the keys (and values) are max-pooled by ``(1, 2, 2)``
before the pairwise function, ``K = T * (H // 2) * (W // 2)``: VPN++'s
public student (an I3D ``Mixed_5c`` map of 8x7x7) has 392 queries x 72
keys; without it ``K = Q``.

Sizes on the slim 3D-ResNet-18 (``configs/_base_/models/r3d18_slim.py``)
with ``sub_sample=True``: a block after ``layer4`` sees a 1x4x4 map for
16x112x112 clips (``[N, 16, 4]``) and 4x7x7 for 64x224x224
(``[N, 196, 36]``); for the synthetic world's 16x32x32 clips the
``layer4`` map is 1x1x1, too small to pool, so place the block after
``layer3`` there (2x2x2, ``[N, 8, 2]``) or use larger clips.
"""
from typing import Dict

import torch
import torch.nn as nn
from mmaction.models.backbones import ResNet3d
from mmcv.cnn import NonLocal3d

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['AttentionNonLocal3d', 'ResNet3dNL', 'expose_non_local_attention']


@MODELS.register_module()
class AttentionNonLocal3d(NonLocal3d):
    """mmcv's ``NonLocal3d`` with its attention map on a tappable module.

    Arguments, parameters and output are mmcv's ``NonLocal3d``'s. The
    pairwise weight ``[N, Q, K]`` (see the module docstring for ``Q`` and
    ``K``) is passed through the identity submodule ``attention`` before it
    weights the values, so a forward hook on it (an fsat tap
    ``'<path of the block>.attention'``) records exactly the map used.

    Args:
        in_channels (int): Channels of the input feature map.
        sub_sample (bool): Max-pool keys and values by ``(1, 2, 2)``.
            Defaults to False.
        **kwargs: ``reduction``, ``use_scale``, ``conv_cfg``, ``norm_cfg``,
            ``mode`` as in mmcv's ``NonLocal3d``.
    """

    def __init__(self,
                 in_channels: int,
                 sub_sample: bool = False,
                 **kwargs) -> None:
        super().__init__(in_channels, sub_sample=sub_sample, **kwargs)
        self.attention = nn.Identity()

    # ``NonLocal3d.forward`` calls the method named by ``self.mode`` for the
    # pairwise weight; each is routed through ``self.attention``.
    def gaussian(self, theta_x: torch.Tensor,
                 phi_x: torch.Tensor) -> torch.Tensor:
        return self.attention(super().gaussian(theta_x, phi_x))

    def embedded_gaussian(self, theta_x: torch.Tensor,
                          phi_x: torch.Tensor) -> torch.Tensor:
        return self.attention(super().embedded_gaussian(theta_x, phi_x))

    def dot_product(self, theta_x: torch.Tensor,
                    phi_x: torch.Tensor) -> torch.Tensor:
        return self.attention(super().dot_product(theta_x, phi_x))

    def concatenation(self, theta_x: torch.Tensor,
                      phi_x: torch.Tensor) -> torch.Tensor:
        return self.attention(super().concatenation(theta_x, phi_x))


def expose_non_local_attention(module: nn.Module) -> Dict[str, nn.Module]:
    """Replace every ``non_local_block`` of ``module`` by a tappable one.

    Each block of mmaction2's ResNet3d family built with ``non_local``
    holds ``non_local_block`` (an mmcv ``NonLocal3d``) and the
    ``non_local_cfg`` it was built with. The block is rebuilt as an
    :class:`AttentionNonLocal3d` with the same config and loaded with the
    old block's parameters and buffers, so the network computes the same
    function.

    Args:
        module (nn.Module): A built backbone (or any module holding such
            blocks).

    Returns:
        dict: Path (relative to ``module``) of every tappable attention
        map -> its :class:`AttentionNonLocal3d` block.
    """
    swapped = {}
    for name, block in list(module.named_modules()):
        old = getattr(block, 'non_local_block', None)
        if not isinstance(old, NonLocal3d):
            continue
        if not isinstance(old, AttentionNonLocal3d):
            new = AttentionNonLocal3d(old.in_channels,
                                      **getattr(block, 'non_local_cfg', {}))
            new.load_state_dict(old.state_dict())
            block.non_local_block = new
        prefix = f'{name}.' if name else ''
        swapped[f'{prefix}non_local_block.attention'] = \
            block.non_local_block
    return swapped


@MODELS.register_module()
class ResNet3dNL(ResNet3d):
    """mmaction2's ``ResNet3d`` whose non-local blocks expose attention.

    Takes ``ResNet3d``'s arguments; ``non_local`` (per stage: 0/1, or one
    flag per block) and ``non_local_cfg`` place mmcv non-local blocks after
    the chosen residual blocks as in I3D-NL, each built as an
    :class:`AttentionNonLocal3d`. State-dict keys are ``ResNet3d``'s.

    The attention map of the block after residual block ``j`` of stage
    ``i`` (1-based, as ``layer{i}``) is tapped at
    ``'backbone.layer{i}.{j}.non_local_block.attention'`` (shape
    ``[N, Q, K]``, see :mod:`fsat.models.backbones.nonlocal_attention`).
    VPN++'s student has one block on top of the last stage: with depth 18,
    ``non_local=(0, 0, 0, (0, 1))`` gives
    ``'backbone.layer4.1.non_local_block.attention'``.

    Raises:
        ModelConfigError: when no stage has a non-local block (there would
            be no map to tap; use ``ResNet3d``).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.attention_paths = sorted(expose_non_local_attention(self))
        if not self.attention_paths:
            raise ModelConfigError(
                'ResNet3dNL: non_local places no non-local block (got '
                f'{kwargs.get("non_local", (0, 0, 0, 0))!r}); set e.g. '
                'non_local=(0, 0, 0, (0, 1)) for one block after the last '
                'residual block of stage 4, or use ResNet3d')
