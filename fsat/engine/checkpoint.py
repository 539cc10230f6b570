# Copyright (c) fsat contributors. All rights reserved.
"""Local checkpoint loading that works with MMEngine 0.10 on torch >= 2.6.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``, which
rejects what MMEngine stores besides the weights (the message hub's
``HistoryBuffer``, numpy arrays and dtypes). MMEngine 0.10.7 calls
``torch.load`` without the argument, so neither ``--resume`` nor
``tools/test.py`` could read a checkpoint the runner itself wrote. This
module replaces MMEngine's loader for local paths with one that passes
``weights_only=False``, as every torch before 2.6 did: like any OpenMMLab
checkpoint, a local checkpoint is a pickle, so load only files you trust.

A file that is not a whole checkpoint (empty, cut short by a kill or a full
disk, damaged bytes, not a torch file at all) is a :class:`CheckpointError`
naming the file, which the tools print as one line; torch's own errors
(``EOFError``, ``failed finding central directory``, ``invalid load key``)
do not say which file. Torch checkpoints are zip archives whose central
directory is written last, and whose members carry a CRC-32: both are
checked (:func:`verify_checkpoint`) before unpickling, since torch itself
reads damaged tensor bytes without complaint.
"""
import os.path as osp
import zipfile
from typing import Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from fsat.utils.cli import FsatUserError

__all__ = ['CheckpointError', 'load_local_checkpoint', 'verify_checkpoint']


class CheckpointError(FsatUserError):
    """A checkpoint file that cannot be read; the message names the file."""


def verify_checkpoint(filename: str, check_crc: bool = True) -> None:
    """Fail with :class:`CheckpointError` unless ``filename`` is a whole
    checkpoint file.

    Checks that it is a non-empty regular file and, for torch's zip format,
    that the archive's central directory (written last) is there and, with
    ``check_crc``, that every member matches its CRC-32 (this reads the
    whole file, about as long as loading it; without it only the end of the
    file is read). Files in torch's legacy (pre-1.6, not zip) format pass
    unchecked: they are checked when unpickled; any other file is refused.

    Args:
        filename (str): Path of the checkpoint.
        check_crc (bool): Also check the members' CRC-32. Defaults to True.

    Raises:
        FileNotFoundError: If nothing exists at ``filename``.
        CheckpointError: If it is a directory, empty, cut short or damaged.
    """
    if not osp.exists(filename):
        raise FileNotFoundError(2, 'checkpoint not found', filename)
    if osp.isdir(filename):
        raise CheckpointError(f'checkpoint {filename} is a directory, not a '
                              'checkpoint file')
    if osp.getsize(filename) == 0:
        raise CheckpointError(f'checkpoint {filename} is empty (0 bytes)')
    with open(filename, 'rb') as f:
        head = f.read(4)
    if head[:1] == b'\x80':  # torch's legacy format opens with a pickle
        return
    if head != b'PK\x03\x04':
        raise CheckpointError(
            f'checkpoint {filename} is not a PyTorch checkpoint (neither '
            "torch.save's zip format nor its legacy pickle format)")
    try:
        with zipfile.ZipFile(filename) as archive:
            bad = archive.testzip() if check_crc else None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CheckpointError(
            f'checkpoint {filename} is cut short or damaged: its zip '
            f'directory cannot be read ({e}); was it still being '
            'written?') from e
    if bad is not None:
        raise CheckpointError(f'checkpoint {filename} is damaged: member '
                              f'{bad} does not match its CRC-32')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(filename: str,
                          map_location: Optional[str] = None) -> dict:
    """Load a local checkpoint with its full training state.

    Args:
        filename (str): Path of the checkpoint.
        map_location (str, optional): As in :func:`torch.load`.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: If nothing exists at ``filename``.
        CheckpointError: If the file is not a whole, readable checkpoint.
    """
    filename = osp.expanduser(filename)
    verify_checkpoint(filename)
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except Exception as e:  # a pickle error, a class that cannot be found
        text = ' '.join(str(e).split()) or type(e).__name__
        raise CheckpointError(
            f'cannot read checkpoint {filename}: {type(e).__name__}: '
            f'{text[:300]}') from e
