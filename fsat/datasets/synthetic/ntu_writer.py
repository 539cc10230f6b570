# Copyright (c) fsat contributors. All rights reserved.
"""Write one sample in the on-disk format of NTU RGB+D (60 / 120).

Layout under the NTU root (``OUT/ntu``)::

    nturgb+d_rgb/<name>_rgb.avi
    nturgb+d_depth_masked/<name>/MDepth-00000001.png ...
    nturgb+d_skeletons/<name>.skeleton

``.skeleton`` grammar (CRLF line endings, also after the last line)::

    <frameCount>
    per frame: <bodyCount>
      per body: bodyID clipedEdges handLeftConfidence handLeftState
                handRightConfidence handRightState isResticted leanX leanY
                trackingState
                <jointCount = 25>
                25 x: x y z depthX depthY colorX colorY
                      orientationW orientationX orientationY orientationZ
                      trackingState

Numbers use 7 significant digits like the real files.
"""
import os
from typing import Dict, List

import numpy as np

from .fileio import write_avi, write_png_sequence, write_text

#: Kinect body ids are 2**56 plus a running tracking count (17 digits).
BODY_ID_BASE = 72057594037927936
_JOINT_FMT = ' '.join(['%.7g'] * 11) + ' %d\r\n'

RGB_DIR = 'nturgb+d_rgb'
DEPTH_DIR = 'nturgb+d_depth_masked'
SKELETON_DIR = 'nturgb+d_skeletons'


def format_skeleton(bodies: List[Dict[str, np.ndarray]],
                    body_ids: List[int]) -> str:
    """Text of a ``.skeleton`` file.

    Args:
        bodies (list[dict]): Per body the output of
            :func:`~.sensors.observe_skeleton`; a body is left out of the
            frames where its ``tracked`` is False (a frame may list no
            body, as real files do), and keeps its id when found again.
        body_ids (list[int]): 17-digit body id per body.

    Returns:
        str: The file's text, CRLF line endings.
    """
    T = bodies[0]['xyz'].shape[0]
    rows, heads = [], []
    for body, body_id in zip(bodies, body_ids):
        table = np.concatenate(
            [body['xyz'], body['depth_uv'], body['colour_uv'], body['quat']],
            -1) + 0.0  # [T, 25, 11]; + 0.0 turns -0.0 into 0.0
        state = body['state']
        rows.append([[tuple(r) + (int(s), ) for r, s in zip(frame, st)]
                     for frame, st in zip(table.tolist(), state.tolist())])
        lean = body['lean'] + 0.0
        heads.append(['%d 0 1 1 1 1 0 %.7g %.7g 2\r\n25\r\n' % (
            body_id, lx, ly) for lx, ly in lean.tolist()])
    tracked = [body.get('tracked', np.ones(T, dtype=bool)).tolist()
               for body in bodies]
    out = ['%d\r\n' % T]
    for t in range(T):
        present = [b for b in range(len(bodies)) if tracked[b][t]]
        out.append('%d\r\n' % len(present))
        for b in present:
            out.append(heads[b][t])
            out.extend(_JOINT_FMT % row for row in rows[b][t])
    return ''.join(out)


def write_ntu_sample(root: str, name: str, rgb: np.ndarray,
                     depth_mm: np.ndarray, skeleton_text: str,
                     fps: float) -> Dict[str, int]:
    """Write the three modalities of one sample.

    Args:
        root (str): NTU root folder.
        name (str): ``SsssCcccPpppRrrrAaaa``.
        rgb (np.ndarray): [T, H, W, 3] uint8 RGB frames.
        depth_mm (np.ndarray): [T, h, w] uint16 masked depth.
        skeleton_text (str): Output of :func:`format_skeleton`.
        fps (float): Frame rate of the video.

    Returns:
        dict: Bytes written per modality (``rgb``, ``depth``,
        ``skeleton``).
    """
    avi = os.path.join(root, RGB_DIR, f'{name}_rgb.avi')
    write_avi(avi, rgb, fps)
    depth_dir = os.path.join(root, DEPTH_DIR, name)
    write_png_sequence(depth_dir, depth_mm, 'MDepth')
    skel = os.path.join(root, SKELETON_DIR, f'{name}.skeleton')
    write_text(skel, skeleton_text)
    return dict(rgb=os.path.getsize(avi),
                depth=sum(e.stat().st_size for e in os.scandir(depth_dir)),
                skeleton=os.path.getsize(skel))
