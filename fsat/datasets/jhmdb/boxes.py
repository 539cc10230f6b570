# Copyright (c) fsat contributors. All rights reserved.
"""Per-frame person boxes and action-detection ground truth of JHMDB.

JHMDB has one annotated actor per clip. The frame-level detection ground
truth (the actor's box in every frame, labelled with the clip's class) is
derived here from the official annotations; the ``Bbox.mat`` files some
copies carry are not read (their layout is unverified):

* from the puppet mask (:func:`boxes_from_mask`): the tight box of the
  mask's nonzero pixels;
* when the mask is missing or empty in a frame, from the joints
  (:func:`boxes_from_joints`): the range of the 15 ``pos_img`` joints,
  clipped to the 320 x 240 frame. The puppet tool keeps occluded joints and
  joints outside the frame at neutral puppet positions, so this box is
  looser than the mask's (and may cover places the person is not).

**Box convention.** Boxes are ``(x1, y1, x2, y2)`` in pixels, float32, in
continuous image coordinates where pixel column ``i`` spans ``[i, i + 1)``:
a mask box is ``x1`` = its leftmost column, ``x2`` = its rightmost column
+ 1 (exclusive), likewise for rows, so ``x2 - x1`` is the width in pixels.
Subtract 1 from ``x2`` and ``y2`` for the inclusive last-pixel convention.
Joint boxes use the ``pos_img`` values as stored.
"""
import logging
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from .classes import JHMDB_FRAME_SIZE
from .layout import JhmdbVideo
from .mat_io import mask_for_frames, read_joint_positions, read_puppet_mask

__all__ = [
    'JhmdbGroundTruth', 'boxes_from_joints', 'boxes_from_mask',
    'detection_ground_truth', 'video_ground_truth'
]


def boxes_from_mask(mask: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The tight box of each frame of a mask.

    Args:
        mask (np.ndarray): (T, H, W), nonzero on the person.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 boxes (T, 4)
        ``(x1, y1, x2, y2)``, ``x2``/``y2`` exclusive (module docstring),
        and bool ``valid`` (T,), False (box all 0) for an empty frame.
    """
    mask = np.asarray(mask) != 0
    if mask.ndim != 3:
        raise ValueError(f'A mask must be (T, H, W), got shape {mask.shape}')
    cols = mask.any(axis=1)  # (T, W)
    rows = mask.any(axis=2)  # (T, H)
    valid = cols.any(axis=1)
    width, height = mask.shape[2], mask.shape[1]
    boxes = np.stack([
        cols.argmax(axis=1),
        rows.argmax(axis=1),
        width - cols[:, ::-1].argmax(axis=1),
        height - rows[:, ::-1].argmax(axis=1),
    ], axis=1).astype(np.float32)
    boxes[~valid] = 0
    return boxes, valid


def boxes_from_joints(
    pos_img: np.ndarray,
    frame_size: Optional[Tuple[int, int]] = JHMDB_FRAME_SIZE
) -> Tuple[np.ndarray, np.ndarray]:
    """The box of the joints of each frame.

    Args:
        pos_img (np.ndarray): (T, J, 2) pixel x and y
            (:attr:`JhmdbJoints.pos_img`).
        frame_size (tuple[int, int], optional): ``(height, width)`` to clip
            the boxes to (``[0, width] x [0, height]``). Defaults to
            (240, 320); None does not clip.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 boxes (T, 4) ``(x1, y1, x2,
        y2)`` (the min and max of x and y) and bool ``valid`` (T,), False
        when the clipped box has no area (all joints outside the frame, or
        all on one line).
    """
    pos_img = np.asarray(pos_img, dtype=np.float64)
    if pos_img.ndim != 3 or pos_img.shape[2] != 2:
        raise ValueError(f'Joints must be (T, J, 2), got {pos_img.shape}')
    boxes = np.concatenate([pos_img.min(axis=1), pos_img.max(axis=1)], 1)
    if frame_size is not None:
        height, width = frame_size
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes.astype(np.float32), valid


@dataclass(frozen=True)
class JhmdbGroundTruth:
    """Frame-level detection ground truth of one clip (one actor).

    Args:
        frame_inds (np.ndarray): int64 (N,), 0-based frame indices
            (frame ``i`` is ``%05d.png`` of ``i + 1``) of the frames with a
            box, increasing.
        boxes (np.ndarray): float32 (N, 4) ``(x1, y1, x2, y2)`` pixels.
        labels (np.ndarray): int64 (N,), the clip's class label.
        from_joints (np.ndarray): bool (N,), True where the box comes from
            the joints rather than the mask.
        num_clamped (int): Image frames past the end of the mask (or of the
            joints when there is no mask) given its last frame.
        num_dropped (int): Mask (or joint) frames past the last image,
            left out.
        num_unboxed (int): Frames without a box (empty mask and no usable
            joints), absent from ``frame_inds``.
    """

    frame_inds: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    from_joints: np.ndarray
    num_clamped: int = 0
    num_dropped: int = 0
    num_unboxed: int = 0


def detection_ground_truth(
    label: int,
    num_frames: int,
    mask: Optional[np.ndarray] = None,
    pos_img: Optional[np.ndarray] = None,
    frame_size: Optional[Tuple[int, int]] = JHMDB_FRAME_SIZE,
) -> JhmdbGroundTruth:
    """The actor's box in every frame, labelled with the clip's class.

    The mask gives the box where it has pixels; frames with an empty mask
    (or all frames, without a mask) take the joint box. Mask and joints are
    fitted to ``num_frames`` with :func:`mask_for_frames` (the last frame
    is repeated); the clamp counts refer to the mask when there is one.

    Args:
        label (int): The clip's 0-based class label.
        num_frames (int): Number of image frames of the clip.
        mask (np.ndarray, optional): (T, H, W) puppet mask.
        pos_img (np.ndarray, optional): (T, 15, 2) joints.
        frame_size (tuple[int, int], optional): ``(height, width)`` of the
            frames: joint boxes are clipped to it and a mask of another
            size is an error. Defaults to (240, 320); None disables both.

    Returns:
        JhmdbGroundTruth: The boxes and the counts of fitted frames.

    Raises:
        ValueError: Without mask and joints, or for a mask whose size is
            not ``frame_size``.
    """
    if mask is None and pos_img is None:
        raise ValueError('JHMDB ground truth needs a puppet mask or joints')
    boxes = np.zeros((num_frames, 4), np.float32)
    valid = np.zeros(num_frames, bool)
    from_joints = np.zeros(num_frames, bool)
    clamped = dropped = 0
    if mask is not None:
        if frame_size is not None and tuple(mask.shape[1:]) != tuple(
                frame_size):
            raise ValueError(
                f'JHMDB puppet mask of size {tuple(mask.shape[1:])} '
                f'(H, W) for frames of size {tuple(frame_size)}')
        aligned = mask_for_frames(mask, num_frames)
        boxes, valid = boxes_from_mask(aligned.array)
        clamped, dropped = aligned.num_clamped, aligned.num_dropped
    if pos_img is not None and not valid.all():
        aligned = mask_for_frames(np.asarray(pos_img), num_frames)
        if mask is None:
            clamped, dropped = aligned.num_clamped, aligned.num_dropped
        joint_boxes, joint_valid = boxes_from_joints(aligned.array,
                                                     frame_size)
        from_joints = ~valid & joint_valid
        boxes[from_joints] = joint_boxes[from_joints]
        valid = valid | joint_valid
    frame_inds = np.flatnonzero(valid).astype(np.int64)
    return JhmdbGroundTruth(
        frame_inds=frame_inds,
        boxes=boxes[valid],
        labels=np.full(len(frame_inds), label, np.int64),
        from_joints=from_joints[valid],
        num_clamped=clamped,
        num_dropped=dropped,
        num_unboxed=int(num_frames - valid.sum()))


def video_ground_truth(
    video: JhmdbVideo,
    frame_size: Optional[Tuple[int, int]] = JHMDB_FRAME_SIZE
) -> JhmdbGroundTruth:
    """The detection ground truth of a scanned clip, from its files.

    Reads the clip's puppet mask and joints (whichever exist), calls
    :func:`detection_ground_truth` and logs a warning naming the clip when
    frames were clamped, dropped, boxed from the joints or left unboxed.

    Args:
        video (JhmdbVideo): A record of
            :func:`~fsat.datasets.jhmdb.scan_jhmdb`.
        frame_size (tuple[int, int], optional): See
            :func:`detection_ground_truth`.

    Returns:
        JhmdbGroundTruth: The clip's boxes.

    Raises:
        ValueError: When the clip has neither mask nor joints, or from the
            readers.
    """
    if video.mask_path is None and video.joint_path is None:
        raise ValueError(f'JHMDB video {video.name!r} ({video.class_name}) '
                         'has neither puppet_mask.mat nor '
                         'joint_positions.mat')
    mask = (None if video.mask_path is None else read_puppet_mask(
        video.mask_path))
    pos_img = (None if video.joint_path is None else read_joint_positions(
        video.joint_path).pos_img)
    gt = detection_ground_truth(video.label, video.num_frames, mask, pos_img,
                                frame_size)
    source = 'mask' if mask is not None else 'joints'
    notes = [
        (gt.num_clamped, f'frames past the {source} given its last frame'),
        (gt.num_dropped, f'{source} frames past the last image dropped'),
        (int(gt.from_joints.sum()) if mask is not None else 0,
         'frames boxed from the joints (empty mask)'),
        (gt.num_unboxed, 'frames without a box'),
    ]
    notes = [f'{count} {what}' for count, what in notes if count]
    if notes:
        print_log(
            f'JHMDB video {video.name} ({video.num_frames} frames): ' +
            '; '.join(notes),
            logger='current',
            level=logging.WARNING)
    return gt
