#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Generate the embedded synthetic world (NTU RGB+D and PKU-MMD formats,
or Toyota Smarthome's, JHMDB's or NYU Depth V2's).

Writes ``OUT/ntu``, ``OUT/pku_mmd`` and ``OUT/world.json`` (the Smarthome
presets: ``OUT/smarthome`` and ``OUT/world.json``; the JHMDB presets:
``OUT/Rename_Images``, ``joint_positions``, ``puppet_mask``, ``splits``,
``videos`` and ``world.json``; the NYUD2 presets: the indoor world's
``OUT/nyu_depth_v2_labeled.mat``, ``splits.mat`` and ``world.json``); see
``docs/synthetic_world.md``. Examples::

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

    # NYUD2 format: 360 indoor images (200 train / 160 test); nyud2_tiny:
    # 6 images for unit tests; fields of IndoorPreset with --set
    python tools/data/synthesize.py --preset nyud2 \
        --out data/synthetic_nyud2
    python tools/data/synthesize.py --preset nyud2 --out /tmp/big \
        --set num_train=795 num_test=654 objects_per_room=3,6

    # then, optionally, HHA for NYUD2DetectionDataset(hha_root='hha')
    # (or the pipelines' prepare step with hha=True)
    python tools/data/depth_to_hha.py --nyud2-mat \
        data/synthetic_nyud2/nyu_depth_v2_labeled.mat \
        data/synthetic_nyud2/hha

The same preset and seed give byte-identical files. An ``OUT`` that
already holds the same world is reused; one that holds anything else is
an error (exit status 2), never overwritten or mixed.
"""
import argparse
import sys
import typing

from fsat.datasets.synthetic import (
    WorldExistsError,
    custom_preset,
    generate_world,
)
from fsat.datasets.synthetic.presets import (
    WorldPreset,
    all_presets,
    coerce_parameter,
    parameter_type,
    parameters_of,
    preset_names,
)


def parse_overrides(items, kind: type = WorldPreset) -> dict:
    """``FIELD=VALUE`` strings -> typed overrides of a preset class
    (``VALUE`` of a range field: comma-separated numbers).

    Args:
        items (list[str] | None): The ``--set`` strings.
        kind (type): The preset class: :class:`WorldPreset`,
            ``SmarthomePreset``, ``JhmdbPreset`` or ``IndoorPreset``.

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
        description='Generate the synthetic world in the on-disk formats '
        'of NTU RGB+D and PKU-MMD, Toyota Smarthome, JHMDB or NYU Depth '
        'V2.')
    parser.add_argument(
        '--preset', required=True, choices=preset_names(),
        help='size and difficulty of the world: tiny (unit tests), demo '
        '(`make demo`), full (benchmarking); smarthome, smarthome_unit: '
        'the Toyota Smarthome format; jhmdb, jhmdb_unit: the JHMDB '
        'format; nyud2, nyud2_tiny: the NYUD2-format indoor world')
    parser.add_argument('--out', required=True,
                        help='output folder (created; holds ntu/, pku_mmd/ '
                        'and world.json, or the chosen format\'s files)')
    parser.add_argument('--seed', type=int, default=0,
                        help='world seed; same seed, same bytes (default 0)')
    parser.add_argument('--workers', type=int, default=1,
                        help='worker processes (default 1)')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar or messages')
    parser.add_argument(
        '--set', nargs='+', metavar='FIELD=VALUE', dest='overrides',
        help='override physical parameters of the preset (fields of its '
        'class: WorldPreset, SmarthomePreset, JhmdbPreset or IndoorPreset, '
        'see docs/synthetic_world.md); the world is named PRESET-custom '
        'and hashed with them')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be >= 1')
    try:
        kind = type(all_presets()[args.preset])
        args.overrides = parse_overrides(args.overrides, kind)
    except ValueError as e:
        parser.error(str(e))
    return args


def main(argv=None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        preset = custom_preset(args.preset, args.overrides)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    try:
        # every format: generate_world hands the preset to its writer
        generate_world(preset, args.out, seed=args.seed,
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
