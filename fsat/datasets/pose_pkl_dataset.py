# Copyright (c) fsat contributors. All rights reserved.
"""Training from an mmaction2 skeleton annotation pickle, with few labels.

mmaction2's ``PoseDataset`` reads the pickles mmaction2 distributes
(``ntu60_3d.pkl``, ``ntu120_3d.pkl``: ``dict(split=dict(xsub_train=[...],
...), annotations=[dict(frame_dir, label, keypoint float16 [M, T, 25, 3],
total_frames), ...])``) and those :func:`fsat.datasets.ntu.export_pose_pkl`
writes. It has no few-label subsets and samples frames per clip, so
:class:`PosePklDataset` adds the two things FSAT's skeleton student needs:

* ``labeled_subset`` / ``subset``: the same seeded, nested picks as
  :class:`~fsat.datasets.PairedModalityDataset` (``k_per_class``,
  ``skip_per_class``, ``holdout``, ``fraction``; :mod:`fsat.datasets.
  subsets`), keyed by ``frame_dir``;
* ``sequence``: whole sequences brought to a fixed length (zero padding,
  looping or uniform resampling, :func:`~fsat.datasets.transforms.
  sequence_indices`) as ``frame_inds`` for ``SkeletonDecode``, the paired
  skeleton branch's sampling.
"""
from typing import List, Mapping, Optional

import numpy as np
from mmaction.datasets import PoseDataset

from fsat.registry import DATASETS

from .ntu.pose_pkl import load_pose_pkl
from .subsets import SUBSETS, check_subset, pick_labeled_subset  # noqa: F401
from .transforms.sampling import SEQUENCE_PADS, sequence_indices


@DATASETS.register_module()
class PosePklDataset(PoseDataset):
    """mmaction2's ``PoseDataset`` with few-label subsets and whole-sequence
    sampling.

    Args:
        ann_file (str): The ``.pkl`` file.
        pipeline (list): Transforms, e.g. ``FillSkeletonGaps,
            CenterSkeleton, SkeletonDecode, FormatGCNInput,
            PackActionInputs``.
        split (str, optional): The split to read, e.g. ``'xview_train'``.
            Defaults to None (every annotation).
        labeled_subset (dict, optional): Picks of labeled samples, as in
            :class:`~fsat.datasets.PairedModalityDataset`:
            ``dict(k_per_class=20, seed=0, skip_per_class=0, holdout=None,
            save_to=None)`` or ``dict(fraction=0.25, seed=0,
            save_to=None)``. Defaults to None (every label is kept).
        subset (str): With ``labeled_subset``: ``'labeled'``,
            ``'unlabeled'`` (labels hidden, -1) or ``'all'``. Defaults to
            ``'all'``.
        sequence (dict, optional): ``dict(length=300, pad='zero')``: every
            sample gets ``frame_inds`` of its whole sequence brought to
            ``length`` frames (-1 marks a zero frame). Defaults to None
            (the pipeline samples frames itself, as in mmaction2).
        **kwargs: Other arguments of ``PoseDataset`` (``metainfo``,
            ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: list,
                 split: Optional[str] = None,
                 labeled_subset: Optional[Mapping] = None,
                 subset: str = 'all',
                 sequence: Optional[Mapping] = None,
                 **kwargs) -> None:
        if not str(ann_file).endswith('.pkl'):
            raise ValueError(f'PosePklDataset reads an mmaction2 skeleton '
                             f'annotation .pkl, got ann_file={ann_file!r}')
        check_subset(subset, labeled_subset)
        self.labeled_subset = (dict(labeled_subset)
                               if labeled_subset is not None else None)
        self.subset = subset
        self.sequence = None
        if sequence is not None:
            spec = dict(sequence)
            length, pad = int(spec.pop('length', 300)), spec.pop('pad', 'zero')
            if spec or length < 1 or pad not in SEQUENCE_PADS:
                raise ValueError(
                    'sequence must be dict(length=<int >= 1>, pad=one of '
                    f'{list(SEQUENCE_PADS)}), got {dict(sequence)!r}')
            self.sequence = (length, pad)
        self.labeled_ids: List[str] = []
        super().__init__(ann_file, pipeline=pipeline, split=split, **kwargs)

    def _pick_labeled(self, annotations: List[dict]) -> set:
        ids = pick_labeled_subset(
            annotations, self.labeled_subset, self._metainfo.get('classes'),
            id_key='frame_dir', ann=self.ann_file, split=self.split)
        self.labeled_ids = sorted(ids)
        return set(ids)

    def load_data_list(self) -> List[dict]:
        """Read the split's annotations (checked) and apply the subset."""
        try:
            annotations = load_pose_pkl(self.ann_file, self.split)
        except KeyError as e:  # an unknown split: one line, not a KeyError
            raise ValueError(e.args[0]) from None
        if not annotations:
            raise ValueError(f'{self.ann_file}: no annotations'
                             + (f' in split {self.split!r}'
                                if self.split else ''))
        if self.labeled_subset is None:
            return annotations
        picked = self._pick_labeled(annotations)
        data_list = []
        for anno in annotations:
            is_picked = anno['frame_dir'] in picked
            if (self.subset == 'labeled' and not is_picked) or (
                    self.subset == 'unlabeled' and is_picked):
                continue
            data_list.append(
                anno if is_picked else dict(anno, label=-1))
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """The annotation of sample ``idx``, with ``frame_inds`` of its
        whole sequence when ``sequence`` is set.

        Keypoints come as float32 (mmaction2's pickles store float16), so
        the transforms compute in float32."""
        info = super().get_data_info(idx)
        info['keypoint'] = np.asarray(info['keypoint'], dtype=np.float32)
        if self.sequence is not None:
            length, pad = self.sequence
            info['frame_inds'] = sequence_indices(
                int(info['total_frames']), length, pad)
            info['clip_len'] = length
            info['num_clips'] = 1
        return info
