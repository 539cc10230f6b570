# Copyright (c) fsat contributors. All rights reserved.
"""Batch images of different sizes for the 2-D detector.

MMEngine's ``ImgDataPreprocessor`` normalises 1- or 3-channel images of
one plain input and mmaction2's preprocessors stack clips of one shape;
mmdet's ``DetDataPreprocessor`` (which pads and records the padded shape)
is not part of fsat's environment. The 2-D detector needs images of
different sizes padded into one batch, any number of channels (HHA, 2- or
3-channel flow) and paired inputs (``dict(rgb=..., hha=...)``) with their
own statistics, so :class:`Det2DDataPreprocessor` does that, reusing
MMEngine's ``stack_batch`` for the padding.
"""
from typing import Dict, List, Mapping, Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmengine.model.utils import stack_batch

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['Det2DDataPreprocessor']

Values = Optional[Sequence[float]]
Stats = Optional[Union[Sequence[float], Mapping[str, Values]]]


def _check_stats(name: str, value) -> None:
    items = value.items() if isinstance(value, Mapping) else [(None, value)]
    for modality, stats in items:
        if stats is None:
            continue
        where = name if modality is None else f'{name}[{modality!r}]'
        if isinstance(stats, (str, bytes)) or not all(
                isinstance(v, (int, float)) for v in stats) or not stats:
            raise ModelConfigError(f'Det2DDataPreprocessor: {where}='
                                   f'{stats!r} must be a list of numbers '
                                   '(one per channel, or one for all)')
        if name == 'std' and any(v <= 0 for v in stats):
            raise ModelConfigError(f'Det2DDataPreprocessor: {where}='
                                   f'{stats!r} must be positive')


@MODELS.register_module()
class Det2DDataPreprocessor(BaseDataPreprocessor):
    """Normalise and pad a batch of 2-D detection images.

    Inputs (after collation): a Tensor ``[B, C, H, W]``, a list of
    ``[C, H, W]`` tensors of possibly different sizes, or a dict modality
    -> either of these. Each image becomes float, optionally has its
    channels reversed (BGR -> RGB, 3-channel images only), is normalised
    as ``(x - mean) / std`` per channel, and the batch is padded at the
    right and bottom with ``pad_value`` to the largest ``H`` and ``W``,
    rounded up to a multiple of ``pad_size_divisor``. Boxes need no change
    (the top-left corner stays). Every data sample gets the metainfo
    ``batch_input_shape = (H, W)`` of the padded batch; the modalities of a
    dict input must pad to one shape (they are pixel-aligned).

    Args:
        mean (Sequence[float] | dict, optional): Per-channel means (or one
            value for all channels), or a dict modality -> means (None for
            a modality that is not normalised). A plain list applies to
            every modality of a dict input. Defaults to None (no
            normalisation).
        std (Sequence[float] | dict, optional): Same structure as ``mean``.
        bgr_to_rgb (bool | dict): Reverse the channels of 3-channel
            images, or a dict modality -> bool. Defaults to False.
        pad_size_divisor (int): Defaults to 1.
        pad_value (float): Value of the padded pixels, after
            normalisation. Defaults to 0.
        non_blocking (bool): Asynchronous device copies. Defaults to False.
    """

    def __init__(self,
                 mean: Stats = None,
                 std: Stats = None,
                 bgr_to_rgb: Union[bool, Mapping[str, bool]] = False,
                 pad_size_divisor: int = 1,
                 pad_value: float = 0.0,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking)
        if (mean is None) != (std is None):
            raise ModelConfigError('Det2DDataPreprocessor: give both mean '
                                   'and std, or neither')
        if isinstance(mean, Mapping) != isinstance(std, Mapping) or (
                isinstance(mean, Mapping) and set(mean) != set(std)):
            raise ModelConfigError(
                'Det2DDataPreprocessor: mean and std must both be lists or '
                'both dicts of the same modalities (got '
                f'mean={mean!r}, std={std!r})')
        _check_stats('mean', mean)
        _check_stats('std', std)
        if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
            raise ModelConfigError(
                f'Det2DDataPreprocessor: pad_size_divisor='
                f'{pad_size_divisor!r} must be a positive int')
        self.mean = dict(mean) if isinstance(mean, Mapping) else mean
        self.std = dict(std) if isinstance(std, Mapping) else std
        self.bgr_to_rgb = (dict(bgr_to_rgb) if isinstance(
            bgr_to_rgb, Mapping) else bool(bgr_to_rgb))
        self.pad_size_divisor = pad_size_divisor
        self.pad_value = float(pad_value)

    def _settings(self, modality: Optional[str]):
        """``(mean, std, bgr_to_rgb)`` of a modality (None: plain input)."""
        if isinstance(self.bgr_to_rgb, dict):
            if modality is None:
                raise ValueError(
                    'Det2DDataPreprocessor: bgr_to_rgb is per modality '
                    f'({sorted(self.bgr_to_rgb)}) but the batch holds one '
                    'plain input')
            flip = bool(self.bgr_to_rgb.get(modality, False))
        else:
            flip = self.bgr_to_rgb
        if not isinstance(self.mean, dict):
            return self.mean, self.std, flip
        if modality is None:
            raise ValueError(
                'Det2DDataPreprocessor: mean/std are per modality '
                f'({sorted(self.mean)}) but the batch holds one plain input')
        if modality not in self.mean:
            raise ValueError(
                f'Det2DDataPreprocessor: the batch has a {modality!r} input '
                f'but mean/std name only {sorted(self.mean)}; add it (None '
                'to leave it unnormalised)')
        return self.mean[modality], self.std[modality], flip

    def _batch(self, modality: Optional[str], batch) -> torch.Tensor:
        where = ('input' if modality is None else f'input {modality!r}')
        if isinstance(batch, torch.Tensor):
            if batch.dim() != 4:
                raise ValueError(f'Det2DDataPreprocessor: {where} must be '
                                 '[B, C, H, W] or a list of [C, H, W], got '
                                 f'shape {tuple(batch.shape)}')
            images: List[torch.Tensor] = list(batch.unbind(0))
        elif isinstance(batch, (list, tuple)) and batch and all(
                isinstance(x, torch.Tensor) for x in batch):
            images = list(batch)
        else:
            raise TypeError(f'Det2DDataPreprocessor: {where} must be a '
                            'tensor or a non-empty list of tensors, got '
                            f'{type(batch).__name__}')
        mean, std, flip = self._settings(modality)
        out = []
        for i, img in enumerate(images):
            if img.dim() != 3:
                raise ValueError(f'Det2DDataPreprocessor: {where} image {i} '
                                 f'must be [C, H, W], got shape '
                                 f'{tuple(img.shape)}')
            img = img.float()
            channels = img.shape[0]
            if flip:
                if channels != 3:
                    raise ValueError(
                        f'Det2DDataPreprocessor: bgr_to_rgb for {where}, '
                        f'whose images have {channels} channels (not 3)')
                img = img.flip(0)
            if mean is not None:
                if len(mean) not in (1, channels) or len(std) not in (
                        1, channels):
                    raise ValueError(
                        f'Det2DDataPreprocessor: {where} has {channels} '
                        f'channels but mean/std have {len(mean)}/'
                        f'{len(std)} values')
                m = img.new_tensor(mean).view(-1, 1, 1)
                s = img.new_tensor(std).view(-1, 1, 1)
                img = (img - m) / s
            out.append(img)
        return stack_batch(out, self.pad_size_divisor, self.pad_value)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise and pad ``data['inputs']``; record the padded shape.

        Args:
            data (dict): ``dict(inputs=..., data_samples=[...])``.
            training (bool): Unused (no batch augments).

        Returns:
            dict: ``dict(inputs=Tensor [B, C, H, W] | dict(modality ->
            Tensor), data_samples)``.
        """
        data = self.cast_data(data)
        inputs = data.get('inputs')
        samples = data.get('data_samples')
        if isinstance(inputs, Mapping):
            if not inputs:
                raise ValueError('Det2DDataPreprocessor: inputs is an empty '
                                 'dict')
            outputs: Union[torch.Tensor, Dict[str, torch.Tensor]] = {
                m: self._batch(m, v) for m, v in inputs.items()
            }
            shapes = {tuple(v.shape[-2:]) for v in outputs.values()}
            if len(shapes) != 1:
                raise ValueError(
                    'Det2DDataPreprocessor: the modalities pad to different '
                    'sizes ' + ', '.join(f'{m}: {tuple(v.shape[-2:])}'
                                         for m, v in outputs.items()) +
                    '; paired images must be pixel-aligned')
            shape = shapes.pop()
            first = next(iter(outputs.values()))
        else:
            outputs = self._batch(None, inputs)
            shape, first = tuple(outputs.shape[-2:]), outputs
        if samples is not None:
            if len(samples) != len(first):
                raise ValueError(f'Det2DDataPreprocessor: {len(first)} '
                                 f'images but {len(samples)} data samples')
            for sample in samples:
                sample.set_metainfo(dict(batch_input_shape=shape))
        return dict(inputs=outputs, data_samples=samples)
