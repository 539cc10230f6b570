# Copyright (c) fsat contributors. All rights reserved.
"""Unlabelled RGB / optical-flow frame pairs of videos.

Supervision transfer to flow (Gupta et al., CVPR 2016, Sec. 5) trains an
optical-flow network to match a frozen RGB network's mid-level features
on paired frames, an RGB frame and the flow image at the same time, taken
from unlabelled videos ("5 frames per video" of UCF-101); no label is
needed. mmaction2 reads clips of labelled videos for recognition, not
single unlabelled frames paired with their flow image, hence this dataset.
Its items follow fsat's 2-D detection interface (``docs/detection.md``),
with empty boxes, so that ``Det2DResize``, ``Det2DRandomFlip`` and
``PackDet2DInputs`` handle them like a paired detection sample.

Layout::

    <data_root>/<...>/<video>.avi           found by ``video_glob`` or
                                            listed in ``ann_file``
    <flow_root>/<name>/flow_{x,y}_%05d.jpg  or
    <flow_root>/<class>/<name>/flow_{x,y}_%05d.jpg

``flow_root`` defaults to ``<data_root>/flow``; ``<name>`` is the video
stem without a trailing ``_rgb`` (:func:`fsat.datasets.flow.sample_name`,
the folder name ``tools/data/extract_flow.py`` writes) and ``<class>`` the
video's parent folder, the two folders that
:class:`~fsat.datasets.jhmdb_detection.JHMDBFrameDetectionDataset` looks
in (:func:`find_flow_dir`). The JPEGs are the tool's grayscale,
denseflow-quantised components (bound 20, 128 = no motion), numbered from
1: ``flow_x_00001.jpg`` is the flow from frame 1 to frame 2. Frame ``t``
(1-based) takes pair ``t``; the last frame ``T``, which has no next frame,
takes pair ``T - 1``. Flow must be extracted at the frame size (no
``--short-side`` / ``--size``): a flow image of another size than its RGB
frame is refused.

**Frame choice.** ``frames_per_video`` = K frames per video, the centres
of K equal segments of its T frames: 0-based index ``floor((k + 0.5) * T
/ K)``, k = 0..K-1 (T = 12, K = 5: 1, 3, 6, 8, 10); a video of fewer than
K frames gives every frame once. T is the frame count that decord (the
decoder used for the RGB frames, as mmaction2's ``DecordInit``) reports,
read at construction by
:func:`~fsat.datasets.transforms.sources.count_video_frames`, which first
checks the container (a truncated video is a one-line error, not a
decoder crash): one header read per video, i.e. a few minutes for the
13,320 UCF-101 videos; the flow files of the chosen frames are checked to
exist then as well.

**Missing flow.** A video without a flow folder is an error naming the
video and the folders tried; with ``skip_missing_flow=True`` it is left
out, counted in :attr:`VideoFramePairsDataset.num_skipped_videos` and
reported in one warning. A flow folder that lacks a chosen frame's JPEG
is always an error naming the file (a partial extraction is not a gap to
skip silently).

Item keys: ``img_id`` ``'<video path relative to data_root, no
suffix>/<1-based frame number, 5 digits>'`` (e.g.
``'videos/wave/clip_a/00007'``), ``video``, ``frame_index`` (1-based),
``num_frames``, ``modalities``, ``imgs`` = ``{'rgb': (H, W, 3) uint8 RGB,
'flow': (H, W, 3) uint8}`` (the flow image of
:func:`~fsat.datasets.jhmdb_detection.flow_image`: x, y, magnitude) or
``img`` for a single modality, ``ori_shape`` / ``img_shape`` (H, W),
``scale_factor`` (1., 1.), ``gt_bboxes`` float32 (0, 4), ``gt_labels``
int64 (0,) and ``gt_difficult`` bool (0,).
"""
import glob
import logging
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from fsat.registry import DATASETS

from .flow import FLOW_TMPL, sample_name
from .jhmdb_detection import find_flow_dir, flow_image
from .transforms import build_pipeline
from .transforms.flow import read_flow_image
from .transforms.sources import count_video_frames

__all__ = [
    'VIDEO_FRAME_PAIR_MODALITIES', 'VideoFramePairsDataset',
    'find_flow_dir', 'segment_centres'
]

#: Modalities an item can hold.
VIDEO_FRAME_PAIR_MODALITIES = ('rgb', 'flow')


def segment_centres(num_frames: int, num_segments: int) -> List[int]:
    """0-based centres of ``num_segments`` equal segments of a video.

    Args:
        num_frames (int): T, the video's frame count (>= 1).
        num_segments (int): K (>= 1).

    Returns:
        list[int]: ``floor((k + 0.5) * T / K)`` for k = 0..K-1 (exact
        integer arithmetic), or ``0..T-1`` when ``T < K``.
    """
    if num_frames < num_segments:
        return list(range(num_frames))
    return [(2 * k + 1) * num_frames // (2 * num_segments)
            for k in range(num_segments)]


def _check_modalities(modalities) -> Tuple[str, ...]:
    if isinstance(modalities, str):
        modalities = (modalities, )
    modalities = tuple(modalities)
    if (not modalities or len(set(modalities)) != len(modalities) or any(
            m not in VIDEO_FRAME_PAIR_MODALITIES for m in modalities)):
        raise ValueError(
            'VideoFramePairsDataset: modalities must be distinct names of '
            f'{VIDEO_FRAME_PAIR_MODALITIES}, got {modalities!r}')
    return modalities


@DATASETS.register_module()
class VideoFramePairsDataset(BaseDataset):
    """K frames per unlabelled video, as RGB and/or flow images.

    See the module docstring for the layout, the frame choice, the
    missing-flow policy and the item keys.

    Args:
        data_root (str): Folder of the videos.
        video_glob (str): Recursive glob of the videos relative to
            ``data_root`` (hidden files and folders are not matched),
            sorted. Ignored with ``ann_file``. Defaults to ``'**/*.avi'``.
        flow_root (str, optional): Folder of the flow sub-folders.
            Defaults to ``<data_root>/flow``.
        frames_per_video (int): K. Defaults to 5 (Gupta et al.).
        modalities (Sequence[str] | str): ``'rgb'`` and/or ``'flow'``.
            Defaults to ``('rgb', 'flow')``.
        ann_file (str, optional): Text list of the videos, relative to
            ``data_root`` (mmengine joins a relative ``ann_file`` with
            ``data_root`` too): the first whitespace-separated field of
            each non-blank line (so UCF-101's ``trainlist0N.txt``, whose
            second field is the class index, works as is; paths with
            spaces do not), in file order. Defaults to None (the glob).
        skip_missing_flow (bool): Leave out (and count) videos without a
            flow folder instead of failing. Defaults to False.
        pipeline (Sequence[dict | callable]): Transforms. Defaults to ().
        test_mode (bool): Passed to mmengine. Defaults to False.
        **kwargs: Other arguments of mmengine's ``BaseDataset``
            (``metainfo``, ``indices``, ``serialize_data``, ...).

    Raises:
        ValueError: One line naming the argument or file: bad
            ``frames_per_video`` or ``modalities``; no video found; an
            ``ann_file`` line that is absolute, leaves ``data_root``,
            repeats a video or names a missing file; a video that is
            damaged (:class:`~fsat.datasets.video.VideoFileError`), has no
            frame, or has one frame only while flow is asked for; every
            video skipped.
        FileNotFoundError: One line naming the path: ``data_root``,
            ``ann_file`` or ``flow_root`` missing, a video's flow folder
            (without ``skip_missing_flow``) or a chosen frame's flow JPEG
            missing.
    """

    def __init__(self,
                 data_root: str,
                 video_glob: str = '**/*.avi',
                 flow_root: Optional[str] = None,
                 frames_per_video: int = 5,
                 modalities: Union[Sequence[str], str] = ('rgb', 'flow'),
                 ann_file: Optional[str] = None,
                 skip_missing_flow: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        name = type(self).__name__
        if (isinstance(frames_per_video, bool)
                or not isinstance(frames_per_video, (int, np.integer))
                or frames_per_video < 1):
            raise ValueError(f'{name}: frames_per_video must be an int >= '
                             f'1, got {frames_per_video!r}')
        if not data_root or not osp.isdir(data_root):
            raise FileNotFoundError(f'{name}: data_root {data_root!r} is '
                                    'not a folder')
        if not isinstance(video_glob, str) or not video_glob or osp.isabs(
                video_glob):
            raise ValueError(f'{name}: video_glob must be a glob relative '
                             f'to data_root, got {video_glob!r}')
        self.modalities = _check_modalities(modalities)
        self.video_glob = video_glob
        self.frames_per_video = int(frames_per_video)
        self.skip_missing_flow = bool(skip_missing_flow)
        self.flow_root = (osp.join(data_root, 'flow')
                          if flow_root is None else flow_root)
        #: Videos left out for lack of a flow folder (relative paths).
        self.skipped_videos: List[str] = []
        super().__init__(
            data_root=data_root,
            ann_file=ann_file or '',
            pipeline=list(build_pipeline(pipeline).transforms),
            test_mode=test_mode,
            **kwargs)

    @property
    def num_skipped_videos(self) -> int:
        """The number of videos left out by ``skip_missing_flow``."""
        return len(self.skipped_videos)

    # ------------------------------------------------------------ videos
    def _list_videos(self) -> List[str]:
        """The videos' paths relative to ``data_root``."""
        if not self.ann_file:
            videos = sorted(
                p for p in glob.glob(self.video_glob, root_dir=self.data_root,
                                     recursive=True)
                if osp.isfile(osp.join(self.data_root, p)))
            if not videos:
                raise ValueError(
                    f'{type(self).__name__}: no video matches video_glob '
                    f'{self.video_glob!r} under {self.data_root!r}')
            return [p.replace(os.sep, '/') for p in videos]
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{type(self).__name__}: ann_file '
                                    f'{self.ann_file!r} does not exist')
        videos, seen = [], {}
        with open(self.ann_file, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                where = f'ann_file {self.ann_file!r} line {number}'
                path = fields[0]
                rel = osp.normpath(path).replace(os.sep, '/')
                if osp.isabs(path) or rel == '..' or rel.startswith('../'):
                    raise ValueError(f'{where}: {path!r} must be a path '
                                     'relative to data_root, inside it')
                if rel in seen:
                    raise ValueError(f'{where}: {path!r} repeats the video '
                                     f'of line {seen[rel]}')
                full = osp.join(self.data_root, rel)
                if not osp.isfile(full):
                    raise ValueError(f'{where}: video {full!r} does not '
                                     'exist')
                seen[rel] = number
                videos.append(rel)
        if not videos:
            raise ValueError(f'{type(self).__name__}: ann_file '
                             f'{self.ann_file!r} lists no video')
        return videos

    def _flow_dir(self, rel: str) -> Optional[str]:
        """The video's flow folder; None when missing and skipped."""
        parent = osp.basename(osp.dirname(rel))
        folder, tried = find_flow_dir(self.flow_root, sample_name(rel),
                                      parent or None)
        if folder is None and not self.skip_missing_flow:
            raise FileNotFoundError(
                f'No flow folder for video {rel!r}: tried '
                + ' and '.join(repr(t) for t in tried)
                + ' (extract it with tools/data/extract_flow.py, or pass '
                'skip_missing_flow=True)')
        return folder

    def load_data_list(self) -> List[dict]:
        """List K frames of every video (see the module docstring)."""
        videos = self._list_videos()
        use_flow = 'flow' in self.modalities
        if use_flow and not osp.isdir(self.flow_root):
            raise FileNotFoundError(
                f'{type(self).__name__}: flow_root {self.flow_root!r} does '
                'not exist: extract the flow with tools/data/extract_flow.py')
        empty = np.zeros((0, 4), np.float32)
        data_list, skipped = [], []
        for rel in videos:
            path = osp.join(self.data_root, rel)
            flow_dir = self._flow_dir(rel) if use_flow else None
            if use_flow and flow_dir is None:
                skipped.append(rel)
                continue
            num_frames = count_video_frames(path)
            if num_frames < 1:
                raise ValueError(f'Video {path} has no frame')
            if use_flow and num_frames < 2:
                raise ValueError(f'Video {path} has 1 frame: it has no '
                                 'optical flow')
            stem = osp.splitext(rel)[0]
            for index in segment_centres(num_frames, self.frames_per_video):
                item = dict(
                    img_id=f'{stem}/{index + 1:05d}',
                    video=rel,
                    video_path=path,
                    frame_index=index + 1,
                    num_frames=num_frames,
                    gt_bboxes=empty.copy(),
                    gt_labels=np.zeros(0, np.int64),
                    gt_difficult=np.zeros(0, bool))
                if flow_dir is not None:
                    pair = min(index + 1, num_frames - 1)
                    for axis in 'xy':
                        file = osp.join(flow_dir, FLOW_TMPL.format(axis, pair))
                        if not osp.isfile(file):
                            raise FileNotFoundError(
                                f'Flow image {file} is missing (frame '
                                f'{index + 1} of the {num_frames}-frame video '
                                f'{rel!r} takes flow pair {pair})')
                        item[f'flow_{axis}_path'] = file
                # the files a teacher feature cache's key fingerprints
                item['paths'] = dict(
                    rgb=path, **{k[:-5]: v for k, v in item.items()
                                 if k.startswith('flow_')})
                data_list.append(item)
        self.skipped_videos = skipped
        if skipped:
            print_log(
                f'{type(self).__name__}({self.data_root}): skipped '
                f'{len(skipped)} of {len(videos)} videos without a flow '
                f'folder under {self.flow_root} (first: {skipped[0]!r})',
                logger='current',
                level=logging.WARNING)
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: all {len(videos)} videos under '
                f'{self.data_root!r} lack a flow folder under '
                f'{self.flow_root!r}')
        return data_list

    # ------------------------------------------------------------ pixels
    @staticmethod
    def load_rgb(path: str, index: int) -> np.ndarray:
        """Frame ``index`` (0-based) of a video, (H, W, 3) uint8 RGB,
        decoded with decord (``get_batch``, as mmaction2's
        ``DecordDecode``; one reader per call)."""
        import decord
        try:
            reader = decord.VideoReader(path, num_threads=1)
            frame = reader.get_batch([index]).asnumpy()[0]
        except Exception as e:  # decord raises its own DECORDError types
            reason = (str(e).strip().splitlines() or [type(e).__name__])[-1]
            raise ValueError(f'{path}: decord cannot decode frame '
                             f'{index + 1} ({reason[:200]})') from None
        return np.ascontiguousarray(frame, dtype=np.uint8)

    @staticmethod
    def load_flow(x_path: str, y_path: str) -> np.ndarray:
        """The 3-channel flow image of a pair of flow JPEGs."""
        flow_x = read_flow_image(x_path)
        flow_y = read_flow_image(y_path)
        if flow_x.shape != flow_y.shape:
            raise ValueError(f'Flow images {x_path} and {y_path} differ in '
                             f'size: {flow_x.shape} and {flow_y.shape} (H, W)')
        return flow_image(flow_x, flow_y)

    def get_data_info(self, idx: int) -> dict:
        """The item ``idx`` with its images."""
        info = super().get_data_info(idx)
        images = {}
        if 'rgb' in self.modalities:
            images['rgb'] = self.load_rgb(info['video_path'],
                                          info['frame_index'] - 1)
        if 'flow' in self.modalities:
            images['flow'] = self.load_flow(info['flow_x_path'],
                                            info['flow_y_path'])
        shapes = {m: img.shape[:2] for m, img in images.items()}
        if len(set(shapes.values())) > 1:
            raise ValueError(
                f'Frame {info["frame_index"]} of {info["video_path"]} is '
                f'{shapes["rgb"]} but its flow {info["flow_x_path"]} is '
                f'{shapes["flow"]} (H, W): extract flow at the frame size '
                '(without --short-side/--size)')
        if len(images) == 1:
            info['img'] = images[self.modalities[0]]
        else:
            info['imgs'] = {m: images[m] for m in self.modalities}
        shape = tuple(int(s) for s in next(iter(shapes.values())))
        info['modalities'] = self.modalities
        info['ori_shape'] = info['img_shape'] = shape
        info['scale_factor'] = (1., 1.)
        return info
