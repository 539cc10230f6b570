#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Generate the NYUD2-format synthetic indoor world.

Writes ``OUT/nyu_depth_v2_labeled.mat`` (MATLAB v7.3, NYUD2's layout),
``OUT/splits.mat`` and ``OUT/world.json``; see docs/synthetic_world.md,
"Synthetic NYUD2-format world". Examples::

    # 360 images (200 train / 160 test)
    python tools/data/synthesize_nyud2.py --preset nyud2 \\
        --out data/synthetic_nyud2

    # 6 images for unit tests
    python tools/data/synthesize_nyud2.py --preset nyud2_tiny --out /tmp/t

    # more images, other parameters (fields of IndoorPreset; ranges as
    # comma lists)
    python tools/data/synthesize_nyud2.py --preset nyud2 --out /tmp/big \\
        --set num_train=795 num_test=654 objects_per_room=3,6

    # then, optionally, precompute HHA for NYUD2DetectionDataset(hha_root=)
    python tools/data/depth_to_hha.py --nyud2-mat \\
        data/synthetic_nyud2/nyu_depth_v2_labeled.mat \\
        data/synthetic_nyud2/hha

The same preset and seed give byte-identical files. An ``OUT`` that
already holds the same world is reused; one that holds anything else is
an error (exit status 2), never overwritten or mixed. This is a separate
tool from ``synthesize.py`` because the indoor world has its own preset
class and writer (no NTU/PKU-MMD plan, one labeled file instead of
videos).
"""
import argparse
import sys
import typing
from dataclasses import fields

from fsat.datasets.synthetic import WorldExistsError
from fsat.datasets.synthetic.indoor import (
    INDOOR_PRESETS,
    IndoorPreset,
    get_indoor_preset,
)
from fsat.datasets.synthetic.indoor_writer import generate_nyud2_world


def parse_overrides(items) -> dict:
    """``FIELD=VALUE`` strings -> typed fields of :class:`IndoorPreset`.

    Raises:
        ValueError: Naming the unknown field or the value that does not
            parse.
    """
    hints = typing.get_type_hints(IndoorPreset)
    known = [f.name for f in fields(IndoorPreset) if f.name != 'name']
    out = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        if not sep or key not in known:
            raise ValueError(f'--set {item!r}: expected FIELD=VALUE with '
                             'FIELD one of ' + ', '.join(known))
        kind = hints[key]
        try:
            if typing.get_origin(kind) is tuple:
                elem = typing.get_args(kind)[0]
                parts = value.split(',')
                if len(parts) != 2:
                    raise ValueError
                out[key] = tuple(elem(float(p)) if elem is int else elem(p)
                                 for p in parts)
            elif kind is bool:
                if value.lower() not in ('true', 'false', '1', '0'):
                    raise ValueError
                out[key] = value.lower() in ('true', '1')
            elif kind is int:
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                out[key] = int(number)
            else:
                out[key] = kind(value)
        except ValueError:
            raise ValueError(f'--set {item!r}: {key} takes '
                             + ('2 comma-separated numbers min,max'
                                if typing.get_origin(kind) is tuple else
                                f'a {kind.__name__}')) from None
    return out


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic indoor world in NYU Depth V2\'s '
        'file formats (nyu_depth_v2_labeled.mat, splits.mat).')
    parser.add_argument(
        '--preset', required=True, choices=sorted(INDOOR_PRESETS),
        help='nyud2: 360 images (200 train / 160 test); nyud2_tiny: 6 '
        'images for unit tests')
    parser.add_argument('--out', required=True,
                        help='output folder (created; holds the two '
                        'MAT-files and world.json)')
    parser.add_argument('--seed', type=int, default=0,
                        help='world seed; same seed, same bytes (default 0)')
    parser.add_argument('--workers', type=int, default=1,
                        help='rendering processes (default 1)')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar or messages')
    parser.add_argument(
        '--set', nargs='+', metavar='FIELD=VALUE', dest='overrides',
        help='override fields of the preset (IndoorPreset); the world is '
        'named PRESET-custom and hashed with them')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be >= 1')
    try:
        args.overrides = parse_overrides(args.overrides)
    except ValueError as e:
        parser.error(str(e))
    return args


def main(argv=None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        preset = get_indoor_preset(args.preset, **args.overrides)
    except (TypeError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    try:
        generate_nyud2_world(preset, args.out, seed=args.seed,
                             workers=args.workers, progress=not args.quiet)
    except WorldExistsError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except OSError as e:
        where = e.filename or args.out
        print(f'error: cannot write the world to {args.out}: {where}: '
              f'{e.strerror or e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
