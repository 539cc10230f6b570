# Copyright (c) fsat contributors. All rights reserved.
"""Taps: read intermediate tensors of unmodified models by module path.

A :class:`Tap` names a module of a model (``'cls_head.fc_cls'``,
``'backbone.layer3'``) and whether its input or its output is wanted. A
:class:`TapManager` checks every path when it is built and records the
tensors during one forward pass, inside a ``with`` block::

    taps = TapManager(dict(feat=dict(path='cls_head.fc_cls',
                                     source='input')), model)
    with taps.record(model) as records:
        model(inputs, mode='tensor', stage='head')
    feat = records['feat']  # [N, C], the pooled pre-classifier feature

Hooks exist only inside the block, so nothing is held between steps. Paths
are relative to the unwrapped model: a DDP-wrapped model is recorded
through ``model.module``.
"""
import difflib
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper

from fsat.models.errors import ModelConfigError

__all__ = ['Tap', 'TapManager', 'TapRecords', 'unwrap_model']

SOURCES = ('input', 'output')


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside MMEngine/PyTorch wrappers (DDP, FSDP, ...)."""
    while is_model_wrapper(model) or isinstance(
            model, nn.parallel.DistributedDataParallel):
        model = model.module
    return model


class Tap:
    """Where to read one tensor: a module path and its input or output.

    Args:
        path (str): Dotted module path as in ``model.named_modules()``,
            e.g. ``'cls_head.fc_cls'`` or ``'backbone.layer3'``.
        source (str): ``'input'`` (the first positional argument of the
            module's forward) or ``'output'``. Defaults to ``'output'``.
        dim (int, optional): Declared channel size (axis 1) of the tensor,
            used for build-time size checks where it cannot be inferred
            from the module. Defaults to None.
    """

    def __init__(self,
                 path: str,
                 source: str = 'output',
                 dim: Optional[int] = None) -> None:
        if not isinstance(path, str) or not path:
            raise ModelConfigError(
                f'a tap path must be a non-empty str, got {path!r}')
        if source not in SOURCES:
            raise ModelConfigError(
                f"tap {path!r}: source must be 'input' or 'output', got "
                f'{source!r}')
        if dim is not None and (not isinstance(dim, int) or dim < 1):
            raise ModelConfigError(
                f'tap {path!r}: dim must be a positive int, got {dim!r}')
        self.path = path
        self.source = source
        self.dim = dim

    @classmethod
    def from_cfg(cls, cfg: Union[str, dict, 'Tap']) -> 'Tap':
        """A tap from ``'path'`` (an output), ``dict(path=..., ...)`` or a
        tap."""
        if isinstance(cfg, Tap):
            return cfg
        if isinstance(cfg, str):
            return cls(cfg)
        if isinstance(cfg, dict):
            unknown = set(cfg) - {'path', 'source', 'dim'}
            if unknown or 'path' not in cfg:
                raise ModelConfigError(
                    'a tap is a module path or dict(path=..., '
                    f"source='input'|'output', dim=None), got {dict(cfg)!r}")
            return cls(**cfg)
        raise ModelConfigError(f'a tap must be a str or a dict, got {cfg!r}')

    def find(self,
             model: nn.Module,
             modules: Optional[Dict[str, nn.Module]] = None) -> nn.Module:
        """The tapped module of ``model``; an error lists the nearest names.

        Args:
            model (nn.Module): The model, possibly DDP-wrapped.
            modules (dict, optional): ``named_modules()`` of the unwrapped
                model, if already at hand.
        """
        if modules is None:
            modules = dict(unwrap_model(model).named_modules())
        if self.path in modules:
            return modules[self.path]
        names = [n for n in modules if n]
        close = difflib.get_close_matches(self.path, names, n=5, cutoff=0.5)
        if not close:  # at least show where the path stops matching
            parent = self.path.rpartition('.')[0]
            close = [n for n in names if n.startswith(parent)][:5]
        hint = (' Nearest module names: ' + ', '.join(repr(n) for n in close)
                if close else '')
        raise ModelConfigError(
            f'no module {self.path!r} in {type(model).__name__}.{hint}')

    def infer_dim(self, model: nn.Module) -> Optional[int]:
        """Channel size of the tapped tensor where the module tells it.

        The declared ``dim`` wins; otherwise linear, convolution and
        normalisation layers give their in/out channels. None if unknown.
        """
        if self.dim is not None:
            return self.dim
        module = self.find(model)
        if isinstance(module, nn.Linear):
            return (module.in_features
                    if self.source == 'input' else module.out_features)
        if isinstance(module, nn.modules.conv._ConvNd):
            return (module.in_channels
                    if self.source == 'input' else module.out_channels)
        if isinstance(module, nn.modules.batchnorm._NormBase):
            return module.num_features
        if isinstance(module, nn.GroupNorm):
            return module.num_channels
        return None

    def __repr__(self) -> str:
        return f'Tap({self.path!r}, source={self.source!r})'


class TapRecords:
    """The tensors recorded by a :class:`TapManager` in one ``with`` block.

    ``records[name]`` is the tensor of a tap that fired exactly once (the
    usual case); :meth:`all` gives every call's tensor for a module that
    ran several times (e.g. a model run in chunks).
    """

    def __init__(self, names: List[str], owner: str) -> None:
        self._calls: Dict[str, List[torch.Tensor]] = {n: [] for n in names}
        self._owner = owner

    def add(self, name: str, value: torch.Tensor) -> None:
        self._calls[name].append(value)

    def all(self, name: str) -> List[torch.Tensor]:
        """Every tensor recorded for ``name``, in call order."""
        if name not in self._calls:
            raise KeyError(f'{self._owner}: no tap named {name!r} (taps: '
                           f'{", ".join(self._calls) or "none"})')
        return list(self._calls[name])

    def __getitem__(self, name: str) -> torch.Tensor:
        calls = self.all(name)
        if len(calls) != 1:
            what = ('never ran: the forward did not reach the module'
                    if not calls else f'ran {len(calls)} times; use '
                    '.all(name) to get every call')
            raise RuntimeError(f'{self._owner}: tap {name!r} {what}')
        return calls[0]

    def __contains__(self, name: str) -> bool:
        return name in self._calls

    def keys(self) -> List[str]:
        return list(self._calls)

    def items(self):
        return [(n, self[n]) for n in self._calls]


class TapManager:
    """A set of named taps on one model, checked when built.

    Args:
        taps (dict): Tap name -> module path (an output), ``dict(path=...,
            source=..., dim=...)`` or :class:`Tap`.
        model (nn.Module, optional): If given, every path is checked now.
        owner (str): Name used in messages, e.g. ``'teacher rgb'``.
            Defaults to ``'model'``.
    """

    def __init__(self,
                 taps: Dict[str, Union[str, dict, Tap]],
                 model: Optional[nn.Module] = None,
                 owner: str = 'model') -> None:
        if not isinstance(taps, dict):
            raise ModelConfigError(
                f'{owner}: taps must be a dict name -> tap, got {taps!r}')
        self.owner = owner
        self.taps: Dict[str, Tap] = {}
        for name, cfg in taps.items():
            try:
                self.taps[name] = Tap.from_cfg(cfg)
            except ModelConfigError as e:
                raise ModelConfigError(f'{owner}: tap {name!r}: {e}') from None
        self._recording = False
        if model is not None:
            self.validate(model)

    def validate(self, model: nn.Module) -> None:
        """Fail, naming the nearest module names, on a path not in model."""
        for name, tap in self.taps.items():
            try:
                tap.find(model)
            except ModelConfigError as e:
                raise ModelConfigError(f'{self.owner}: tap {name!r}: {e}') \
                    from None

    def infer_dim(self, name: str, model: nn.Module) -> Optional[int]:
        """Channel size of tap ``name`` if known before any forward."""
        return self.taps[name].infer_dim(model)

    @contextmanager
    def record(self, model: nn.Module) -> Iterator[TapRecords]:
        """Record every tap during the forward passes run inside the block.

        Args:
            model (nn.Module): The model (or its DDP wrapper).

        Yields:
            TapRecords: Filled while the block runs; the hooks are removed
            when it ends, also on an exception.
        """
        if self._recording:
            raise RuntimeError(f'{self.owner}: taps are already recording')
        records = TapRecords(list(self.taps), self.owner)
        handles = []
        self._recording = True
        try:
            modules = dict(unwrap_model(model).named_modules())
            for name, tap in self.taps.items():
                module = tap.find(model, modules)
                if tap.source == 'input':
                    handles.append(
                        module.register_forward_pre_hook(
                            _input_hook(records, name)))
                else:
                    handles.append(
                        module.register_forward_hook(
                            _output_hook(records, name)))
            yield records
        finally:
            for handle in handles:
                handle.remove()
            self._recording = False

    def __len__(self) -> int:
        return len(self.taps)

    def __iter__(self):
        return iter(self.taps)

    def __repr__(self) -> str:
        return f'TapManager({self.owner!r}, {self.taps!r})'


def _input_hook(records: TapRecords, name: str):

    def hook(module, args):
        if not args:
            raise RuntimeError(
                f"tap {name!r}: source='input' needs a positional input, "
                f'but {type(module).__name__} was called with keywords only')
        records.add(name, args[0])

    return hook


def _output_hook(records: TapRecords, name: str):

    def hook(module, args, output):
        records.add(name, output)

    return hook
