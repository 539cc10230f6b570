# Copyright (c) fsat contributors. All rights reserved.
from typing import List, Optional, Union

import torch
import torch.nn as nn

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

from .base import BaseConnector

__all__ = ['SequentialConnector', 'build_connector']


@MODELS.register_module()
class SequentialConnector(BaseConnector):
    """Connectors applied one after the other.

    ``Linear -> L2Norm`` is ``connectors=[dict(type='LinearConnector', ...),
    dict(type='L2NormConnector')]``. A list in a distiller's ``connectors``
    config builds one of these.

    Args:
        connectors (list[dict | nn.Module]): The connectors, in order.
    """

    def __init__(self, connectors: List[Union[dict, nn.Module]]) -> None:
        if not connectors:
            raise ModelConfigError('SequentialConnector needs at least one '
                                   'connector')
        built = [build_connector(c) for c in connectors]
        channels = None
        for i, conn in enumerate(built):
            need = getattr(conn, 'in_channels', None)
            if need is not None and channels is not None and need != channels:
                raise ModelConfigError(
                    f'SequentialConnector: connector {i} '
                    f'({type(conn).__name__}) takes {need} channels but the '
                    f'one before it gives {channels}')
            channels = _output_channels(conn, channels)
        first = getattr(built[0], 'in_channels', None)
        super().__init__(in_channels=first, out_channels=channels)
        self.connectors = nn.ModuleList(built)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conn in self.connectors:
            x = conn(x)
        return x


def _output_channels(conn: nn.Module,
                     channels: Optional[int]) -> Optional[int]:
    """Output channels of ``conn`` for an input of ``channels`` (or None)."""
    if isinstance(conn, BaseConnector):
        return conn.output_channels(channels)
    return getattr(conn, 'out_channels', None)


def build_connector(cfg: Union[dict, list, nn.Module]) -> nn.Module:
    """Build a connector from a config dict, a list of them, or a module.

    Args:
        cfg (dict | list | nn.Module): ``dict(type=...)``; a list is chained
            with :class:`SequentialConnector`; a module is returned as is.

    Returns:
        nn.Module: The connector.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if isinstance(cfg, (list, tuple)):
        return SequentialConnector(list(cfg))
    if isinstance(cfg, dict):
        return MODELS.build(cfg)
    raise ModelConfigError('a connector config must be a dict with a type, '
                           f'or a list of them, got {cfg!r}')
