# Copyright (c) fsat contributors. All rights reserved.
"""A loss argument read from the training set at run time.

SCD's constant ``M`` and CRD's memory banks depend on the number of
training samples. MMEngine builds the model before the datasets and gives
no module access to the runner, and mmaction2 has no loss that needs the
training set's size, so a hand-typed number in a config could silently
disagree with the data. A loss built with ``num_data='train_set'``
(:data:`TRAIN_SET`) waits instead: :class:`fsat.engine.TrainSetSizeHook`
(registered by ``tools/train.py`` and every pipeline run) calls
:meth:`TrainSetSizedMixin.set_train_set_size` with
``len(runner.train_dataloader.dataset)`` in ``before_run``, i.e. before a
resumed run's checkpoint is loaded. The same hook checks an explicit
integer against the training set.
"""
import numbers
from typing import Iterable, List, Optional, Tuple, Union

import torch.nn as nn

from fsat.models.errors import ModelConfigError

__all__ = ['TRAIN_SET', 'TrainSetSizedMixin', 'train_set_sized_modules',
           'pending_state_keys']

#: The ``num_data`` value that means "the size of the training set".
TRAIN_SET = 'train_set'
#: The hook's config, as a user adds it to ``custom_hooks``.
HOOK_CFG = "dict(type='TrainSetSizeHook')"


class TrainSetSizedMixin:
    """For a loss whose ``num_data`` may be :data:`TRAIN_SET`.

    Attributes set by :meth:`_init_num_data`:

    * ``num_data`` (int | None): the number in use; None while a
      :data:`TRAIN_SET` value waits for the training set (or, at test
      time, for a checkpoint that sizes the module);
    * ``num_data_from_train_set`` (bool): the config said
      :data:`TRAIN_SET`.

    A subclass whose tensors depend on ``num_data`` lists their names in
    ``train_set_sized_buffers`` (their shapes are not compared with a
    checkpoint's while the number is pending) and allocates them in
    :meth:`_on_num_data`.
    """

    #: Buffers whose first dimension is ``num_data``.
    train_set_sized_buffers: Tuple[str, ...] = ()

    def _init_num_data(self,
                       num_data: Union[int, str, None],
                       minimum: int = 1,
                       optional: bool = False,
                       need: str = 'num_data is required') -> None:
        """Check and store ``num_data``.

        Args:
            num_data (int | str | None): A positive int, :data:`TRAIN_SET`,
                or None when ``optional``.
            minimum (int): The smallest valid size. Defaults to 1.
            optional (bool): Whether None is allowed. Defaults to False.
            need (str): The message when it is missing and required.
                Defaults to ``'num_data is required'``.
        """
        owner = type(self).__name__
        self.num_data_from_train_set = num_data == TRAIN_SET
        self.num_data: Optional[int] = None
        self._num_data_minimum = minimum
        self._num_data_origin = 'the config'
        if self.num_data_from_train_set:
            return
        if num_data is None:
            if optional:
                return
            raise ModelConfigError(
                f'{owner}: {need}: give '
                f"num_data='{TRAIN_SET}' (the size of the training set, "
                'read when training starts) or the number')
        if (isinstance(num_data, bool)
                or not isinstance(num_data, numbers.Integral)):
            raise ModelConfigError(
                f"{owner}: num_data must be a positive int or '{TRAIN_SET}'"
                f', got {num_data!r}')
        _check_size(owner, int(num_data), minimum, 'num_data')
        self.num_data = int(num_data)

    @property
    def num_data_pending(self) -> bool:
        """``num_data='train_set'`` not yet given its number."""
        return self.num_data is None and self.num_data_from_train_set

    def set_train_set_size(self, size: int, where: str = '') -> None:
        """Take (or, for an explicit number, check) the training set size.

        Args:
            size (int): ``len()`` of the whole training set (not of one
                rank's share).
            where (str): The module's place in the model, e.g.
                ``'distill_losses.loss_crd'``, for messages.
                Defaults to ''.

        Raises:
            ModelConfigError: An explicit ``num_data`` (or one a
                checkpoint set) differs from ``size``, or ``size`` is too
                small.
        """
        owner = type(self).__name__
        if where:
            owner = f'{where} ({owner})'
        if self.num_data is not None and self.num_data != size:
            if self.num_data_from_train_set:
                raise ModelConfigError(
                    f'{owner}: num_data is {self.num_data} (from '
                    f'{self._num_data_origin}) but the training set has '
                    f'{size} samples')
            raise ModelConfigError(
                f'{owner}: num_data={self.num_data} but the training set has '
                f"{size} samples; set num_data='{TRAIN_SET}' to use the "
                "training set's size")
        if self.num_data is None and self.num_data_from_train_set:
            _check_size(owner, size, self._num_data_minimum,
                        'the training set size')
            self._take_num_data(size, 'the training set')

    def _take_num_data(self, num_data: int, origin: str) -> None:
        """Fill in a pending ``num_data`` (``origin`` says from where)."""
        self.num_data = num_data
        self._num_data_origin = origin
        self._on_num_data(num_data)

    def _require_num_data(self) -> int:
        """``num_data``, or a one-line error while it is pending."""
        if self.num_data is None:
            raise ModelConfigError(
                f"{type(self).__name__}: num_data='{TRAIN_SET}' was never "
                'given the size of the training set; tools/train.py does '
                'that, a runner built otherwise needs custom_hooks='
                f'[{HOOK_CFG}]')
        return self.num_data

    def _on_num_data(self, num_data: int) -> None:
        """Allocate what depends on ``num_data`` (nothing by default)."""


def _check_size(owner: str, size, minimum: int, what: str) -> None:
    if (isinstance(size, bool) or not isinstance(size, numbers.Integral)
            or size < minimum):
        raise ModelConfigError(
            f'{owner}: {what} must be an int of at least {minimum}, got '
            f'{size!r}')


def train_set_sized_modules(
        model: nn.Module) -> List[Tuple[str, TrainSetSizedMixin]]:
    """``(name, module)`` of every module of ``model`` taking
    :data:`TRAIN_SET` or an explicit ``num_data``."""
    return [(name, module) for name, module in model.named_modules()
            if isinstance(module, TrainSetSizedMixin)]


def pending_state_keys(model: nn.Module) -> Iterable[str]:
    """State-dict keys whose shape waits for the training set size (a
    checkpoint's shape is adopted for them, see :class:`~.CRDLoss`)."""
    keys = set()
    for name, module in train_set_sized_modules(model):
        if module.num_data_pending:
            prefix = f'{name}.' if name else ''
            keys.update(prefix + buf
                        for buf in module.train_set_sized_buffers)
    return keys
