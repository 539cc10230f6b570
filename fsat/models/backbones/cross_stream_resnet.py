# Copyright (c) fsat contributors. All rights reserved.
"""Per-frame 2-D ResNet streams joined by cross-stream multiplicative
connections and temporal convolutions (Feichtenhofer et al., CVPR 2017, as
used by Garcia et al., ECCV 2018, for the hallucination network).

mmaction2 has the per-frame ResNet (TSN) but no way to let one stream's
feature map gate another's residual branch, nor a temporal convolution
inside a residual unit of a 2-D ResNet, so both are written here around
unchanged mmaction2 ``ResNet`` streams (``SlimResNet``: mmaction2's, with
a chosen width for the CPU-sized twins): every stream keeps its module
names and parameter keys (``layer1.0.conv1...``), an ImageNet or
mmaction2 TSN checkpoint loads into it, and the taps of the distillers
name a stream's stage as ``backbone.streams.<name>.layer4``.

The connection, before the 2nd residual unit of a stage, is (paper Eq. 2)

    x_out^a = relu(x^a + F(x^a * x^m))

where ``x^a`` is the receiving stream's output of the stage's first unit,
``x^m`` the sending stream's (both after their ReLU, so Eq. 2's ``f(.)``
is the identity on them) and ``F`` the unit's residual branch; the skip
path is untouched, and with ``x^m = 1`` the unit is the plain one. The
public code (``mode='code'``) instead feeds the residual branch with
``x^a + x~^a * x^m``, ``x~^a`` the first unit's output before its ReLU.
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

from .slim_resnet import SlimResNet

__all__ = ['CrossStreamResNet', 'TemporalConv', 'ConnectedResLayer']

CONNECTION_MODES = ('paper', 'code')
TEMPORAL_INITS = ('identity', 'default')


class TemporalConv(nn.Module):
    """A 1-D temporal convolution of kernel 3 over the frames of each
    video, then a ReLU: ``[N * T, C, H, W] -> [N * T, C, H, W]``.

    ``init='identity'`` (the paper's) makes the centre tap the identity
    matrix and the other taps and the bias zero, so on the non-negative
    maps it receives (after a ReLU) it changes nothing at initialisation.
    The public code keeps the framework's default initialiser
    (``init='default'``: PyTorch's), which does not.
    """

    def __init__(self, channels: int, init: str = 'identity') -> None:
        super().__init__()
        if init not in TEMPORAL_INITS:
            raise ValueError(f'TemporalConv: init must be one of '
                             f'{TEMPORAL_INITS}, got {init!r}')
        self.conv = nn.Conv3d(
            channels, channels, (3, 1, 1), padding=(1, 0, 0), bias=True)
        self.relu = nn.ReLU()
        self.init = init
        self.reset_identity()

    def reset_identity(self) -> None:
        """Identity at the centre tap, zero elsewhere (``init='identity'``;
        also re-applied by ``init_weights`` after a generic initialiser)."""
        if self.init != 'identity':
            return
        with torch.no_grad():
            self.conv.weight.zero_()
            channels = self.conv.weight.shape[0]
            self.conv.weight[:, :, 1, 0, 0] = torch.eye(channels)
            self.conv.bias.zero_()

    def forward(self, x: torch.Tensor, num_segments: int) -> torch.Tensor:
        nt, c, h, w = x.shape
        if nt % num_segments:
            raise ValueError(
                f'TemporalConv: {nt} frames are not a multiple of '
                f'num_segments={num_segments}')
        # [N * T, C, H, W] -> [N, C, T, H, W] -> conv -> back
        x = x.view(nt // num_segments, num_segments, c, h, w)
        x = self.conv(x.transpose(1, 2)).transpose(1, 2)
        return self.relu(x.reshape(nt, c, h, w))


def _residual_branch(block: nn.Module, x: torch.Tensor,
                     temporal: Optional[TemporalConv],
                     num_segments: int) -> torch.Tensor:
    """``F(x)`` of an mmaction2 ``BasicBlock`` / ``Bottleneck``, with the
    temporal convolution after its first convolution (whose ReLU makes its
    input non-negative)."""
    out = block.conv1(x)
    if temporal is not None:
        out = temporal(out, num_segments)
    out = block.conv2(out)
    if hasattr(block, 'conv3'):  # Bottleneck
        out = block.conv3(out)
    return out


def _pre_activation(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A unit's output before its final ReLU."""
    identity = x if block.downsample is None else block.downsample(x)
    return _residual_branch(block, x, None, 1) + identity


class ConnectedResLayer(nn.Sequential):
    """An mmaction2 ResNet stage (its units, unchanged and under the same
    names) whose 2nd unit may hold a temporal convolution and receive a
    gate from another stream.

    ``forward(x)`` alone is the plain stage (plus the temporal
    convolution). After a call, ``first_out`` (and ``first_pre`` in
    ``'code'`` mode) hold the first unit's output, which another stream's
    stage reads as its gate.
    """

    def __init__(self, layer: nn.Sequential, temporal_conv: bool,
                 temporal_init: str) -> None:
        super().__init__(*layer)
        if len(self) < 2:
            raise ValueError('ConnectedResLayer: a stage needs at least 2 '
                             f'residual units, got {len(self)}')
        unit2 = self[1]
        if temporal_conv:
            channels = unit2.conv1.conv.out_channels
            unit2.temporal_conv = TemporalConv(channels, temporal_init)
        self.first_out: Optional[torch.Tensor] = None
        self.first_pre: Optional[torch.Tensor] = None

    def forward(self,
                x: torch.Tensor,
                gate: Optional[torch.Tensor] = None,
                mode: str = 'paper',
                num_segments: int = 1) -> torch.Tensor:
        unit1, unit2 = self[0], self[1]
        if gate is not None and mode == 'code':
            pre = _pre_activation(unit1, x)
            x = torch.relu(pre)  # not the unit's in-place ReLU: pre is kept
        else:
            pre = None
            x = unit1(x)
        self.first_out, self.first_pre = x, pre
        if gate is None:
            branch_in = x
        elif gate.shape != x.shape:
            raise ValueError(
                f'cross-stream gate of shape {tuple(gate.shape)} does not '
                f'match the receiving stream\'s map {tuple(x.shape)}')
        elif mode == 'paper':
            branch_in = x * gate
        else:
            branch_in = x + pre * gate
        identity = x if unit2.downsample is None else unit2.downsample(x)
        out = _residual_branch(unit2, branch_in,
                               getattr(unit2, 'temporal_conv', None),
                               num_segments)
        x = unit2.relu(out + identity)
        for unit in list(self)[2:]:
            x = unit(x)
        return x


def _arch(depth: int, base_channels: int) -> str:
    return f'ResNet-{depth}, base_channels {base_channels}'


@MODELS.register_module()
class CrossStreamResNet(BaseModule):
    """Several per-frame 2-D ResNet streams (mmaction2's ``ResNet``), run
    stage by stage so that one stream's feature map can gate another's.

    Args:
        streams (dict): Stream name -> mmaction2 ``ResNet`` keyword
            arguments (``depth``, ``pretrained``, ``in_channels``, ...,
            and ``base_channels``, 64 by default: see ``SlimResNet``;
            ``out_indices`` must be left at the last stage).
        connections (Sequence[dict]): Each ``dict(src, dst, stages=(0, 1,
            2, 3), mode='paper')``: before the 2nd unit of every listed
            stage (0-based), ``src``'s first-unit output gates ``dst``'s
            residual branch. ``mode='code'`` is the public code's
            ``x + x~ * x_m``. A stream receives at most one connection per
            stage; the two streams must have the same depth and width.
            Garcia et al.'s main text sends depth into RGB (``src='depth',
            dst='rgb'``); its supplementary studies the inverse.
        temporal_conv (bool): A kernel-3 temporal convolution inside the
            2nd unit of every stage of every stream. Defaults to True.
        temporal_init (str): ``'identity'`` (the paper's) or ``'default'``
            (PyTorch's, the public code's). Defaults to ``'identity'``.
        num_segments (int): Frames per video, ``T`` of the ``[N * T, C, H,
            W]`` inputs (5 in the paper). Defaults to 5.
        init_cfg: See ``BaseModule``.
    """

    def __init__(self,
                 streams: Dict[str, dict],
                 connections: Sequence[dict] = (),
                 temporal_conv: bool = True,
                 temporal_init: str = 'identity',
                 num_segments: int = 5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(streams, dict) or not streams:
            raise ModelConfigError(
                'CrossStreamResNet: streams must be a non-empty '
                f'dict of name -> ResNet arguments, got '
                f'{streams!r}')
        if temporal_init not in TEMPORAL_INITS:
            raise ModelConfigError(
                f'CrossStreamResNet: temporal_init must be one '
                f'of {TEMPORAL_INITS}, got {temporal_init!r}')
        if not isinstance(num_segments, int) or num_segments < 1:
            raise ModelConfigError(
                'CrossStreamResNet: num_segments must be a '
                f'positive int, got {num_segments!r}')
        self.num_segments = num_segments
        self.streams = nn.ModuleDict()
        self.depths = {}
        for name, kwargs in streams.items():
            kwargs = dict(kwargs)
            if 'out_indices' in kwargs:
                raise ModelConfigError(
                    f'CrossStreamResNet: stream {name!r}: out_indices is not '
                    f'supported (the streams give their last stage)')
            kwargs.pop('type', None)
            net = SlimResNet(**kwargs)
            for layer_name in net.res_layers:
                setattr(
                    net, layer_name,
                    ConnectedResLayer(
                        getattr(net, layer_name), temporal_conv,
                        temporal_init))
            self.streams[name] = net
            self.depths[name] = (kwargs['depth'],
                                 kwargs.get('base_channels', 64))
        self.num_stages = min(len(s.res_layers) for s in self.streams.values())
        self.connections = self._check_connections(connections)
        self.order = self._stream_order()

    def _check_connections(self, connections) -> List[dict]:
        checked, receivers = [], set()
        for i, conn in enumerate(connections):
            conn = dict(conn)
            unknown = set(conn) - {'src', 'dst', 'stages', 'mode'}
            if unknown:
                raise ModelConfigError(
                    f'CrossStreamResNet: connection {i} has '
                    f'unknown keys {sorted(unknown)}')
            src, dst = conn.get('src'), conn.get('dst')
            for role, name in (('src', src), ('dst', dst)):
                if name not in self.streams:
                    raise ModelConfigError(
                        f'CrossStreamResNet: connection {i}: {role} {name!r} '
                        f'is not a stream ({sorted(self.streams)})')
            if src == dst:
                raise ModelConfigError(
                    f'CrossStreamResNet: connection {i} sends '
                    f'stream {src!r} to itself')
            if self.depths[src] != self.depths[dst]:
                raise ModelConfigError(
                    f'CrossStreamResNet: connection {i}: {src!r} '
                    f'({_arch(*self.depths[src])}) and {dst!r} '
                    f'({_arch(*self.depths[dst])}) have maps of different '
                    'sizes')
            stages = tuple(conn.get('stages', range(self.num_stages)))
            bad = [s for s in stages if not isinstance(s, int)
                   or not 0 <= s < self.num_stages]
            if bad or not stages:
                raise ModelConfigError(
                    f'CrossStreamResNet: connection {i}: stage(s) {bad} do '
                    f'not exist; the streams have {self.num_stages} stages, '
                    f'0 to {self.num_stages - 1}')
            mode = conn.get('mode', 'paper')
            if mode not in CONNECTION_MODES:
                raise ModelConfigError(
                    f'CrossStreamResNet: connection {i}: mode '
                    f'must be one of {CONNECTION_MODES}, got '
                    f'{mode!r}')
            for s in stages:
                if (dst, s) in receivers:
                    raise ModelConfigError(
                        f'CrossStreamResNet: stream {dst!r} receives two '
                        f'connections at stage {s}')
                receivers.add((dst, s))
            checked.append(dict(src=src, dst=dst, stages=stages, mode=mode))
        return checked

    def _stream_order(self) -> List[str]:
        """Senders before receivers (the same at every stage)."""
        order, pending = [], list(self.streams)
        while pending:
            ready = [
                n for n in pending if all(
                    c['src'] in order or c['src'] not in pending
                    for c in self.connections if c['dst'] == n)
            ]
            if not ready:
                raise ModelConfigError(
                    'CrossStreamResNet: the connections form a '
                    f'cycle among {pending}')
            order += ready
            pending = [n for n in pending if n not in ready]
        return order

    def init_weights(self) -> None:
        for net in self.streams.values():
            net.init_weights()
        super().init_weights()
        # a generic initialiser (Kaiming on convolutions) must not undo the
        # identity of the temporal convolutions
        for module in self.modules():
            if isinstance(module, TemporalConv):
                module.reset_identity()

    def forward(self, inputs: Dict[str, torch.Tensor],
                connections: bool = True) -> Dict[str, torch.Tensor]:
        """Run the streams.

        Args:
            inputs (dict): Stream name -> frames ``[N * T, C, H, W]``
                (``T = num_segments``). Every stream a given stream
                receives from must be there, unless ``connections`` is
                False.
            connections (bool): False runs every stream alone, as if it
                had no connections (the temporal convolutions stay).
                Defaults to True.

        Returns:
            dict: Stream name -> last stage's map ``[N * T, C', h, w]``.
        """
        names = [n for n in self.order if n in inputs]
        unknown = set(inputs) - set(self.streams)
        if unknown:
            raise ValueError(f'CrossStreamResNet: inputs for unknown streams '
                             f'{sorted(unknown)} ({sorted(self.streams)})')
        active = self.connections if connections else []
        for conn in active:
            if conn['dst'] in inputs and conn['src'] not in inputs:
                raise ValueError(
                    f"CrossStreamResNet: stream {conn['dst']!r} receives "
                    f"from {conn['src']!r}, which has no input")
        x = {}
        for name in names:
            net = self.streams[name]
            x[name] = net.maxpool(net.conv1(inputs[name]))
        for stage in range(self.num_stages):
            layers = {
                n: getattr(self.streams[n], self.streams[n].res_layers[stage])
                for n in names
            }
            for name in names:
                gate, mode = None, 'paper'
                for conn in active:
                    if conn['dst'] == name and stage in conn['stages']:
                        gate = layers[conn['src']].first_out
                        mode = conn['mode']
                x[name] = layers[name](
                    x[name], gate=gate, mode=mode,
                    num_segments=self.num_segments)
            for layer in layers.values():  # no stale maps between calls
                layer.first_out = layer.first_pre = None
        return x
