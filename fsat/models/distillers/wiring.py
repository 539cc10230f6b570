# Copyright (c) fsat contributors. All rights reserved.
"""Declarative wiring of a distillation loss: which feature feeds which
argument, through which connector.

In a distiller config every ``distill_losses`` entry carries ``inputs``,
mapping each argument of the loss's ``forward`` to a feature::

    distill_losses=dict(
        loss_cos=dict(
            type='CosineDistanceLoss',
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='proj'),
                feat_t='rgb.feat')))

A feature is ``'<owner>.<tap>'`` (owner ``student`` or a teacher's name) or
a name a distiller subclass computes itself (``derived_features``). A
plain string is ``dict(feature=...)`` without a connector.
"""
import inspect
from typing import Any, Dict, Iterable, Mapping, Optional, Union

import torch
import torch.nn as nn

from fsat.models.errors import ModelConfigError
from fsat.utils.cli import did_you_mean

__all__ = [
    'LossInput', 'check_same_shapes', 'check_static_sizes',
    'parse_loss_inputs'
]


class LossInput:
    """One loss argument: a feature name and an optional connector name.

    Args:
        feature (str): ``'<owner>.<tap>'`` or a derived feature's name.
        connector (str, optional): Name in the distiller's ``connectors``.
    """

    def __init__(self, feature: str, connector: Optional[str] = None) -> None:
        self.feature = feature
        self.connector = connector

    @classmethod
    def from_cfg(cls, cfg: Union[str, dict], where: str) -> 'LossInput':
        if isinstance(cfg, str):
            return cls(cfg)
        if isinstance(cfg, dict) and 'feature' in cfg and set(cfg) <= {
                'feature', 'connector'
        }:
            return cls(cfg['feature'], cfg.get('connector'))
        raise ModelConfigError(
            f"{where}: expected 'owner.tap' or dict(feature='owner.tap', "
            f'connector=None), got {cfg!r}')

    def __repr__(self) -> str:
        via = f' -> {self.connector}' if self.connector else ''
        return f'{self.feature}{via}'


def parse_loss_inputs(name: str, loss: nn.Module, inputs: Optional[dict],
                      features: Iterable[str],
                      connectors: Iterable[str]) -> Dict[str, LossInput]:
    """Check a loss's ``inputs`` against its signature and known names.

    Args:
        name (str): The loss's name in ``distill_losses``.
        loss (nn.Module): The built loss.
        inputs (dict): Argument name -> feature (str or dict).
        features (Iterable[str]): Every feature name the distiller knows.
        connectors (Iterable[str]): Every connector name.

    Returns:
        dict[str, LossInput]: The parsed wiring.
    """
    where = f'distill_losses.{name}'
    if not isinstance(inputs, dict) or not inputs:
        raise ModelConfigError(
            f"{where}: needs inputs=dict(<argument>='<owner>.<tap>', ...) "
            'naming the feature of every argument of '
            f'{type(loss).__name__}.forward')
    params = inspect.signature(loss.forward).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = [
        n for n, p in params.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    for arg in inputs:
        if arg not in named and not takes_any:
            raise ModelConfigError(
                f'{where}.inputs: {type(loss).__name__}.forward has no '
                f'argument {arg!r} (it takes {", ".join(named)}).' +
                did_you_mean(arg, named))
    required = [
        n for n in named if params[n].default is inspect.Parameter.empty
    ]
    missing = [n for n in required if n not in inputs]
    if missing:
        raise ModelConfigError(
            f'{where}.inputs: no feature for argument(s) '
            f'{", ".join(missing)} of {type(loss).__name__}.forward')
    features, connectors = sorted(features), sorted(connectors)
    parsed = {}
    for arg, cfg in inputs.items():
        item = LossInput.from_cfg(cfg, f'{where}.inputs.{arg}')
        if item.feature not in features:
            raise ModelConfigError(
                f'{where}.inputs.{arg}: unknown feature {item.feature!r}; '
                f'features are {", ".join(features) or "none"} '
                "('<owner>.<tap>' from the taps config)." +
                did_you_mean(item.feature, features))
        if item.connector is not None and item.connector not in connectors:
            raise ModelConfigError(
                f'{where}.inputs.{arg}: unknown connector '
                f'{item.connector!r}; connectors are '
                f'{", ".join(connectors) or "none"}.' +
                did_you_mean(item.connector, connectors))
        parsed[arg] = item
    return parsed


def check_static_sizes(name: str, wiring: Dict[str, LossInput],
                       feature_dims: Mapping[str, Optional[int]],
                       connectors: Mapping[str, nn.Module]) -> None:
    """Fail when a loss's inputs end up with different channel sizes.

    Sizes come from the taps (``feature_dims``, None where unknown before
    a forward) through each input's connector (``in_channels`` /
    ``out_channels``); unknown sizes are left to :func:`check_same_shapes`.

    Args:
        name (str): The loss's name in ``distill_losses``.
        wiring (dict[str, LossInput]): The loss's parsed inputs.
        feature_dims (Mapping): Feature name -> channels or None.
        connectors (Mapping): Connector name -> module.
    """
    sizes = {}
    for arg, item in wiring.items():
        dim = feature_dims[item.feature]
        if item.connector is not None:
            conn = connectors[item.connector]
            need = getattr(conn, 'in_channels', None)
            if None not in (need, dim) and need != dim:
                raise ModelConfigError(
                    f'distill_losses.{name}.inputs.{arg}: connector '
                    f'{item.connector!r} takes {need} channels but feature '
                    f'{item.feature!r} has {dim}')
            if hasattr(conn, 'output_channels'):
                dim = conn.output_channels(dim)
            else:
                dim = getattr(conn, 'out_channels', None)
        if dim is not None:
            sizes[arg] = (dim, item)
    if len({dim for dim, _ in sizes.values()}) < 2:
        return
    (arg_a, (dim_a, a)), *others = sizes.items()
    arg_b, (dim_b, b) = next(o for o in others if o[1][0] != dim_a)
    raise ModelConfigError(
        f'distill_losses.{name}: {arg_a} ({a}) has {dim_a} channels but '
        f'{arg_b} ({b}) has {dim_b}; map one to the other with a connector, '
        "e.g. connectors=dict(proj=dict(type='LinearConnector', "
        f'in_channels={dim_a}, out_channels={dim_b})) and '
        f"{arg_a}=dict(feature='{a.feature}', connector='proj')")


def check_same_shapes(name: str, kwargs: Dict[str, Any],
                      wiring: Dict[str, LossInput]) -> None:
    """Fail, naming features and shapes, when a loss's tensors differ."""
    shapes = {
        k: tuple(v.shape)
        for k, v in kwargs.items() if isinstance(v, torch.Tensor)
    }
    if len(set(shapes.values())) > 1:
        text = ', '.join(f'{k} ({wiring[k]}) {s}' for k, s in shapes.items())
        raise ValueError(
            f'distill_losses.{name}: inputs differ in shape: {text}; add a '
            'connector (or pool the features to one shape)')
