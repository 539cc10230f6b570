# Copyright (c) fsat contributors. All rights reserved.
"""The 21 JHMDB action classes and the frame size of the dataset."""
from typing import Tuple

__all__ = [
    'JHMDB_CLASSES', 'JHMDB_FRAME_HEIGHT', 'JHMDB_FRAME_SIZE',
    'JHMDB_FRAME_WIDTH', 'jhmdb_label'
]

#: The 21 classes in alphabetical order; a class's 0-based label is its
#: index here (the order of mmaction2's and the official folder listings).
JHMDB_CLASSES: Tuple[str, ...] = (
    'brush_hair', 'catch', 'clap', 'climb_stairs', 'golf', 'jump',
    'kick_ball', 'pick', 'pour', 'pullup', 'push', 'run', 'shoot_ball',
    'shoot_bow', 'shoot_gun', 'sit', 'stand', 'swing_baseball', 'throw',
    'walk', 'wave')

#: Every JHMDB frame is 320 pixels wide and 240 high (``pos_world`` of the
#: real ``joint_positions.mat`` files is reproduced with W=320, H=240).
JHMDB_FRAME_WIDTH = 320
JHMDB_FRAME_HEIGHT = 240
#: ``(height, width)``, the order of image arrays.
JHMDB_FRAME_SIZE: Tuple[int, int] = (JHMDB_FRAME_HEIGHT, JHMDB_FRAME_WIDTH)

_LABELS = {name: i for i, name in enumerate(JHMDB_CLASSES)}


def jhmdb_label(class_name: str) -> int:
    """The 0-based label of a class name.

    Args:
        class_name (str): A folder name such as ``'brush_hair'``.

    Returns:
        int: Its index in :data:`JHMDB_CLASSES`.

    Raises:
        ValueError: For a name that is not one of the 21 classes.
    """
    try:
        return _LABELS[class_name]
    except KeyError:
        raise ValueError(f'{class_name!r} is not a JHMDB class (expected one '
                         f'of {", ".join(JHMDB_CLASSES)})') from None
