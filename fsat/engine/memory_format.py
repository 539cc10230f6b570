# Copyright (c) fsat contributors. All rights reserved.
"""Channels-last weights for 3-D convolutions.

On CPU, PyTorch's oneDNN 3-D convolutions ran faster here with their
tensors in ``torch.channels_last_3d`` memory format (NDHWC) than in the
default NCDHW, and a convolution's output follows its weight's format,
so converting the weights alone makes a whole 3-D CNN channels-last.
Measured on the synthetic VPN++ RGB student (slim 3D-ResNet-18 with a
non-local block, 8x64x64 clips): 1.3-1.9x more training steps per
second (``benchmarks/vpn_throughput.py --channels-last``). The values
are those of the default format up to the order of float sums.

Only 5-D tensors are converted: ``Module.to(memory_format=...)`` fails
on a model that mixes 4-D and 5-D weights ("required rank 5 tensor":
VPN*'s RGB and pose branches), and 2-D convolutions in channels-last
break mmaction2's GCN blocks, which ``view`` their convolutions' outputs
(AAGCN's attention, tried). Neither MMEngine nor mmaction2 has this,
hence :func:`to_channels_last` and :class:`ChannelsLastHook`.
"""
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import nn

from fsat.registry import HOOKS


def to_channels_last(model: nn.Module) -> int:
    """Put ``model``'s 5-D parameters and buffers (3-D convolution
    weights) in ``channels_last_3d`` memory format, in place.

    The parameters stay the same objects (their ``.data`` is replaced, as
    :meth:`nn.Module.to` does), so an optimiser built before keeps
    working, and loading a state dict afterwards copies into the new
    layout.

    Args:
        model (nn.Module): The model.

    Returns:
        int: The number of tensors converted.
    """
    fmt = torch.channels_last_3d
    count = 0
    for module in model.modules():
        for tensors in (module._parameters, module._buffers):
            for name, tensor in tensors.items():
                if (tensor is None or tensor.dim() != 5
                        or tensor.is_contiguous(memory_format=fmt)):
                    continue
                converted = tensor.data.contiguous(memory_format=fmt)
                if isinstance(tensor, nn.Parameter):
                    tensor.data = converted
                else:
                    tensors[name] = converted
                count += 1
    return count


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 3-D convolution weights to ``channels_last_3d``
    before training or testing.

    For CPU training of 3-D CNNs (the module docstring says how much it
    gains). Add it to a config::

        custom_hooks = [dict(type='ChannelsLastHook')]

    It runs before the runner loads a checkpoint or resumes, which copy
    into the new layout; checkpoints it writes load into a model in the
    default format (and back). A run's numbers differ from the default
    format's in the last digits (another order of float sums).
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        count = to_channels_last(model)
        print_log(
            f'ChannelsLastHook: {count} 3-D convolution weight(s) put in '
            'channels_last_3d memory format', logger='current')
