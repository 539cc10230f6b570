# Copyright (c) fsat contributors. All rights reserved.
"""Frame-level action detection on JHMDB: one data item per video frame.

Action tubes (Gkioxari and Malik, CVPR 2015) detect the actor in every
frame of a JHMDB clip and label the box with the clip's class, from an RGB
network and from an optical-flow network whose input is the flow as a
3-channel image. mmaction2 reads JHMDB clips for recognition and
spatio-temporal detection in the AVA format, not single frames with boxes
from the official puppet annotations, hence this dataset. It gives the
2-D detection data interface of fsat's 2-D detector
(``docs/detection.md``): per frame ``img`` (H, W, 3) uint8, ``gt_bboxes``
float32 (1, 4), ``gt_labels`` int64 (1,), ``gt_difficult`` bool (1,),
``img_id`` ``'<class>/<video>/<frame>'`` (``<frame>`` the 1-based, 5-digit
number of the frame file, e.g. ``'wave/clip_a/00007'``), ``ori_shape`` and
``img_shape`` (H, W).

Data flow::

    scan_jhmdb(data_root, split)  ->  the clips of ``subset``
      -> video_ground_truth (the puppet mask's box; the joints' box when
         the mask is empty or missing; short masks clamped)
      -> every ``frame_interval``-th frame with a box and a file
      -> item: img_path or flow_x/flow_y paths, gt_bboxes, gt_labels, ...
      -> get_data_info loads ``img`` (RGB, or the 3-channel flow image)
      -> pipeline (Det2DResize, Det2DRandomFlip, PackDet2DInputs, ...)

**Flow** (``modality='flow'``) is read from the grayscale JPEG pairs that
``tools/data/extract_flow.py`` writes (denseflow quantisation, bound 20,
128 = no motion; ``docs/optical_flow.md``), under ``flow_root`` (default
``<data_root>/flow``), in ``<flow_root>/<video>/`` (the tool's output for
``<data_root>/videos/<class>/<video>.avi``) or ``<flow_root>/<class>/
<video>/``. Frame ``t`` (1-based) takes the flow from frame ``t`` to
``t + 1``, pair ``flow_{x,y}_<t>.jpg``; the last frame, which has no next
frame, takes the last pair (``T - 1``). The image's channels are the
quantised x flow, the quantised y flow and the magnitude in the same
levels, ``floor(128.5 + hypot(x - 128, y - 128))`` clipped at 255, so
every channel is 128 where nothing moves (x, y and magnitude as the
action-tube paper's flow input; the paper's exact scaling differs). Flow
must be extracted at the frame size (no ``--short-side`` / ``--size``):
boxes are in frame pixels.
"""
import logging
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from fsat.registry import DATASETS

from .flow import FLOW_TMPL
from .jhmdb import (
    JHMDB_CLASSES,
    JHMDB_FRAME_SIZE,
    JHMDB_NUM_SPLITS,
    JhmdbVideo,
    jhmdb_source_video,
    scan_jhmdb,
    video_ground_truth,
)
from .subsets import check_holdout_args, holdout_groups
from .transforms import build_pipeline
from .transforms.flow import read_flow_image

__all__ = ['JHMDBFrameDetectionDataset', 'find_flow_dir', 'flow_image']

MODALITIES = ('rgb', 'flow')
SUBSETS = ('train', 'test')


def find_flow_dir(flow_root: str,
                  name: str,
                  class_name: Optional[str] = None
                  ) -> Tuple[Optional[str], List[str]]:
    """The flow folder of a video: ``<flow_root>/<name>``, else
    ``<flow_root>/<class_name>/<name>`` (the layouts of
    ``tools/data/extract_flow.py``).

    Args:
        flow_root (str): Folder of the flow sub-folders.
        name (str): The video's flow name (its stem without ``_rgb``).
        class_name (str, optional): The video's parent folder, for the
            ``<flow_root>/<class>/<name>/`` layout.

    Returns:
        tuple: The first existing folder of ``<flow_root>/<name>`` and
        ``<flow_root>/<class_name>/<name>`` (None when neither exists),
        and the list of folders tried.
    """
    candidates = [osp.join(flow_root, name)]
    if class_name:
        candidates.append(osp.join(flow_root, class_name, name))
    folder = next((c for c in candidates if osp.isdir(c)), None)
    return folder, candidates


def flow_image(flow_x: np.ndarray, flow_y: np.ndarray) -> np.ndarray:
    """The 3-channel flow image of a quantised flow pair.

    Args:
        flow_x (np.ndarray): uint8 (H, W) quantised x flow (128 = 0).
        flow_y (np.ndarray): uint8 (H, W) quantised y flow.

    Returns:
        np.ndarray: uint8 (H, W, 3): x, y and ``floor(128.5 + hypot(x -
        128, y - 128))`` clipped at 255 (the magnitude in the levels of x
        and y, 128 for no motion).
    """
    x = flow_x.astype(np.float64) - 128.0
    y = flow_y.astype(np.float64) - 128.0
    magnitude = np.minimum(np.floor(128.5 + np.hypot(x, y)), 255)
    return np.stack([flow_x, flow_y, magnitude.astype(np.uint8)], axis=-1)


@DATASETS.register_module()
class JHMDBFrameDetectionDataset(BaseDataset):
    """JHMDB frames with the actor's box, labelled with the clip's class.

    The clips are those of ``subset`` in split ``split`` of the official
    split files under ``data_root`` (layout of
    :func:`~fsat.datasets.jhmdb.scan_jhmdb`; hidden entries such as
    ``.AppleDouble`` are ignored). Each clip gives every
    ``frame_interval``-th frame (frames 1, 1 + k, 1 + 2k, ... of the clip)
    that has a box (:func:`~fsat.datasets.jhmdb.video_ground_truth`: the
    puppet mask's tight box, the joints' box where the mask is empty or
    missing, a short mask's last frame repeated) and, for RGB, a frame
    file. Frames left out (no box, missing file) are counted in one
    warning. See the module docstring for the item keys and flow.

    Args:
        data_root (str): The JHMDB root (``Rename_Images/`` or
            ``Frames/``, ``joint_positions/``, ``puppet_mask/``,
            ``splits/``).
        split (int): 1, 2 or 3. Defaults to 1.
        subset (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        modality (str): ``'rgb'`` or ``'flow'``. Defaults to ``'rgb'``.
        frame_interval (int): Use every k-th frame (1 for testing, larger
            to thin out the highly correlated training frames). Defaults
            to 1.
        flow_root (str, optional): Folder of the flow sub-folders.
            Defaults to ``<data_root>/flow``.
        classes (Sequence[str], optional): Class names (of the 21) to keep,
            labelled by their index here; clips of other classes are left
            out. Defaults to all 21 (label = the official index).
        holdout (float): Fraction of the train subset's *source videos*
            held out for validation, with every clip of each
            (:func:`~fsat.datasets.jhmdb.jhmdb_source_video`; a name
            outside HMDB's grammar is its own source, counted in the log),
            picked by :func:`~fsat.datasets.subsets.holdout_groups` over
            the kept classes' clips. 0 (default) holds none out. Only with
            ``subset='train'``.
        holdout_seed (int): Seed of the held-out pick, the same for every
            run that names it. Defaults to 0.
        use_holdout (bool): This dataset is the held-out clips (the
            validation set) instead of the rest (needs ``holdout > 0``).
            Defaults to False.
        pipeline (Sequence): Transforms (config dicts are built with
            fsat's registry). Defaults to none.
        test_mode (bool): Passed to mmengine. Defaults to False.
        **kwargs: Other arguments of mmengine's ``BaseDataset``.

    Raises:
        ValueError: One line naming the argument: a split other than 1-3,
            another subset or modality, ``frame_interval`` < 1, unknown or
            repeated classes, an ``ann_file``, a ``holdout`` out of [0, 1)
            or on the test subset (or one that holds out every source
            video, or leaves a class without training clips); or no clip
            in the subset.
        FileNotFoundError: One line naming the path: no frame folder, a
            missing split file, ``flow_root`` or a clip's flow folder or
            last flow pair missing.
    """

    METAINFO = dict(classes=JHMDB_CLASSES)

    def __init__(self,
                 data_root: str,
                 split: int = 1,
                 subset: str = 'train',
                 modality: str = 'rgb',
                 frame_interval: int = 1,
                 flow_root: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 holdout: float = 0.0,
                 holdout_seed: int = 0,
                 use_holdout: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        name = type(self).__name__
        if kwargs.get('ann_file'):
            raise ValueError(f'{name} reads the split files under data_root, '
                             'not ann_file')
        if isinstance(split, bool) or split not in range(
                1, JHMDB_NUM_SPLITS + 1):
            raise ValueError(f'{name}: split must be 1, 2 or 3, got '
                             f'{split!r}')
        if subset not in SUBSETS:
            raise ValueError(f"{name}: subset must be 'train' or 'test', got "
                             f'{subset!r}')
        if modality not in MODALITIES:
            raise ValueError(f"{name}: modality must be 'rgb' or 'flow', got "
                             f'{modality!r}')
        if (isinstance(frame_interval, bool)
                or not isinstance(frame_interval, int) or frame_interval < 1):
            raise ValueError(f'{name}: frame_interval must be an int >= 1, '
                             f'got {frame_interval!r}')
        if classes is not None:
            classes = tuple(classes)
            unknown = [c for c in classes if c not in JHMDB_CLASSES]
            if unknown or len(set(classes)) != len(classes) or not classes:
                raise ValueError(
                    f'{name}: classes must be distinct JHMDB class names, '
                    f'got {list(classes)} (unknown: {unknown})')
        self.holdout, self.holdout_seed, self.use_holdout = (
            check_holdout_args(holdout, holdout_seed, use_holdout,
                               'source videos'))
        if self.holdout and subset != 'train':
            raise ValueError(
                f'{name}: holdout={holdout!r} carves a validation set out '
                f"of the train subset, got subset={subset!r}")
        #: Names of the held-out clips (``holdout``), set by
        #: ``load_data_list``.
        self.held_out_videos: List[str] = []
        self.split = split
        self.subset = subset
        self.modality = modality
        self.frame_interval = frame_interval
        self.flow_root = (osp.join(data_root, 'flow')
                          if flow_root is None else flow_root)
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if classes is not None:
            metainfo['classes'] = classes
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            pipeline=list(build_pipeline(pipeline).transforms),
            test_mode=test_mode,
            **kwargs)

    # ------------------------------------------------------------------
    def _flow_dir(self, video: JhmdbVideo) -> str:
        """The clip's flow folder, checked to hold its last pair."""
        if not osp.isdir(self.flow_root):
            raise FileNotFoundError(
                f'JHMDB flow_root {self.flow_root!r} does not exist: extract '
                'the flow with tools/data/extract_flow.py '
                f'{osp.join(self.data_root, "videos")} {self.flow_root} '
                "--pattern '*/*.avi'")
        folder, candidates = find_flow_dir(self.flow_root, video.name,
                                           video.class_name)
        if folder is None:
            raise FileNotFoundError(
                f'No flow folder for JHMDB clip {video.class_name}/'
                f'{video.name}: neither {candidates[0]!r} nor '
                f'{candidates[1]!r} exists')
        if video.num_frames < 2:
            raise ValueError(f'JHMDB clip {video.class_name}/{video.name} '
                             'has 1 frame: it has no optical flow')
        last = osp.join(folder, FLOW_TMPL.format('x', video.num_frames - 1))
        if not osp.isfile(last):
            raise FileNotFoundError(
                f'Flow folder {folder!r} lacks {osp.basename(last)} (the clip '
                f'has {video.num_frames} frames, so '
                f'{video.num_frames - 1} flow pairs)')
        return folder

    def load_data_list(self) -> List[dict]:
        """Scan the split and list the boxed frames of its clips."""
        classes = tuple(self.metainfo['classes'])
        videos = [
            v for v in scan_jhmdb(self.data_root, split=self.split)
            if v.subset == self.subset and v.class_name in classes
        ]
        if not videos:
            raise ValueError(
                f'No JHMDB {self.subset} clip of split {self.split} (classes '
                f'{", ".join(classes)}) under {self.data_root!r}')
        if self.holdout:
            videos = self._holdout(videos, classes)
        data_list = []
        unboxed = missing = 0
        for video in videos:
            gt = video_ground_truth(video, JHMDB_FRAME_SIZE)
            unboxed += gt.num_unboxed
            boxes = dict(zip(gt.frame_inds.tolist(), gt.boxes))
            present = None
            if self.modality == 'rgb' and video.num_missing_frames:
                present = set(os.listdir(video.frame_dir))
            flow_dir = (self._flow_dir(video)
                        if self.modality == 'flow' else None)
            label = classes.index(video.class_name)
            for index in range(0, video.num_frames, self.frame_interval):
                if index not in boxes:
                    continue
                item = dict(
                    img_id=f'{video.class_name}/{video.name}/{index + 1:05d}',
                    video=video.name,
                    class_name=video.class_name,
                    frame_index=index + 1,
                    num_frames=video.num_frames,
                    modality=self.modality,
                    gt_bboxes=boxes[index][None].astype(np.float32),
                    gt_labels=np.array([label], np.int64),
                    gt_difficult=np.zeros(1, bool))
                if flow_dir is None:
                    path = video.frame_path(index)
                    if present is not None and (osp.basename(path)
                                                not in present):
                        missing += 1
                        continue
                    item['img_path'] = path
                else:
                    pair = min(index + 1, video.num_frames - 1)
                    item['flow_x_path'] = osp.join(
                        flow_dir, FLOW_TMPL.format('x', pair))
                    item['flow_y_path'] = osp.join(
                        flow_dir, FLOW_TMPL.format('y', pair))
                data_list.append(item)
        notes = [f'{n} {what}' for n, what in (
            (unboxed, 'frames without a box'),
            (missing, 'frames without a file')) if n]
        if notes:
            print_log(
                f'{type(self).__name__}({self.data_root}, split '
                f'{self.split}, {self.subset}): left out ' + ', '.join(notes),
                logger='current',
                level=logging.WARNING)
        return data_list

    def _holdout(self, videos: List[JhmdbVideo],
                 classes: Sequence[str]) -> List[JhmdbVideo]:
        """The clips left for training after a ``holdout``, or
        (``use_holdout``) the held-out ones; sets ``held_out_videos``."""
        where = (f'JHMDB split {self.split} train subset under '
                 f'{self.data_root!r}')
        keys = [f'{v.class_name}/{v.name}' for v in videos]
        sources = [jhmdb_source_video(v.name, v.class_name) for v in videos]
        unparsed = sum(s is None for s in sources)
        sources = [k if s is None else s for k, s in zip(keys, sources)]
        try:
            held = set(holdout_groups(keys, sources, self.holdout,
                                      self.holdout_seed,
                                      what='source videos'))
        except ValueError as e:
            raise ValueError(f'{where}: {e}') from None
        rest = [v for k, v in zip(keys, videos) if k not in held]
        part = [v for k, v in zip(keys, videos) if k in held]
        held_sources = {s for k, s in zip(keys, sources) if k in held}
        present = [c for c in classes if any(v.class_name == c
                                             for v in videos)]
        bare = [c for c in present if not any(v.class_name == c
                                              for v in rest)]
        if bare:
            raise ValueError(
                f'{where}: holdout={self.holdout!r} (holdout_seed='
                f'{self.holdout_seed}) leaves no training clip of '
                f'{", ".join(bare)}: use a smaller holdout or another seed')
        self.held_out_videos = [v.name for v in part]
        unseen = [c for c in present if not any(v.class_name == c
                                                for v in part)]
        notes = [f'{len(part)} of {len(videos)} clips ({len(held_sources)} '
                 f'of {len(set(sources))} source videos) held out']
        if unparsed:
            notes.append(f'{unparsed} clip names outside HMDB\'s grammar, '
                         'each its own source')
        if unseen:
            notes.append(f'no held-out clip of {", ".join(unseen)}')
        print_log(
            f'{type(self).__name__}({self.data_root}, split {self.split}, '
            f'holdout={self.holdout!r}, holdout_seed={self.holdout_seed}'
            f'): ' + '; '.join(notes),
            logger='current',
            level=logging.WARNING if unparsed or unseen else logging.INFO)
        return part if self.use_holdout else rest

    # ------------------------------------------------------------------
    def load_image(self, info: dict) -> dict:
        """Add ``img`` (RGB, or the 3-channel flow image), ``ori_shape``
        and ``img_shape`` to an item.

        Raises:
            FileNotFoundError: For a missing image (naming it).
            ValueError: For an unreadable image, or a flow image of
                another size than the JHMDB frames.
        """
        if info['modality'] == 'rgb':
            path = info['img_path']
            if not osp.isfile(path):
                raise FileNotFoundError(f'JHMDB frame {path} is missing')
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f'JHMDB frame {path} does not decode as an '
                                 'image')
            img = np.ascontiguousarray(img[..., ::-1])
        else:
            flow_x = read_flow_image(info['flow_x_path'])
            flow_y = read_flow_image(info['flow_y_path'])
            if flow_x.shape != tuple(JHMDB_FRAME_SIZE) or (flow_y.shape
                                                          != flow_x.shape):
                raise ValueError(
                    f'Flow images {info["flow_x_path"]} and '
                    f'{osp.basename(info["flow_y_path"])} are '
                    f'{flow_x.shape} and {flow_y.shape} (H, W), not the '
                    f'frame size {tuple(JHMDB_FRAME_SIZE)}: extract flow '
                    'without --short-side/--size')
            img = flow_image(flow_x, flow_y)
        info['img'] = img
        info['ori_shape'] = info['img_shape'] = img.shape[:2]
        return info

    def get_data_info(self, idx: int) -> dict:
        """The item ``idx`` with its image (:meth:`load_image`)."""
        return self.load_image(super().get_data_info(idx))
