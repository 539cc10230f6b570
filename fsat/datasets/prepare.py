# Copyright (c) fsat contributors. All rights reserved.
"""Data preparation steps that a pipeline runs before its first stage.

A pipeline config may list ``prepare`` steps; each names a function of the
``FUNCTIONS`` registry and its keyword arguments, e.g.::

    prepare = [
        dict(type='synthetic_world', out='data/synthetic_demo',
             preset='demo', flow='farneback'),
    ]

Every step must be idempotent: it finds finished work and skips it, so a
pipeline that is run again costs seconds here. A package of the user's may
register its own steps (``@FUNCTIONS.register_module('my_step')``).
"""
import os
import os.path as osp
from typing import Mapping, Optional

from fsat.registry import FUNCTIONS

FLOW_METHODS = ('farneback', 'tvl1')


@FUNCTIONS.register_module('synthetic_world')
def prepare_synthetic_world(out: str,
                            preset: str = 'demo',
                            seed: int = 0,
                            overrides: Optional[Mapping] = None,
                            flow: Optional[str] = None,
                            workers: Optional[int] = None,
                            progress: bool = True) -> dict:
    """Synthesise a world (reused when it is there) and extract its flow.

    The same as ``tools/data/synthesize.py --preset PRESET --out OUT --seed
    SEED --set K=V ...`` followed by ``tools/data/extract_flow.py`` of its
    NTU-layout videos into ``OUT/ntu/nturgb+d_flow`` (flow of finished
    videos is kept). A Toyota Smarthome preset (``smarthome``,
    ``smarthome_unit``) writes ``OUT/smarthome`` instead; its flow goes
    from ``OUT/smarthome/mp4`` into ``OUT/smarthome/flow``. A JHMDB
    preset (``jhmdb``, ``jhmdb_unit``) writes JHMDB's layout in ``OUT``;
    its flow goes from ``OUT/videos/<class>/`` into ``OUT/flow/<video>``.

    Args:
        out (str): The world's folder.
        preset (str): A preset name (NTU / PKU-MMD or Smarthome format).
            Defaults to ``'demo'``.
        seed (int): The world seed. Defaults to 0.
        overrides (Mapping, optional): Physical parameters to change (as
            ``--set``); the world is then named ``<preset>-custom``.
        flow (str, optional): ``'farneback'`` or ``'tvl1'`` to extract
            optical flow (bound 20, frames at their size); None for none.
        workers (int, optional): Processes; defaults to the CPU count.
        progress (bool): Progress bars. Defaults to True.

    Returns:
        dict: ``world`` (the content of ``world.json``) and ``flow`` (the
        number of videos whose flow was extracted, or None).

    Raises:
        ValueError: an unknown preset, parameter or flow method.
        RuntimeError: naming a video whose flow extraction failed.
    """
    from fsat.datasets.synthetic import custom_preset, generate_world
    if flow is not None and flow not in FLOW_METHODS:
        raise ValueError(f'flow must be one of {FLOW_METHODS} or None, got '
                         f'{flow!r}')
    workers = workers or os.cpu_count() or 1
    world = generate_world(
        custom_preset(preset, dict(overrides or {})),
        out,
        seed=seed,
        workers=workers,
        progress=progress)
    extracted = None
    if flow is not None:
        from fsat.datasets.flow import collect_videos, extract_many
        recursive = False
        if world.get('format') == 'toyota_smarthome':
            source = osp.join(out, 'smarthome', 'mp4')
            target, exts = osp.join(out, 'smarthome', 'flow'), ('mp4', )
        elif world.get('format') == 'jhmdb':
            # videos/<class>/<video>.avi -> flow/<video>/
            source, target = osp.join(out, 'videos'), osp.join(out, 'flow')
            exts, recursive = ('avi', ), True
        else:
            source = osp.join(out, 'ntu', 'nturgb+d_rgb')
            target, exts = osp.join(out, 'ntu', 'nturgb+d_flow'), ('avi', )
        videos = collect_videos(source, exts=exts, recursive=recursive)
        results = extract_many(
            videos,
            target,
            workers=workers,
            progress=progress,
            method=flow,
            skip_existing=True)
        failed = [r for r in results if r.status == 'failed']
        if failed:
            raise RuntimeError(
                f'{out}: optical flow failed for {len(failed)} of '
                f'{len(results)} videos, e.g. {failed[0].message}')
        extracted = sum(r.status != 'skipped' for r in results)
    return dict(world=world, flow=extracted)
