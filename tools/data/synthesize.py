#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Generate the embedded synthetic world (NTU RGB+D and PKU-MMD formats,
or Toyota Smarthome's, or JHMDB's).

Writes ``OUT/ntu``, ``OUT/pku_mmd`` and ``OUT/world.json`` (the Smarthome
presets: ``OUT/smarthome`` and ``OUT/world.json``; the JHMDB presets:
``OUT/Rename_Images``, ``joint_positions``, ``puppet_mask``, ``splits``,
``videos`` and ``world.json``); see ``docs/synthetic_world.md``.
Examples::

    # what `make demo` uses: about 4,800 NTU and 72 PKU-MMD videos
    python tools/data/synthesize.py --preset demo --out data/synthetic \\
        --workers 2

    # a few dozen short videos for unit tests, seconds
    python tools/data/synthesize.py --preset tiny --out /tmp/tiny

    # the demo world with a different physical parameter (any field of
    # fsat.datasets.synthetic.WorldPreset; tuples as comma lists)
    python tools/data/synthesize.py --preset demo --out /tmp/bare \
        --set clutter=0 camera_distance=2.5,3.0

    # Toyota Smarthome format: 2,106 RGB clips and LCR-Net skeletons
    python tools/data/synthesize.py --preset smarthome \
        --out data/synthetic_smarthome --workers 2

    # JHMDB format: 120 short clips of 10 classes, 320x240 PNG frames
    python tools/data/synthesize.py --preset jhmdb \
        --out data/synthetic_jhmdb

The same preset and seed give byte-identical files. An ``OUT`` that
already holds the same world is reused; one that holds anything else is
an error (exit status 2), never overwritten or mixed.
"""
import argparse
import sys
import typing

from fsat.datasets.synthetic import (
    PRESETS,
    WorldExistsError,
    custom_preset,
    generate_world,
)
from fsat.datasets.synthetic.presets import (
    JHMDB_PRESETS,
    JhmdbPreset,
    WorldPreset,
    coerce_parameter,
    parameter_type,
    parameters_of,
)


def parse_overrides(items, kind: type = WorldPreset) -> dict:
    """``FIELD=VALUE`` strings -> typed overrides of a preset class
    (``VALUE`` of a range field: comma-separated numbers).

    Args:
        items (list[str] | None): The ``--set`` strings.
        kind (type): :class:`WorldPreset` or ``SmarthomePreset``.

    Raises:
        ValueError: naming the unknown field or the value that does not
            parse.
    """
    known = parameters_of(kind)
    out = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        if not sep or key not in known:
            raise ValueError(
                f'--set {item!r}: expected FIELD=VALUE with FIELD one of '
                + ', '.join(known))
        if typing.get_origin(parameter_type(key, kind)) is tuple:
            value = value.split(',')
        try:
            out[key] = coerce_parameter(key, value, kind)
        except ValueError as e:
            raise ValueError(f'--set {e}') from None
    return out


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic multimodal action world in the '
        'on-disk formats of NTU RGB+D and PKU-MMD.')
    parser.add_argument(
        '--preset', required=True,
        choices=sorted(PRESETS) + sorted(JHMDB_PRESETS),
        help='size and difficulty of the world: tiny (unit tests), demo '
        '(`make demo`), full (benchmarking); smarthome, smarthome_unit: '
        'the Toyota Smarthome format; jhmdb, jhmdb_unit: the JHMDB '
        'format')
    parser.add_argument('--out', required=True,
                        help='output folder (created; holds ntu/, pku_mmd/ '
                        'and world.json)')
    parser.add_argument('--seed', type=int, default=0,
                        help='world seed; same seed, same bytes (default 0)')
    parser.add_argument('--workers', type=int, default=1,
                        help='worker processes (default 1)')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar or messages')
    parser.add_argument(
        '--set', nargs='+', metavar='FIELD=VALUE', dest='overrides',
        help='override physical parameters of the preset (fields of '
        'WorldPreset, see docs/synthetic_world.md); the world is named '
        'PRESET-custom and hashed with them')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be >= 1')
    try:
        kind = type({**PRESETS, **JHMDB_PRESETS}[args.preset])
        args.overrides = parse_overrides(args.overrides, kind)
    except ValueError as e:
        parser.error(str(e))
    return args


def main(argv=None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    preset = args.preset
    if args.overrides:
        try:
            preset = custom_preset(preset, args.overrides)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
    generate = generate_world
    if args.preset in JHMDB_PRESETS:
        # JHMDB format: its own plan and writer
        from fsat.datasets.synthetic.jhmdb_writer import generate_jhmdb_world
        generate = generate_jhmdb_world
        if not isinstance(preset, JhmdbPreset):
            preset = JHMDB_PRESETS[preset]
    try:
        generate(preset, args.out, seed=args.seed,
                 workers=args.workers, progress=not args.quiet)
    except WorldExistsError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    except OSError as e:  # a folder that cannot be made or written
        where = e.filename or args.out
        print(f'error: cannot write the world to {args.out}: {where}: '
              f'{e.strerror or e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
