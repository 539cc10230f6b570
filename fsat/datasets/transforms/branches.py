# Copyright (c) fsat contributors. All rights reserved.
"""Run one transform pipeline per modality of a paired sample."""
import os.path as osp
from typing import Callable, Dict, Mapping, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose

from fsat.registry import TRANSFORMS

from .flip import PairedFlip
from .sources import SOURCE_DEFAULTS

#: Keys of the paired results copied into every modality's results.
SHARED_KEYS = ('video_id', 'label', 'sample_idx')


def build_pipeline(pipeline: Sequence[Union[dict, Callable]]) -> Compose:
    """Compose transforms, building config dicts with fsat's registry.

    fsat's ``TRANSFORMS`` node finds fsat's transforms and, through its
    parent, every mmaction2 and MMCV transform, with or without a
    ``default_scope``.
    """
    return Compose([
        TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline
    ])


@TRANSFORMS.register_module()
class ModalityPipelines(BaseTransform):
    """Load and augment each modality with its own pipeline.

    For each modality it builds mmaction2-style results from the paired
    results and the output of :class:`PairedSampleFrames`:

    * ``filename`` (a file, e.g. for ``DecordInit`` or a skeleton reader)
      or ``frame_dir`` (a frame folder, e.g. for ``RawFrameDecode``);
    * ``frame_inds`` (0-based), ``num_clips``, ``clip_len``,
      ``total_frames`` of :class:`PairedSampleFrames`;
    * ``offset``: the number of the first frame file of a folder (added to
      ``frame_inds`` by ``RawFrameDecode`` and fsat's loaders), 0 for
      files; ``start_index`` 0 (indices are already sampled);
    * ``filename_tmpl`` and mmaction2's ``modality`` string (``'RGB'``,
      ``'Flow'``, ``'Depth'``, ``'Pose'``);
    * ``video_id``, ``label`` and ``sample_idx`` of the sample.

    The results of each pipeline are stored in ``modality_results``.
    Spatial augmentations are drawn independently per modality, except
    :class:`PairedFlip`: when a pipeline holds one, a ``pair_seed`` is
    drawn (with ``np.random``) once per sample and given to every
    modality, so that all of them flip or none does.

    Args:
        modalities (dict): Modality name -> ``dict(pipeline=[...],
            source=None, filename_tmpl=None, start_index=None)``. ``source``
            is the key of the sample's ``paths`` to read (defaults to the
            name); ``filename_tmpl`` and ``start_index`` override the
            defaults of :data:`SOURCE_DEFAULTS`.
    """

    def __init__(self, modalities: Mapping[str, Mapping]) -> None:
        self.pipelines: Dict[str, Compose] = {}
        self.settings: Dict[str, dict] = {}
        for name, cfg in modalities.items():
            cfg = dict(cfg)
            source = cfg.pop('source', None) or name
            if source not in SOURCE_DEFAULTS:
                raise ValueError(
                    f'Modality {name!r} reads unknown source {source!r}: '
                    f'expected one of {list(SOURCE_DEFAULTS)}')
            settings = dict(SOURCE_DEFAULTS[source], source=source)
            for key in ('filename_tmpl', 'start_index'):
                if cfg.get(key) is not None:
                    settings[key] = cfg[key]
                cfg.pop(key, None)
            self.pipelines[name] = build_pipeline(cfg.pop('pipeline', []))
            unknown = set(cfg) - {'sampling', 'count_glob'}
            if unknown:
                raise ValueError(
                    f'Unknown keys of modality {name!r}: {sorted(unknown)}')
            self.settings[name] = settings
        self.shared_draw = any(
            isinstance(t, PairedFlip) for p in self.pipelines.values()
            for t in p.transforms)

    def modality_results(self, name: str, results: Mapping) -> dict:
        """The input results of modality ``name``'s pipeline."""
        settings = self.settings[name]
        path = results['paths'][settings['source']]
        out = {key: results[key] for key in SHARED_KEYS if key in results}
        out.update(results['sampled'][name])
        out.update(
            modality=settings['modality'],
            filename_tmpl=settings['filename_tmpl'],
            start_index=0)
        if osp.isdir(path):
            out.update(frame_dir=path, offset=settings['start_index'])
        else:
            out.update(filename=path, offset=0)
        return out

    def transform(self, results: Dict) -> Dict:
        """Run every modality's pipeline."""
        modality_results = {}
        pair_seed = (int(np.random.randint(2**31 - 1))
                     if self.shared_draw else None)
        for name, pipeline in self.pipelines.items():
            inputs = self.modality_results(name, results)
            if pair_seed is not None:
                inputs['pair_seed'] = pair_seed
            out = pipeline(inputs)
            if out is None:  # a transform rejected the sample
                return None
            modality_results[name] = out
        results['modality_results'] = modality_results
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'modalities={list(self.pipelines)})')
