# Copyright (c) fsat contributors. All rights reserved.
"""Temporal action detection on PKU-MMD: untrimmed videos cut into buffers.

R-C3D (Xu et al., ICCV 2017) reads an untrimmed video as fixed-length
*buffers* of ``buffer_len`` frames (768 on PKU-MMD-like data), one data item
per buffer, and detects the action instances inside each buffer. Data flow
of one item (see ``docs/datasets.md``, "Temporal detection (PKU-MMD)")::

    scan_pku_mmd (split, labels) + frame count of each video
      -> windows [buffer_start, buffer_start + buffer_len) per video
      -> item: frame_inds, gt_segments (input frames, buffer-relative),
               video_segments (original frames, whole video)
      -> pipeline: LoadMaskedDepth, Resize, ReplicateDepth, FormatShape
      -> PackDetectionInputs   dict(inputs=[1, C, T, H, W],
                                    data_samples=ActionDataSample)

Frame units: ``buffer_start``, ``buffer_len``, ``buffer_stride``,
``frame_inds``, ``total_frames`` and ``video_segments`` count frames of the
original video (0-based, exclusive ends). ``gt_segments`` count *input*
frames of the buffer: ``(segment - buffer_start) / frame_interval``.
"""
import logging
import os.path as osp
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import is_main_process
from mmengine.logging import print_log

from fsat.registry import DATASETS

from .pku_mmd import PKU_MMD_CLASSES, PKU_MMD_LAYOUT, PkuVideo, scan_pku_mmd
from .subsets import (
    check_holdout_args,
    fraction_of_videos,
    holdout_groups,
    save_labeled_ids,
)
from .transforms import SOURCE_DEFAULTS, build_pipeline, count_frames

MODALITIES = ('depth', 'rgb')
#: A PKU-MMD video id: ``<sequence>-<view>``, views L, M and R.
_VIEW_ID = re.compile(r'(.+)-[LMR]')
SPLITS = ('train', 'val')
ON_MISSING = ('error', 'skip')
#: File names of a PKU-MMD depth folder (numbered from 1).
PKU_DEPTH_TMPL = 'Depth-{:08d}.png'


def sequence_of(video_id: str) -> str:
    """The sequence a PKU-MMD video shows: its id without the view suffix
    (``'0002-L'`` -> ``'0002'``); an id without one is its own sequence."""
    match = _VIEW_ID.fullmatch(video_id)
    return match.group(1) if match else video_id


def holdout_videos(video_ids: Sequence[str], holdout: float,
                   seed: int) -> List[str]:
    """The videos of a split held out for validation.

    Whole sequences are held out (every view of one, see
    :func:`sequence_of`), so a held-out sequence is never seen from
    another camera in training: ``fraction_of_videos(sequences, holdout,
    seed)`` of the split's sequences, i.e. ``floor(holdout * S + 0.5)``
    of the ``S`` sequences, at least one.

    Args:
        video_ids (Sequence[str]): Distinct video ids of the split.
        holdout (float): Fraction of the sequences held out, in (0, 1).
        seed (int): Seed of the pick.

    Returns:
        list[str]: The held-out video ids, in input order.

    Raises:
        ValueError: When ``holdout`` is out of range or the pick leaves
            no sequence to train on.
    """
    return holdout_groups(video_ids, [sequence_of(v) for v in video_ids],
                          holdout, seed, what='sequences')


def buffer_starts(total_frames: int, buffer_len: int,
                  buffer_stride: int) -> List[int]:
    """Start frames of the buffer windows covering a video.

    Windows start at ``0, buffer_stride, 2 * buffer_stride, ...`` as long as
    they fit in the video; when the last of them ends before the video
    does, one more window ends exactly at the last frame (starts at
    ``total_frames - buffer_len``), so the tail is covered. A video of at
    most ``buffer_len`` frames has one window, starting at 0.

    Args:
        total_frames (int): Frames of the video.
        buffer_len (int): Frames per window.
        buffer_stride (int): Frames between consecutive window starts.

    Returns:
        list[int]: The window starts, increasing.
    """
    if total_frames <= buffer_len:
        return [0]
    last = total_frames - buffer_len
    starts = list(range(0, last + 1, buffer_stride))
    if starts[-1] != last:
        starts.append(last)
    return starts


def window_instances(segments: np.ndarray,
                     labels: np.ndarray,
                     buffer_start: int,
                     buffer_len: int,
                     frame_interval: int = 1,
                     min_overlap: float = 0.5) -> Tuple[np.ndarray,
                                                        np.ndarray]:
    """The ground truth of one buffer window, in its input frames.

    An instance belongs to the window when the part of it inside the
    window is non-empty and at least ``min_overlap`` of its length. That
    part becomes ``(part - buffer_start) / frame_interval``, i.e. input
    frames of the buffer, within ``[0, buffer_len / frame_interval]``.

    Args:
        segments (np.ndarray): [N, 2] instances ``[start, end)`` in
            original frames.
        labels (np.ndarray): [N] 0-based labels.
        buffer_start (int): First original frame of the window.
        buffer_len (int): Original frames of the window.
        frame_interval (int): Original frames per input frame.
            Defaults to 1.
        min_overlap (float): Fraction of an instance's length that must
            lie inside the window. Defaults to 0.5.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 [K, 2] segments and int64
        [K] labels of the kept instances, in input order.
    """
    segments = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    lo = np.maximum(segments[:, 0], buffer_start)
    hi = np.minimum(segments[:, 1], buffer_start + buffer_len)
    length = segments[:, 1] - segments[:, 0]
    keep = (hi > lo) & (hi - lo >= min_overlap * length)
    inside = np.stack([lo, hi], axis=1)[keep]
    return (((inside - buffer_start) / frame_interval).astype(
        np.float32).reshape(-1, 2), labels[keep])


@DATASETS.register_module()
class PKUMMDDetectionDataset(BaseDataset):
    """PKU-MMD untrimmed videos as R-C3D buffers (depth input by default).

    Videos come from an official split file of ``data_root``
    (:func:`~fsat.datasets.pku_mmd.scan_pku_mmd`); a video needs its label
    file. Each video is cut into windows of ``buffer_len`` original frames
    (see :func:`buffer_starts`). Training (``test_mode=False``) gives one
    item per window holding at least one instance (see
    :func:`window_instances`); testing gives every window of every video,
    so streamed inference covers each frame.

    A validation set carved from the training split (the official ``val``
    split is the test set): ``holdout=h`` holds out a fraction ``h`` of the
    split's *sequences* with every view of each (:func:`holdout_videos`,
    seeded by ``holdout_seed`` alone, so it is the same for every
    ``video_fraction`` and ``subset_seed``). A dataset with
    ``use_holdout=False`` (training) removes the held-out videos before
    ``video_fraction`` picks among the rest; one with ``use_holdout=True``
    (validation) is exactly the held-out videos. The two are disjoint by
    construction and together make up the split; the same
    ``holdout``/``holdout_seed`` must be given to both
    (:func:`~fsat.datasets.subsets.check_disjoint_subsets` rejects a
    config whose validation or test set shares videos with its training
    set).

    Item keys given to the pipeline: ``video_id``, ``modality``
    (``'Depth'``/``'RGB'``), ``frame_dir``, ``filename_tmpl`` and
    ``offset`` (depth, for :class:`~fsat.datasets.transforms.
    LoadMaskedDepth`) or ``filename`` (the ``.avi``, for mmaction2's
    ``DecordInit``), ``frame_inds`` (int64, ``buffer_start + arange(0,
    buffer_len, frame_interval)``, clamped to the last frame),
    ``num_clips`` (1), ``clip_len`` (= ``num_input_frames``),
    ``buffer_start``, ``buffer_len``, ``frame_interval``,
    ``num_input_frames``, ``num_valid_input_frames``, ``total_frames``,
    ``gt_segments`` (float32 [N, 2], input frames relative to the buffer
    start), ``gt_labels`` (int64 [N]), ``video_segments`` (float32 [M, 2],
    every instance of the video in original frames) and ``video_labels``
    (int64 [M]).

    Bad input:

    * An instance ending after the last frame is clipped to the video; one
      starting at or after it, or empty, is dropped. One warning per
      dataset gives the counts and the label files.
    * Overlapping instances are all kept: both are ground truth.
    * A video of at most ``buffer_len`` frames has one window starting at
      0; its frame indices past the end repeat the last frame and
      ``num_valid_input_frames`` counts the real input frames.
    * A video without its depth folder (or ``.avi``), or with an empty
      folder, raises a ``FileNotFoundError`` naming it, or is skipped
      with ``on_missing='skip'`` (one warning with the count).

    Args:
        data_root (str): The PKU-MMD root, the folder holding ``Data``,
            ``Label`` and ``Split``.
        protocol (str): ``'cross-subject'`` or ``'cross-view'``.
            Defaults to ``'cross-subject'``.
        split (str): ``'train'`` or ``'val'`` (the official validation set,
            used as the test set). Defaults to ``'train'``.
        num_classes (int): Valid action ids are ``1..num_classes``; labels
            are 0-based. Defaults to 51.
        inclusive_end (bool): Whether the label files' end frame belongs
            to the instance (see :func:`~fsat.datasets.pku_mmd.
            read_pku_labels`). Defaults to False.
        frame_base (int): Number of the first frame in the label files.
            Defaults to 0.
        modality (str): ``'depth'`` (the folder of ``Depth-%08d.png``,
            16-bit mm) or ``'rgb'`` (the ``.avi`` in ``filename``).
            Defaults to ``'depth'``.
        buffer_len (int): Original frames per buffer. Defaults to 768.
        buffer_stride (int, optional): Original frames between buffer
            starts. Defaults to None: ``buffer_len // 2`` (50% overlap).
        frame_interval (int): Temporal subsampling inside a buffer, which
            gives ``buffer_len // frame_interval`` input frames; must
            divide ``buffer_len``. Defaults to 1.
        min_overlap (float): Fraction of an instance's length that must
            lie inside a buffer for the instance to be its ground truth, in
            (0, 1]. Defaults to 0.5.
        video_fraction (float): Fraction of the split's videos to use, in
            (0, 1]; at least one video. Defaults to 1.0.
        subset_seed (int): Seed of the ``video_fraction`` pick
            (:func:`~fsat.datasets.subsets.fraction_of_videos`).
            Defaults to 0.
        holdout (float): Fraction of the split's sequences held out for
            validation, in [0, 1); 0 holds out nothing. Defaults to 0.0.
        holdout_seed (int): Seed of the held-out pick, independent of
            ``subset_seed``. Defaults to 0.
        use_holdout (bool): This dataset is the held-out part (needs
            ``holdout > 0`` and ``video_fraction=1``) instead of the rest.
            Defaults to False.
        subset_out (str, optional): Where to write the used video ids as
            JSON, with the pick's settings (``video_fraction``, ``seed``,
            ``holdout``, ``holdout_seed``, ``use_holdout``, ...): a
            ``.json`` file, or a folder receiving ``labeled_ids.json``
            (:func:`~fsat.datasets.subsets.save_labeled_ids`). Defaults to
            None.
        on_missing (str): ``'error'`` or ``'skip'``, see above. Defaults to
            ``'error'``.
        filename_tmpl (str): File names of a depth folder, numbered from
            1. Defaults to ``'Depth-{:08d}.png'``.
        pipeline (Sequence[dict | callable]): Transforms, built with fsat's
            ``TRANSFORMS`` (fsat's, mmaction2's and MMCV's). Defaults to
            ().
        test_mode (bool): Every window instead of those with an instance.
            Defaults to False.
        **kwargs: Other arguments of MMEngine's ``BaseDataset``
            (``metainfo``, ``indices``, ``serialize_data``,
            ``lazy_init``, ...), not ``ann_file``.
    """

    def __init__(self,
                 data_root: str = '',
                 protocol: str = 'cross-subject',
                 split: str = 'train',
                 num_classes: int = len(PKU_MMD_CLASSES),
                 inclusive_end: bool = False,
                 frame_base: int = 0,
                 modality: str = 'depth',
                 buffer_len: int = 768,
                 buffer_stride: Optional[int] = None,
                 frame_interval: int = 1,
                 min_overlap: float = 0.5,
                 video_fraction: float = 1.0,
                 subset_seed: int = 0,
                 holdout: float = 0.0,
                 holdout_seed: int = 0,
                 use_holdout: bool = False,
                 subset_out: Optional[str] = None,
                 on_missing: str = 'error',
                 filename_tmpl: str = PKU_DEPTH_TMPL,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if kwargs.get('ann_file'):
            raise ValueError('PKUMMDDetectionDataset reads the split and '
                             'label files under data_root, not ann_file')
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        if modality not in MODALITIES:
            raise ValueError(f'modality must be one of {MODALITIES}, got '
                             f'{modality!r}')
        if on_missing not in ON_MISSING:
            raise ValueError(f'on_missing must be one of {ON_MISSING}, got '
                             f'{on_missing!r}')
        if buffer_stride is None:
            buffer_stride = max(buffer_len // 2, 1)
        if buffer_len < 1 or frame_interval < 1 or buffer_stride < 1:
            raise ValueError(
                'buffer_len, buffer_stride and frame_interval must be >= 1, '
                f'got {buffer_len}, {buffer_stride}, {frame_interval}')
        if buffer_len % frame_interval:
            raise ValueError(f'frame_interval={frame_interval} must divide '
                             f'buffer_len={buffer_len}')
        if not 0 < min_overlap <= 1:
            raise ValueError(f'min_overlap must be in (0, 1], got '
                             f'{min_overlap}')
        if not 0 < video_fraction <= 1:
            raise ValueError(f'video_fraction must be in (0, 1], got '
                             f'{video_fraction!r}')
        holdout, holdout_seed, use_holdout = check_holdout_args(
            holdout, holdout_seed, use_holdout, 'sequences')
        if use_holdout and video_fraction != 1:
            raise ValueError(
                f'use_holdout=True takes every held-out video: '
                f'video_fraction must be 1, got {video_fraction!r}')
        self.protocol = protocol
        self.split = split
        self.num_classes = num_classes
        self.inclusive_end = inclusive_end
        self.frame_base = frame_base
        self.modality = modality
        self.buffer_len = buffer_len
        self.buffer_stride = buffer_stride
        self.frame_interval = frame_interval
        self.num_input_frames = buffer_len // frame_interval
        self.min_overlap = min_overlap
        self.video_fraction = video_fraction
        self.subset_seed = subset_seed
        self.holdout = holdout
        self.holdout_seed = holdout_seed
        self.use_holdout = use_holdout
        self.subset_out = subset_out
        self.on_missing = on_missing
        self.filename_tmpl = filename_tmpl
        #: Used video ids in split-file order, set by ``load_data_list``.
        self.video_ids: List[str] = []
        #: Per used video: ``dict(video_id, path, label_file,
        #: total_frames, segments, labels)`` after clipping.
        self.videos: List[dict] = []
        #: Ids of the videos skipped by ``on_missing='skip'``.
        self.skipped: List[str] = []
        #: Ids of the split's held-out videos (``holdout``), in split
        #: order, set by ``load_data_list``.
        self.held_out_ids: List[str] = []

        metainfo = dict(kwargs.pop('metainfo', None) or {})
        metainfo.setdefault('num_classes', num_classes)
        if num_classes == len(PKU_MMD_CLASSES):
            metainfo.setdefault('classes', PKU_MMD_CLASSES)
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            pipeline=list(build_pipeline(pipeline).transforms),
            test_mode=test_mode,
            **kwargs)

    # ------------------------------------------------------------------
    # Videos
    # ------------------------------------------------------------------

    @property
    def count_glob(self) -> str:
        """str: The pattern of the counted files of a depth folder."""
        return re.sub(r'\{[^}]*\}', '*', self.filename_tmpl)

    def _frames_of(self, video: PkuVideo) -> Tuple[str, int]:
        """The modality's path of a video and its frame count (0: none)."""
        path = video.paths.get(self.modality) or osp.join(
            self.data_root, PKU_MMD_LAYOUT[self.modality].format(
                video.video_id))
        if self.modality == 'depth':
            if not osp.isdir(path):
                return path, 0
            return path, count_frames('depth', path, self.count_glob)
        if not osp.isfile(path):
            return path, 0
        return path, count_frames('rgb', path)

    def _drop_missing(
            self, videos: List[PkuVideo]) -> List[Tuple[PkuVideo, str, int]]:
        """Apply ``on_missing`` to videos without frames."""
        kept, missing, self.skipped = [], [], []
        for video in videos:
            path, total = self._frames_of(video)
            if total > 0:
                kept.append((video, path, total))
                continue
            if self.modality == 'depth':
                what = ('is missing' if not osp.isdir(path) else
                        f'has no {self.count_glob} files')
                problem = f'depth folder {path} {what}'
            else:
                problem = f'RGB video {path} is missing or has no frames'
            if self.on_missing == 'error':
                raise FileNotFoundError(
                    f'PKU-MMD video {video.video_id}: the {problem} (set '
                    'on_missing="skip" to skip such videos)')
            missing.append(f'{video.video_id} ({problem})')
            self.skipped.append(video.video_id)
        if missing:
            print_log(
                f'{type(self).__name__}: skipped {len(missing)} of '
                f'{len(videos)} {self.split} videos without {self.modality} '
                'frames, e.g. ' + '; '.join(missing[:3]),
                logger='current',
                level=logging.WARNING)
        return kept

    def _pick(self, video_ids: List[str]) -> List[str]:
        """The ``video_fraction`` pick, in split order; writes
        ``subset_out``."""
        picked = set(
            fraction_of_videos(video_ids, self.video_fraction,
                               self.subset_seed))
        chosen = [video_id for video_id in video_ids if video_id in picked]
        if self.subset_out and is_main_process():
            info = dict(
                video_fraction=self.video_fraction,
                seed=self.subset_seed,
                holdout=self.holdout,
                holdout_seed=self.holdout_seed,
                use_holdout=self.use_holdout,
                protocol=self.protocol,
                split=self.split,
                modality=self.modality,
                data_root=self.data_root)
            save_labeled_ids(self.subset_out, chosen, **info)
        return chosen

    def _clip_instances(self, video: PkuVideo, total: int,
                        bad: Dict[str, List[int]]) -> Tuple[np.ndarray,
                                                            np.ndarray]:
        """Instances of a video clipped to ``[0, total)``; counts the
        clipped and dropped ones in ``bad[label_file]``."""
        segments, labels = [], []
        clipped = dropped = 0
        for inst in video.instances:
            start, end = max(inst.start, 0), min(inst.end, total)
            if start >= end:
                dropped += 1
                continue
            if (start, end) != (inst.start, inst.end):
                clipped += 1
            segments.append((start, end))
            labels.append(inst.label)
        if clipped or dropped:
            bad[video.paths.get('label', video.video_id)] = [clipped, dropped]
        return (np.asarray(segments, dtype=np.float32).reshape(-1, 2),
                np.asarray(labels, dtype=np.int64))

    def load_data_list(self) -> List[dict]:
        """Scan the split, count frames and cut the videos into windows."""
        splits = scan_pku_mmd(
            self.data_root,
            self.protocol,
            required_modalities=('label', ),
            num_classes=self.num_classes,
            frame_base=self.frame_base,
            inclusive_end=self.inclusive_end)
        videos = splits[self.split]
        if not videos:
            raise ValueError(f'No labelled {self.protocol} {self.split} '
                             f'videos under the PKU-MMD root '
                             f'{self.data_root!r}')
        part = ''
        self.held_out_ids = []
        if self.holdout:
            self.held_out_ids = holdout_videos(
                [video.video_id for video in videos], self.holdout,
                self.holdout_seed)
            held = set(self.held_out_ids)
            videos = [v for v in videos
                      if (v.video_id in held) == self.use_holdout]
            part = ' held-out' if self.use_holdout else ' not held-out'
        kept = self._drop_missing(videos)
        if not kept:
            raise ValueError(f'No{part} {self.protocol} {self.split} video '
                             f'under {self.data_root!r} has '
                             f'{self.modality} frames')
        chosen = set(self._pick([video.video_id for video, _, _ in kept]))

        bad: Dict[str, List[int]] = {}
        self.videos, data_list = [], []
        for video, path, total in kept:
            if video.video_id not in chosen:
                continue
            segments, labels = self._clip_instances(video, total, bad)
            self.videos.append(
                dict(
                    video_id=video.video_id,
                    path=path,
                    label_file=video.paths.get('label'),
                    total_frames=total,
                    segments=segments,
                    labels=labels))
            data_list.extend(self._windows(video.video_id, path, total,
                                           segments, labels))
        self.video_ids = [video['video_id'] for video in self.videos]
        if bad:
            clipped = sum(counts[0] for counts in bad.values())
            dropped = sum(counts[1] for counts in bad.values())
            files = [f'{path} ({c} clipped, {d} dropped)'
                     for path, (c, d) in bad.items()]
            more = (f' and {len(files) - 5} more files'
                    if len(files) > 5 else '')
            print_log(
                f'{type(self).__name__}: clipped {clipped} instance(s) '
                'ending after the last frame to the video and dropped '
                f'{dropped} starting at or after it (or empty), in '
                f'{len(bad)} label file(s): ' + '; '.join(files[:5]) + more,
                logger='current',
                level=logging.WARNING)
        if not data_list:
            raise ValueError(
                f'No {self.split} window of {self.buffer_len} frames holds '
                f'an instance with min_overlap={self.min_overlap} under '
                f'{self.data_root!r}')
        return data_list

    def _windows(self, video_id: str, path: str, total: int,
                 segments: np.ndarray, labels: np.ndarray) -> List[dict]:
        """The data items of one video."""
        if self.modality == 'depth':
            source = dict(
                frame_dir=path, filename_tmpl=self.filename_tmpl, offset=1)
        else:
            source = dict(filename=path, start_index=0)
        items = []
        for start in buffer_starts(total, self.buffer_len,
                                   self.buffer_stride):
            gt_segments, gt_labels = window_instances(
                segments, labels, start, self.buffer_len,
                self.frame_interval, self.min_overlap)
            if not self.test_mode and not len(gt_labels):
                continue
            num_valid = len(range(start, min(start + self.buffer_len, total),
                                  self.frame_interval))
            items.append(
                dict(
                    video_id=video_id,
                    modality=SOURCE_DEFAULTS[self.modality]['modality'],
                    **source,
                    buffer_start=start,
                    buffer_len=self.buffer_len,
                    frame_interval=self.frame_interval,
                    num_input_frames=self.num_input_frames,
                    num_valid_input_frames=num_valid,
                    total_frames=total,
                    num_clips=1,
                    clip_len=self.num_input_frames,
                    gt_segments=gt_segments,
                    gt_labels=gt_labels,
                    video_segments=segments,
                    video_labels=labels))
        return items

    def get_data_info(self, idx: int) -> dict:
        """The item ``idx`` with its ``frame_inds``: ``buffer_start +
        arange(0, buffer_len, frame_interval)``, clamped to the last
        frame."""
        info = super().get_data_info(idx)
        inds = info['buffer_start'] + np.arange(
            0, info['buffer_len'], info['frame_interval'], dtype=np.int64)
        info['frame_inds'] = np.minimum(inds, info['total_frames'] - 1)
        return info
