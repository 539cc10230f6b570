# Copyright (c) fsat contributors. All rights reserved.
"""Checks of video files before any decoder touches them.

A cut-off video is not always a clean decoder error. A half-truncated MJPEG
``.avi`` read by mmaction2's ``DecordInit`` (decord from an in-memory file
object) ends the process with a segmentation fault: nothing is printed, a
DataLoader worker just dies. Decoders also disagree on frame counts (for
JHMDB's 40-frame clip
``catch/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2.avi``, OpenCV's header
count is 48 where decord decodes 40), so comparing two decoders' counts
cannot tell a damaged file from a healthy one. :func:`check_video_file`
therefore reads the container structure itself, a few bytes per top-level
chunk, without decoding:

* **AVI** (RIFF): every top-level ``RIFF`` chunk (``AVI `` and the
  ``AVIX`` extensions of OpenDML files) must end within the file;
* **MP4 / MOV / M4V** (ISO base media): every top-level box must end
  within the file, and a ``moov`` box (the index) must exist;
* other containers (MKV, WebM, MPEG) are only checked for existence and
  size.

mmaction2 and decord have no such check, hence this module.
"""
import os
import os.path as osp
import struct
from typing import Optional

__all__ = [
    'VIDEO_EXTS', 'VideoFileError', 'check_video_file', 'container_problem'
]

#: Extensions taken as videos when a folder is scanned.
VIDEO_EXTS = ('avi', 'mp4', 'mkv', 'webm', 'mov', 'm4v', 'mpg', 'mpeg')

# Top-level box types that may start an ISO base media (MP4/MOV) file.
_ISO_FIRST_BOXES = {b'ftyp', b'moov', b'mdat', b'free', b'wide', b'skip',
                    b'pnot'}


class VideoFileError(ValueError):
    """A video file is missing, empty, truncated or unreadable; the message
    names the file and the problem on one line."""


def _truncated(kind: str, what: str, declared: int, size: int) -> str:
    return (f'truncated {kind} file: {what} declares {declared} bytes but the '
            f'file has {size} ({100 * size / declared:.0f}%); copy or encode '
            'it again')


def _riff_problem(f, size: int) -> Optional[str]:
    """Walk the top-level RIFF chunks; a problem message or None."""
    offset = 0
    while offset + 12 <= size:
        f.seek(offset)
        head = f.read(12)
        if head[:4] != b'RIFF':
            break  # trailing data after the last RIFF chunk is tolerated
        length = struct.unpack('<I', head[4:8])[0]
        end = offset + 8 + length
        if end > size:
            form = head[8:12].decode('latin-1').strip()
            return _truncated('AVI', f"the RIFF '{form}' chunk at byte "
                              f'{offset}', end, size)
        offset = end + (length & 1)
    return None


def _iso_problem(f, size: int) -> Optional[str]:
    """Walk the top-level ISO base media boxes; a problem message or None.
    """
    offset, seen_moov = 0, False
    while offset + 8 <= size:
        f.seek(offset)
        head = f.read(16)
        length, kind = struct.unpack('>I4s', head[:8])
        if length == 1 and len(head) == 16:
            length = struct.unpack('>Q', head[8:16])[0]
        elif length == 0:  # the box runs to the end of the file
            length = size - offset
        name = kind.decode('latin-1')
        if length < 8:
            return (f'malformed MP4/MOV file: box {name!r} at byte {offset} '
                    f'has the impossible size {length}')
        seen_moov = seen_moov or kind == b'moov'
        if offset + length > size:
            return _truncated('MP4/MOV', f'box {name!r} at byte {offset}',
                              offset + length, size)
        offset += length
    if not seen_moov:
        return ("truncated MP4/MOV file: no 'moov' box (the index the "
                'decoder needs); copy or encode it again')
    return None


def container_problem(path: str) -> Optional[str]:
    """What is wrong with the container structure of a video, if anything.

    Args:
        path (str): An existing video file.

    Returns:
        str | None: A message such as ``"truncated AVI file: the RIFF 'AVI'
        chunk at byte 0 declares 108442 bytes but the file has 54221 (50%);
        ..."``, or None when the structure is complete or the container is
        not one of those checked (see the module docstring).
    """
    size = osp.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(12)
        if head[:4] == b'RIFF' and head[8:12] in (b'AVI ', b'AVIX'):
            return _riff_problem(f, size)
        if len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES:
            return _iso_problem(f, size)
    return None


def check_video_file(path: str, container: bool = True) -> None:
    """Raise a one-line error naming a video file that cannot be decoded
    safely.

    Args:
        path (str): The video file.
        container (bool): Also check the container structure
            (:func:`container_problem`). Defaults to True.

    Raises:
        VideoFileError: ``'<path>: file not found'``, ``'<path>: not a
            regular file'``, ``'<path>: file is empty (0 bytes)'`` or
            ``'<path>: truncated ... file: ...'``.
    """
    if not osp.exists(path):
        raise VideoFileError(f'{path}: file not found')
    if not osp.isfile(path):
        raise VideoFileError(f'{path}: not a regular file')
    if os.stat(path).st_size == 0:
        raise VideoFileError(f'{path}: file is empty (0 bytes)')
    if container:
        problem = container_problem(path)
        if problem:
            raise VideoFileError(f'{path}: {problem}')
