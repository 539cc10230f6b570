# Copyright (c) fsat contributors. All rights reserved.
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.utils import ConfigType, OptSampleList
from mmengine.model import BaseDataPreprocessor

from fsat.models.errors import ModelConfigError
from fsat.models.utils.clips import CLIP_COUNTS_KEY
from fsat.registry import MODELS

__all__ = ['PairedDataPreprocessor']

Batch = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class PairedDataPreprocessor(BaseDataPreprocessor):
    """Preprocess each modality of a paired batch with its own preprocessor.

    The batch is ``dict(inputs=dict(modality -> per-sample tensors),
    data_samples=[...])``. RGB, optical flow, depth and skeletons are
    normalised differently, so each modality named in ``preprocessors`` gets
    its own (e.g. mmaction2's ``ActionDataPreprocessor``) and comes out as a
    batch tensor. Other modalities pass through unchanged (moved to the
    device); the data samples pass through.

    Axis 0 of a per-sample tensor is its clip axis (mmaction2's convention:
    ``[num_clips, C, T, H, W]``, ``[num_clips, M, T, V, C]``). Samples may
    have different numbers of clips (a teacher reading whole videos):

    * same shape for every sample: ``[N, num_clips, ...]``, as mmaction2;
    * shapes that differ only on axis 0: the clips are concatenated along
      the clip axis, ``[1, K, ...]`` with ``K = sum_i num_clips_i``.

    A recognizer flattens the first two axes in both cases, so its per-clip
    outputs are ``K`` rows in sample order. Every sample's metainfo records
    ``clip_counts = dict(modality -> num_clips)``, and
    :func:`fsat.models.utils.mean_per_sample` averages rows per video.

    Args:
        preprocessors (dict): Modality name -> config (or module) of a data
            preprocessor. Batch augments that mix samples (``blending``)
            are rejected: they would break the pairing of modalities.
        optional (Sequence[str]): Configured modalities a batch may lack
            (e.g. the teacher input of a distiller that reads cached
            teacher features while training, but uses the same
            preprocessor to build the cache). Others missing from a batch
            are an error. Defaults to ().
    """

    def __init__(self,
                 preprocessors: Dict[str, Union[ConfigType, nn.Module]],
                 optional: Sequence[str] = ()) -> None:
        super().__init__()
        self.optional = tuple(optional)
        if not isinstance(preprocessors, dict) or not preprocessors:
            raise ModelConfigError(
                'PairedDataPreprocessor: preprocessors must be a '
                'non-empty dict modality -> preprocessor config, got '
                f'{preprocessors!r}')
        built = {}
        for modality, cfg in preprocessors.items():
            if not isinstance(modality, str) or not modality.isidentifier():
                raise ModelConfigError(
                    f'PairedDataPreprocessor: modality {modality!r} '
                    'must be a name like rgb, flow, depth or pose')
            pre = cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)
            if getattr(pre, 'blending', None) is not None:
                raise ModelConfigError(
                    f'PairedDataPreprocessor: modality {modality!r}: '
                    'blending mixes samples per modality and breaks the '
                    'pairing of modalities; remove it')
            built[modality] = pre
        self.preprocessors = nn.ModuleDict(built)

    @property
    def modalities(self) -> Tuple[str, ...]:
        """The modalities this preprocessor normalises and stacks."""
        return tuple(self.preprocessors)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess every configured modality of the batch.

        Args:
            data (dict): ``dict(inputs=dict(...), data_samples=[...])``.
            training (bool): Whether training-time augments apply.

        Returns:
            dict: ``dict(inputs=dict(modality -> batch), data_samples)``.
        """
        data = self.cast_data(data)
        inputs = data.get('inputs')
        data_samples: OptSampleList = data.get('data_samples')
        if not isinstance(inputs, dict):
            raise TypeError(
                'PairedDataPreprocessor expects inputs as a dict '
                f'modality -> tensors, got {type(inputs).__name__}')
        missing = [
            m for m in self.preprocessors
            if m not in inputs and m not in self.optional
        ]
        if missing:
            raise ValueError(
                f'the batch has no {", ".join(map(repr, missing))} input '
                f'(it has {", ".join(map(repr, inputs)) or "none"}), but '
                'the data preprocessor is configured for it')
        outputs = dict(inputs)
        for modality, pre in self.preprocessors.items():
            if modality not in inputs:
                continue  # an optional modality this batch does not carry
            samples, counts = _split_samples(modality, inputs[modality])
            variable = len(samples) == 1 and len(counts) > 1
            if data_samples is not None and len(data_samples) != len(counts):
                raise ValueError(
                    f'modality {modality!r}: {len(counts)} samples but '
                    f'{len(data_samples)} data samples')
            result = pre(
                dict(
                    inputs=samples,
                    data_samples=None if variable else data_samples),
                training)
            outputs[modality] = result['inputs']
            if data_samples is not None:
                _record_counts(data_samples, modality, counts)
            elif variable:
                raise ValueError(
                    f'modality {modality!r} has a different number of clips '
                    'per sample; the data samples are needed to record them')
        return dict(inputs=outputs, data_samples=data_samples)

    # Sub-preprocessors keep their own device (they move data to it), so
    # device moves are passed on (BaseModel does it too, for any nesting).
    def to(self, *args, **kwargs) -> nn.Module:
        for pre in self.preprocessors.values():
            pre.to(*args, **kwargs)
        return super().to(*args, **kwargs)

    def cuda(self, *args, **kwargs) -> nn.Module:
        for pre in self.preprocessors.values():
            pre.cuda(*args, **kwargs)
        return super().cuda(*args, **kwargs)

    def cpu(self, *args, **kwargs) -> nn.Module:
        for pre in self.preprocessors.values():
            pre.cpu(*args, **kwargs)
        return super().cpu(*args, **kwargs)


def _split_samples(modality: str,
                   batch: Batch) -> Tuple[List[torch.Tensor], List[int]]:
    """Per-sample tensors to preprocess, and each sample's clip count.

    Returns the samples unchanged when they share a shape, else one tensor
    of all clips concatenated along axis 0.
    """
    if isinstance(batch, torch.Tensor):
        samples = list(batch.unbind(0))
    elif isinstance(batch, (list, tuple)) and all(
            isinstance(s, torch.Tensor) for s in batch):
        samples = list(batch)
    else:
        raise TypeError(f'modality {modality!r}: expected a tensor or a list '
                        f'of tensors, got {type(batch).__name__}')
    if not samples:
        raise ValueError(f'modality {modality!r}: empty batch')
    if any(s.dim() < 1 or s.shape[0] < 1 for s in samples):
        raise ValueError(f'modality {modality!r}: every sample needs at '
                         'least one clip on axis 0')
    counts = [int(s.shape[0]) for s in samples]
    first = samples[0].shape
    if all(s.shape == first for s in samples):
        return samples, counts
    if all(s.shape[1:] == first[1:] for s in samples):
        # [k_i, C, T, H, W] per sample -> [K, C, T, H, W], one "sample"
        return [torch.cat(samples, dim=0)], counts
    shapes = sorted({tuple(s.shape) for s in samples})
    raise ValueError(
        f'modality {modality!r}: samples differ in more than the number of '
        f'clips (axis 0): {shapes[0]} vs {shapes[-1]}; make the pipeline '
        'output one clip shape')


def _record_counts(data_samples: Sequence, modality: str,
                   counts: Sequence[int]) -> None:
    for sample, count in zip(data_samples, counts):
        recorded = dict(sample.metainfo.get(CLIP_COUNTS_KEY, {}))
        recorded[modality] = count
        sample.set_metainfo({CLIP_COUNTS_KEY: recorded})
