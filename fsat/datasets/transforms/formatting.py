# Copyright (c) fsat contributors. All rights reserved.
"""Pack a paired multimodal sample into model inputs and a data sample."""
from typing import Dict, Sequence

from mmaction.datasets.transforms import PackActionInputs
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

#: Keys of a modality's results that hold its network input, in the order
#: mmaction2's ``PackActionInputs`` looks for them.
INPUT_KEYS = ('imgs', 'heatmap_imgs', 'keypoint', 'audios')
#: Sample-level keys put in the data sample's metainfo by default.
PAIRED_META_KEYS = ('video_id', 'clip_slot', 'num_slots', 'total_frames',
                    'frame_inds', 'labeled', 'sample_idx')


def modality_input(name: str, results: dict):
    """The network input array of one modality's results."""
    for key in INPUT_KEYS:
        if key in results:
            return results[key]
    raise KeyError(f'Modality {name!r}: its pipeline produced none of '
                   f'{list(INPUT_KEYS)}; end it with e.g. FormatShape or '
                   'FormatGCNInput')


@TRANSFORMS.register_module()
class PackPairedInputs(BaseTransform):
    """Pack the modalities of a paired sample (after
    :class:`ModalityPipelines`).

    Output: ``dict(inputs=dict(modality -> torch.Tensor),
    data_samples=ActionDataSample)``. Video modalities are
    ``[num_clips, C, T, H, W]`` (mmaction2's ``FormatShape('NCTHW')``),
    skeletons ``[num_clips, M, T, V, C]`` (``FormatGCNInput``). The data
    sample holds ``gt_labels`` (the label, -1 when unknown or hidden) and the
    metainfo ``video_id``, ``clip_slot``, ``num_slots``, ``total_frames``
    (of the reference timeline), ``frame_inds`` (modality -> 0-based
    indices on its own timeline), ``labeled`` and ``sample_idx``, plus
    ``modality_meta`` (modality -> the ``modality_meta_keys`` found in its
    results, e.g. ``depth_stats``, ``flip``).

    With a single modality and ``pack_single=True``, the output is exactly
    that of mmaction2's ``PackActionInputs`` (``inputs`` is a tensor), with
    the metainfo above added, so plain ``Recognizer3D`` and
    ``RecognizerGCN`` models train and test on it.

    Args:
        pack_single (bool): Pack the only modality as a tensor. Defaults to
            False.
        meta_keys (Sequence[str]): Sample-level metainfo keys. Defaults to
            :data:`PAIRED_META_KEYS`.
        modality_meta_keys (Sequence[str]): Keys copied from each modality's
            results into ``modality_meta``. Defaults to ``('img_shape',
            'flip', 'depth_stats', 'num_clips', 'clip_len')``.
    """

    def __init__(self,
                 pack_single: bool = False,
                 meta_keys: Sequence[str] = PAIRED_META_KEYS,
                 modality_meta_keys: Sequence[str] = (
                     'img_shape', 'flip', 'depth_stats', 'num_clips',
                     'clip_len')) -> None:
        self.pack_single = pack_single
        self.meta_keys = tuple(meta_keys)
        self.modality_meta_keys = tuple(modality_meta_keys)

    def _metainfo(self, results: Dict) -> dict:
        per_modality = results['modality_results']
        meta = {key: results[key] for key in self.meta_keys
                if key in results and key != 'frame_inds'}
        if 'frame_inds' in self.meta_keys:
            meta['frame_inds'] = {
                name: out['frame_inds']
                for name, out in per_modality.items()
            }
        meta['modality_meta'] = {
            name: {key: out[key] for key in self.modality_meta_keys
                   if key in out}
            for name, out in per_modality.items()
        }
        return meta

    def transform(self, results: Dict) -> Dict:
        """Pack the inputs and the data sample."""
        per_modality = results['modality_results']
        label = results.get('label', -1)
        meta = self._metainfo(results)
        if self.pack_single:
            if len(per_modality) != 1:
                raise ValueError('PackPairedInputs(pack_single=True) needs '
                                 'exactly one modality, got '
                                 f'{list(per_modality)}')
            (name, out), = per_modality.items()
            flat = {key: out[key] for key in INPUT_KEYS if key in out}
            flat.update(meta, label=label)
            return PackActionInputs(meta_keys=tuple(meta)).transform(flat)

        flat = {name: modality_input(name, out)
                for name, out in per_modality.items()}
        flat.update(meta, label=label)
        return PackActionInputs(
            collect_keys=tuple(per_modality),
            meta_keys=tuple(meta)).transform(flat)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(pack_single={self.pack_single}, '
                f'meta_keys={self.meta_keys})')
