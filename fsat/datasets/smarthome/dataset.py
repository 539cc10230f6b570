# Copyright (c) fsat contributors. All rights reserved.
"""The Toyota Smarthome dataset: RGB clips and LCR-Net poses, paired.

:class:`SmarthomeDataset` is :class:`~fsat.datasets.PairedModalityDataset`
with the ``smarthome=`` annotation source, so Smarthome and NTU RGB+D use
the same sampling, modality pipelines and packing, and one pipeline config
serves both (only the skeleton loader, the joint map and the graph layout
differ).
"""
from typing import Mapping, Optional, Sequence

from fsat.registry import DATASETS

from ..paired import PairedModalityDataset

__all__ = ['SmarthomeDataset']


@DATASETS.register_module()
class SmarthomeDataset(PairedModalityDataset):
    """Toyota Smarthome (trimmed): skeleton, RGB video, or both paired.

    Samples are the files of ``data_root`` in the dataset's layout,
    ``mp4/<name>.mp4`` (source ``'rgb'``) and
    ``skeletonv12/<name>_pose3d.json`` (source ``'skeleton'``), in one split
    of a protocol (:mod:`fsat.datasets.smarthome.protocols`): ``'CS'`` (31
    classes; ``'train'``, ``'test'``), ``'CV1'`` or ``'CV2'`` (19 classes;
    ``'train'``, ``'val'``, ``'test'``). ``metainfo['classes']`` is the
    protocol's table.

    **Paired sampling.** Pose and RGB of one sample are sampled on the same
    timeline: indices are drawn once (``PairedSampleFrames``) on the
    reference (the RGB video when present) and mapped to the pose file's
    frames, which is the identity when, as in the released data, the JSON
    has one entry per video frame. A ``'clip'`` RGB modality with a
    ``'same_clip'`` (or ``'clip'``) skeleton modality therefore sees exactly
    the frames the RGB clip sees. The public VPN++ code instead samples its
    64-frame RGB clip and its pose window (up to 400 frames) independently,
    so the two need not cover the same moment; fsat does not reproduce that.

    **Missing files.** The released skeletons do not cover every video. A
    sample without the file of a loaded source is an error naming it, or,
    with ``on_missing='skip'``, is dropped and counted in one logged line
    (``dataset.skipped`` lists the names).

    Args:
        modalities (dict): Output name -> ``dict(pipeline=[...],
            sampling=..., source=None)`` as for ``PairedModalityDataset``;
            sources ``'rgb'`` and ``'skeleton'``.
        data_root (str): The Smarthome root (``mp4/``, ``skeletonv12/``).
        protocol (str): ``'CS'``, ``'CV1'`` or ``'CV2'``. Defaults to
            ``'CS'``.
        split (str): ``'train'``, ``'val'`` (CV only) or ``'test'``.
            Defaults to ``'train'``.
        subjects (Sequence[int], optional): Keep only these subjects of
            the split. Defaults to None (all).
        exclude_subjects (Sequence[int], optional): Drop these subjects,
            e.g. ``split='train', subjects=(3, 4)`` and
            ``split='train', exclude_subjects=(3, 4)`` make a validation
            set of two training subjects and the training set without
            them (cross-subject has no validation split). Defaults to
            None.
        **kwargs: Other arguments of ``PairedModalityDataset``
            (``clip_len``, ``reference``, ``on_missing``, ``pack``,
            ``labeled_subset``, ``test_mode``, ...), not ``ntu``,
            ``smarthome`` or ``ann_file``.
    """

    def __init__(self,
                 modalities: Mapping[str, Mapping],
                 data_root: str,
                 protocol: str = 'CS',
                 split: str = 'train',
                 subjects: Optional[Sequence[int]] = None,
                 exclude_subjects: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        taken = sorted({'ntu', 'smarthome', 'ann_file'} & set(kwargs))
        if taken:
            raise ValueError(f'SmarthomeDataset builds its own annotations '
                             f'from protocol and split; remove {taken}')
        super().__init__(
            modalities=modalities,
            data_root=data_root,
            smarthome=dict(protocol=protocol, split=split,
                           subjects=subjects,
                           exclude_subjects=exclude_subjects),
            **kwargs)
