# Copyright (c) fsat contributors. All rights reserved.
"""NTU RGB+D sample names ``SsssCcccPpppRrrrAaaa`` (:func:`parse_ntu_name`)."""
import re
from dataclasses import dataclass
from typing import Union

__all__ = ['NtuName', 'parse_ntu_name']

_NAME_RE = re.compile(r'S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})')


@dataclass(frozen=True)
class NtuName:
    """The fields of an NTU RGB+D sample name ``SsssCcccPpppRrrrAaaa``.

    All fields are the 1-based numbers written in the name.

    Args:
        setup (int): Setup number ``sss``.
        camera (int): Camera id ``ccc``.
        performer (int): Performer (subject) id ``ppp``.
        replication (int): Replication number ``rrr`` (1 or 2).
        action (int): Action class id ``aaa`` (1-based).
    """

    setup: int
    camera: int
    performer: int
    replication: int
    action: int

    @property
    def label(self) -> int:
        """int: The 0-based label of the full dataset, ``action - 1``."""
        return self.action - 1

    @property
    def name(self) -> str:
        """str: The sample name, e.g. ``'S001C002P003R002A013'``."""
        return (f'S{self.setup:03d}C{self.camera:03d}P{self.performer:03d}'
                f'R{self.replication:03d}A{self.action:03d}')

    def __str__(self) -> str:
        return self.name


def parse_ntu_name(name: str) -> NtuName:
    """Parse an NTU RGB+D sample name.

    Args:
        name (str): A bare sample name such as ``'S001C002P003R002A013'``
            (no folder, no suffix such as ``.skeleton``).

    Returns:
        NtuName: The parsed fields.

    Raises:
        ValueError: If ``name`` does not have the form
            ``SsssCcccPpppRrrrAaaa`` with 3-digit numbers, or if a number is
            0 (all ids are 1-based).
    """
    match = _NAME_RE.fullmatch(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(
            f'Malformed NTU RGB+D sample name {name!r}: expected '
            "'SsssCcccPpppRrrrAaaa' with 3-digit numbers, e.g. "
            "'S001C002P003R002A013'")
    numbers = [int(group) for group in match.groups()]
    if 0 in numbers:
        raise ValueError(f'Malformed NTU RGB+D sample name {name!r}: '
                         'setup, camera, performer, replication and action '
                         'numbers are 1-based, 000 is not valid')
    return NtuName(*numbers)


def _as_ntu_name(sample: Union[str, NtuName]) -> NtuName:
    return sample if isinstance(sample, NtuName) else parse_ntu_name(sample)

