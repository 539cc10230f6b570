# Copyright (c) fsat contributors. All rights reserved.
"""AlexNet- and VGG-style 2-D trunks with named layer outputs.

Supervision transfer (Gupta, Hoffman, Malik, CVPR 2016) trains an AlexNet
or VGG for depth (HHA) or flow images so that one of its layers (``pool5``
mostly) matches a frozen RGB network's layer, then lets the transferred
layers initialise a Fast R-CNN. mmaction2 has 2-D ResNets only and fsat
cannot import torchvision, so the two classic trunks are written here.

Both trunks

* name their layers like the Caffe blobs (``conv1`` ... ``pool5``,
  ``fc6``, ``fc7`` for AlexNet; ``conv1_1`` ... ``conv5_3``, ``pool1`` ...
  ``pool5``, ``fc6``, ``fc7`` for VGG) and return the maps of
  ``out_layers`` (one tensor for one name, else a tuple in the order
  given). A ``conv`` or ``fc`` output is taken after its ReLU (before
  LRN or dropout), as the in-place Caffe blobs are;
* describe each layer in ``layer_info[name] == dict(stride=...,
  channels=...)`` (``stride`` is None for ``fc6`` / ``fc7``): the input
  pixels per output cell, i.e. a detector's ``feat_stride`` or a
  connector's channels (see also :func:`layer_stride`);
* freeze ``frozen_layers`` (no gradient, eval mode);
* load ``pretrained`` from a local file only (never a download): a
  torchvision-format state dict (``features.N.weight`` /
  ``classifier.N.weight``; the convolutions and the first linear layers
  are matched in order) or the trunk's own keys. When the file's first
  convolution reads another number of channels than ``in_channels``
  (an RGB network for a 2-channel flow input, say), its filters are
  averaged over the input channels and the mean repeated
  ``in_channels`` times: the paper's "copy RGB weights" baseline carried
  over to any channel count (a 3-channel HHA input takes the RGB filters
  unchanged).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from fsat.registry import MODELS

from ..errors import ModelConfigError

__all__ = ['AlexNetTrunk', 'VGGTrunk', 'layer_stride']

#: How many mismatching keys an error message shows.
SHOWN_KEYS = 5

#: (conv1 channels, padding), conv2..conv5 channels of each AlexNet arch.
ALEXNET_ARCHS = {
    'caffe': dict(channels=(96, 256, 384, 384, 256), conv1_padding=0,
                  lrn=True, ceil_mode=True),
    'torchvision': dict(channels=(64, 192, 384, 256, 256), conv1_padding=2,
                        lrn=False, ceil_mode=False),
}

#: Convolutions per block of each VGG depth.
VGG_BLOCKS = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
VGG_CHANNELS = (64, 128, 256, 512, 512)


def layer_stride(model: nn.Module, name: str) -> Dict[str, Optional[int]]:
    """``dict(stride=..., channels=...)`` of a trunk's layer ``name``.

    Args:
        model (nn.Module): An :class:`AlexNetTrunk` or :class:`VGGTrunk`.
        name (str): A layer name (``'pool5'``, ``'conv5'``, ...).

    Returns:
        dict: ``stride`` (input pixels per output cell; None for fully
        connected layers) and ``channels``.
    """
    info = getattr(model, 'layer_info', None)
    if info is None:
        raise ModelConfigError(f'layer_stride: {type(model).__name__} has '
                               'no layer_info (not a 2-D trunk)')
    if name not in info:
        raise ModelConfigError(f'layer_stride: unknown layer {name!r}; '
                               f'expected one of {list(info)}')
    return dict(info[name])


def _clean_state_dict(filename: str) -> Dict[str, torch.Tensor]:
    if not isinstance(filename, str) or not osp.isfile(filename):
        raise ModelConfigError(f'pretrained file {filename!r} does not '
                               'exist (only local files are read)')
    try:
        ckpt = torch.load(filename, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file
        raise ModelConfigError(f'pretrained file {filename}: cannot be '
                               f'read ({type(err).__name__}: '
                               f'{str(err).splitlines()[0][:120]})') from None
    if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
        ckpt = ckpt['state_dict']
    if not isinstance(ckpt, dict) or not all(
            isinstance(v, torch.Tensor) for v in ckpt.values()):
        raise ModelConfigError(f'pretrained file {filename}: not a state '
                               'dict of tensors')
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in ckpt.items())


def _indexed(state: Dict[str, torch.Tensor], group: str,
             dim: int) -> List[Tuple[torch.Tensor, Optional[torch.Tensor]]]:
    """``(weight, bias)`` of ``group.N`` with ``dim``-D weights, by N."""
    found = []
    for key, value in state.items():
        parts = key.split('.')
        if (len(parts) == 3 and parts[0] == group and parts[1].isdigit()
                and parts[2] == 'weight' and value.dim() == dim):
            found.append((int(parts[1]), value,
                          state.get(f'{group}.{parts[1]}.bias')))
    return [(w, b) for _, w, b in sorted(found, key=lambda t: t[0])]


class _Trunk2D(BaseModule):
    """Layers run in order; named outputs, freezing and weight loading.

    A subclass fills ``self._plan`` with ``(name, kind)`` (``kind`` one of
    ``'conv'``, ``'pool'``, ``'fc'``), registers a module under each
    ``conv`` / ``fc`` / ``pool`` name (and ``norm<name>`` LRNs before a
    pool, ``drop<n>`` dropouts after ``fc<n>``), then calls
    :meth:`_finish_init`.
    """

    _plan: List[Tuple[str, str]]
    layer_info: Dict[str, Dict[str, Optional[int]]]

    def _check_in_channels(self, in_channels) -> None:
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ModelConfigError(f'{type(self).__name__}: in_channels='
                                   f'{in_channels!r} must be a positive int')

    def _add_fc(self, in_features: int, fc_channels: int,
                dropout: float) -> None:
        """``fc6`` (+ ``drop6``) and ``fc7`` after the last pool."""
        self.fc6 = nn.Linear(in_features, fc_channels)
        self.drop6 = nn.Dropout(dropout)
        self.fc7 = nn.Linear(fc_channels, fc_channels)
        self._plan += [('fc6', 'fc'), ('fc7', 'fc')]
        self.layer_info.update(
            fc6=dict(stride=None, channels=fc_channels),
            fc7=dict(stride=None, channels=fc_channels))

    def _finish_init(self, out_layers, frozen_layers, pretrained,
                     with_fc: bool, init_cfg) -> None:
        cls = type(self).__name__
        names = [n for n, _ in self._plan]
        if isinstance(out_layers, str):
            out_layers = (out_layers, )
        out_layers = tuple(out_layers)
        if not out_layers:
            raise ModelConfigError(f'{cls}: out_layers is empty')
        for field, given in (('out_layers', out_layers),
                             ('frozen_layers', tuple(frozen_layers))):
            for name in given:
                if name in ('fc6', 'fc7') and not with_fc:
                    raise ModelConfigError(
                        f'{cls}: {field} names {name!r} but with_fc=False;'
                        ' set with_fc=True')
                if name not in names:
                    raise ModelConfigError(
                        f'{cls}: {field} names unknown layer {name!r}; '
                        f'expected some of {names}')
        self.out_layers = out_layers
        self.frozen_layers = tuple(frozen_layers)
        last = max(names.index(n) for n in out_layers)
        self._run = self._plan[:last + 1]
        if pretrained is not None and init_cfg is not None:
            raise ModelConfigError(f'{cls}: give pretrained or init_cfg, '
                                   'not both')
        self.pretrained = pretrained
        if pretrained is not None:
            self.load_pretrained(pretrained)
        self._freeze()

    # ------------------------------------------------------------ layers
    def _modules_of(self, name: str) -> List[nn.Module]:
        mods = [getattr(self, name)]
        for extra in ('norm' + name[len('pool'):] if name.startswith('pool')
                      else None, 'drop' + name[2:] if name.startswith('fc')
                      else None):
            if extra is not None and hasattr(self, extra):
                mods.append(getattr(self, extra))
        return mods

    def _freeze(self) -> None:
        for name in self.frozen_layers:
            for mod in self._modules_of(name):
                mod.eval()
                for param in mod.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> '_Trunk2D':
        """Set the mode; frozen layers stay in eval mode."""
        super().train(mode)
        self._freeze()
        return self

    def forward(self, x: torch.Tensor
                ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """The maps of ``out_layers`` of a batch ``[B, C, H, W]``."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ModelConfigError(
                f'{type(self).__name__}: expected an input [B, '
                f'{self.in_channels}, H, W], got {tuple(x.shape)}')
        outs = {}
        flat, prev = False, ''
        for name, kind in self._run:
            if kind == 'conv':
                x = F.relu(getattr(self, name)(x))
            elif kind == 'pool':
                norm = 'norm' + name[len('pool'):]
                if hasattr(self, norm):
                    x = getattr(self, norm)(x)
                x = getattr(self, name)(x)
            else:  # fc
                if not flat:
                    if tuple(x.shape[-2:]) != self.fc_grid:
                        x = F.adaptive_avg_pool2d(x, self.fc_grid)
                    x = x.flatten(1)
                    flat = True
                else:
                    x = getattr(self, 'drop' + prev[2:])(x)
                x = F.relu(getattr(self, name)(x))
                prev = name
            if name in self.out_layers:
                outs[name] = x
        result = tuple(outs[n] for n in self.out_layers)
        return result[0] if len(result) == 1 else result

    def init_weights(self) -> None:
        """Keep the ``pretrained`` weights (loaded when built)."""
        if self.pretrained is None:
            super().init_weights()

    # ----------------------------------------------------------- loading
    def load_pretrained(self, filename: str) -> None:
        """Load a torchvision-format or own-key state dict (see module
        docstring); first-layer channels are adapted by averaging."""
        cls = type(self).__name__
        state = _clean_state_dict(filename)
        convs = [n for n, k in self._plan if k == 'conv']
        fcs = [n for n, k in self._plan if k == 'fc']
        pairs = []  # (our module name, weight, bias)
        if any(k.startswith(('features.', 'classifier.')) for k in state):
            feats = _indexed(state, 'features', 4)
            if len(feats) != len(convs):
                raise ModelConfigError(
                    f'{cls}: pretrained file {filename} holds '
                    f'{len(feats)} convolutions (features.N.weight), the '
                    f'trunk has {len(convs)}')
            pairs += [(n, w, b) for n, (w, b) in zip(convs, feats)]
            if fcs:
                lins = _indexed(state, 'classifier', 2)
                if len(lins) < len(fcs):
                    raise ModelConfigError(
                        f'{cls}: pretrained file {filename} holds '
                        f'{len(lins)} linear layers (classifier.N.weight), '
                        f'with_fc=True needs {len(fcs)}')
                pairs += [(n, w, b) for n, (w, b) in zip(fcs, lins)]
        else:
            own = [n for n in convs + fcs]
            missing = [f'{n}.{p}' for n in own for p in ('weight', 'bias')
                       if f'{n}.{p}' not in state]
            allowed = {f'{n}.{p}' for n, k in self._plan if k != 'pool'
                       for p in ('weight', 'bias')}
            allowed |= {f'fc{i}.{p}' for i in (6, 7)
                        for p in ('weight', 'bias')}
            unexpected = sorted(set(state) - allowed)
            if missing or unexpected:
                raise ModelConfigError(
                    f'{cls}: pretrained file {filename} keys do not match '
                    f'the trunk: missing {missing[:SHOWN_KEYS]}, '
                    f'unexpected {unexpected[:SHOWN_KEYS]}')
            pairs += [(n, state[f'{n}.weight'], state[f'{n}.bias'])
                      for n in own]
        with torch.no_grad():
            for i, (name, weight, bias) in enumerate(pairs):
                mod = getattr(self, name)
                if i == 0 and weight.dim() == 4 and \
                        weight.shape[1] != mod.weight.shape[1]:
                    weight = weight.float().mean(1, keepdim=True).repeat(
                        1, mod.weight.shape[1], 1, 1)
                if tuple(weight.shape) != tuple(mod.weight.shape) or (
                        bias is None or bias.shape != mod.bias.shape):
                    raise ModelConfigError(
                        f'{cls}: pretrained file {filename}: {name} has '
                        f'weight {tuple(weight.shape)} / bias '
                        f'{None if bias is None else tuple(bias.shape)}, '
                        f'the trunk expects {tuple(mod.weight.shape)} / '
                        f'{tuple(mod.bias.shape)}')
                mod.weight.copy_(weight)
                mod.bias.copy_(bias)


@MODELS.register_module()
class AlexNetTrunk(_Trunk2D):
    """AlexNet convolutions (and optionally ``fc6`` / ``fc7``).

    ``arch='caffe'`` (the paper's network): conv1 11x11 stride 4, 96
    channels; conv2 5x5 pad 2, 256 (no groups); conv3 / conv4 3x3, 384;
    conv5 3x3, 256; ReLU after each; LRN (size 5, alpha 1e-4, beta 0.75,
    k 1) after the ReLU of conv1 and conv2; 3x3 stride-2 max-pooling with
    Caffe's ceil rounding after conv1, conv2 and conv5.
    ``arch='torchvision'``: 64, 192, 384, 256, 256 channels, conv1 padding
    2, no LRN, floor rounding.

    Args:
        arch (str): ``'caffe'`` or ``'torchvision'``. Defaults to
            ``'caffe'``.
        in_channels (int): Input channels (3 for RGB, HHA or a flow image;
            any count allowed). Defaults to 3.
        conv1_padding (int, optional): Padding of conv1. Defaults to None:
            0 for caffe, 2 for torchvision. The released HHA AlexNet of
            Gupta et al. uses 7, which gives its pool5 the size of a
            VGG-16 pool5 on the same image (e.g. 7x7 at 224x224), so the
            two can be compared cell by cell in supervision transfer.
        ceil_mode (bool, optional): Round pooled sizes up. Defaults to
            None: True for caffe, False for torchvision.
        out_layers (str | Sequence[str]): Layers returned, among
            ``conv1``, ``pool1``, ``conv2``, ``pool2``, ``conv3``,
            ``conv4``, ``conv5``, ``pool5``, ``fc6``, ``fc7``. Defaults to
            ``('pool5', )``.
        with_fc (bool): Build ``fc6`` / ``fc7`` (whole-image path: pool5
            is brought to 6x6 by adaptive average pooling when it is not
            6x6, then flattened). Defaults to False.
        fc_channels (int): Width of fc6 / fc7. Defaults to 4096.
        dropout (float): Dropout after fc6 (before fc7). Defaults to 0.5.
        frozen_layers (Sequence[str]): Layers without gradient, kept in
            eval mode. Defaults to ().
        pretrained (str, optional): A local state dict (see the module
            docstring). Defaults to None.
        init_cfg (dict, optional): Initialisation config (not with
            ``pretrained``).
    """

    def __init__(self,
                 arch: str = 'caffe',
                 in_channels: int = 3,
                 conv1_padding: Optional[int] = None,
                 ceil_mode: Optional[bool] = None,
                 out_layers: Union[str, Sequence[str]] = ('pool5', ),
                 with_fc: bool = False,
                 fc_channels: int = 4096,
                 dropout: float = 0.5,
                 frozen_layers: Sequence[str] = (),
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in ALEXNET_ARCHS:
            raise ModelConfigError(f'AlexNetTrunk: arch={arch!r}; expected '
                                   f'one of {list(ALEXNET_ARCHS)}')
        self._check_in_channels(in_channels)
        spec = ALEXNET_ARCHS[arch]
        pad = spec['conv1_padding'] if conv1_padding is None \
            else conv1_padding
        if not isinstance(pad, int) or pad < 0:
            raise ModelConfigError(f'AlexNetTrunk: conv1_padding={pad!r} '
                                   'must be an int >= 0')
        ceil = spec['ceil_mode'] if ceil_mode is None else bool(ceil_mode)
        self.arch, self.in_channels = arch, in_channels
        c1, c2, c3, c4, c5 = spec['channels']
        self.conv1 = nn.Conv2d(in_channels, c1, 11, 4, pad)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=ceil)
        self.conv2 = nn.Conv2d(c1, c2, 5, 1, 2)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=ceil)
        self.conv3 = nn.Conv2d(c2, c3, 3, 1, 1)
        self.conv4 = nn.Conv2d(c3, c4, 3, 1, 1)
        self.conv5 = nn.Conv2d(c4, c5, 3, 1, 1)
        self.pool5 = nn.MaxPool2d(3, 2, ceil_mode=ceil)
        if spec['lrn']:
            self.norm1 = nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)
            self.norm2 = nn.LocalResponseNorm(5, 1e-4, 0.75, 1.0)
        self._plan = [('conv1', 'conv'), ('pool1', 'pool'),
                      ('conv2', 'conv'), ('pool2', 'pool'),
                      ('conv3', 'conv'), ('conv4', 'conv'),
                      ('conv5', 'conv'), ('pool5', 'pool')]
        self.layer_info = OrderedDict(
            conv1=dict(stride=4, channels=c1),
            pool1=dict(stride=8, channels=c1),
            conv2=dict(stride=8, channels=c2),
            pool2=dict(stride=16, channels=c2),
            conv3=dict(stride=16, channels=c3),
            conv4=dict(stride=16, channels=c4),
            conv5=dict(stride=16, channels=c5),
            pool5=dict(stride=32, channels=c5))
        self.fc_grid = (6, 6)
        if with_fc:
            self._add_fc(c5 * 36, fc_channels, dropout)
        self._finish_init(out_layers, frozen_layers, pretrained, with_fc,
                          init_cfg)


@MODELS.register_module()
class VGGTrunk(_Trunk2D):
    """VGG (Simonyan & Zisserman) convolutions, 11/13/16/19 layers.

    Five blocks of 3x3 pad-1 convolutions (64, 128, 256, 512, 512
    channels; ``conv<b>_<i>``), each followed by a 2x2 stride-2 max-pool
    ``pool<b>``; optionally ``fc6`` / ``fc7`` on a 7x7 pool5 (adaptive
    average pooling to 7x7 when it is another size).

    Args:
        depth (int): 11, 13, 16 or 19. Defaults to 16.
        in_channels (int): Input channels. Defaults to 3.
        ceil_mode (bool): Round pooled sizes up (Caffe's VGG). Defaults to
            False (torchvision's; equal on even sizes).
        out_layers (str | Sequence[str]): Layers returned. Defaults to
            ``('pool5', )``.
        with_fc (bool): Build ``fc6`` / ``fc7``. Defaults to False.
        fc_channels (int): Width of fc6 / fc7. Defaults to 4096.
        dropout (float): Dropout after fc6. Defaults to 0.5.
        frozen_layers (Sequence[str]): Layers without gradient, kept in
            eval mode. Defaults to ().
        pretrained (str, optional): A local torchvision-format (or
            own-key) state dict. Defaults to None.
        init_cfg (dict, optional): Initialisation config (not with
            ``pretrained``).
    """

    def __init__(self,
                 depth: int = 16,
                 in_channels: int = 3,
                 ceil_mode: bool = False,
                 out_layers: Union[str, Sequence[str]] = ('pool5', ),
                 with_fc: bool = False,
                 fc_channels: int = 4096,
                 dropout: float = 0.5,
                 frozen_layers: Sequence[str] = (),
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if depth not in VGG_BLOCKS:
            raise ModelConfigError(f'VGGTrunk: depth={depth!r}; expected '
                                   f'one of {list(VGG_BLOCKS)}')
        self._check_in_channels(in_channels)
        self.depth, self.in_channels = depth, in_channels
        self._plan = []
        self.layer_info = OrderedDict()
        prev, stride = in_channels, 1
        for b, (convs, ch) in enumerate(
                zip(VGG_BLOCKS[depth], VGG_CHANNELS), start=1):
            for i in range(1, convs + 1):
                name = f'conv{b}_{i}'
                self.add_module(name, nn.Conv2d(prev, ch, 3, 1, 1))
                self._plan.append((name, 'conv'))
                self.layer_info[name] = dict(stride=stride, channels=ch)
                prev = ch
            stride *= 2
            self.add_module(f'pool{b}',
                            nn.MaxPool2d(2, 2, ceil_mode=ceil_mode))
            self._plan.append((f'pool{b}', 'pool'))
            self.layer_info[f'pool{b}'] = dict(stride=stride, channels=ch)
        self.fc_grid = (7, 7)
        if with_fc:
            self._add_fc(prev * 49, fc_channels, dropout)
        self._finish_init(out_layers, frozen_layers, pretrained, with_fc,
                          init_cfg)
