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

:func:`nyud2_mat_to_hha` is the library form of ``tools/data/
depth_to_hha.py --nyud2-mat`` that the ``synthetic_world`` step uses for
the indoor world's HHA images (a prepare step may not shell out to a
tool: it must run in-process, under the pipeline's error handling).
"""
import os
import os.path as osp
from typing import List, Mapping, Optional, Tuple

from fsat.registry import FUNCTIONS

FLOW_METHODS = ('farneback', 'tvl1')
#: Folder of the indoor world's HHA images, under the world's folder
#: (``NYUD2DetectionDataset(hha_root='hha')``).
HHA_DIR = 'hha'


@FUNCTIONS.register_module('synthetic_world')
def prepare_synthetic_world(out: str,
                            preset: str = 'demo',
                            seed: int = 0,
                            overrides: Optional[Mapping] = None,
                            flow: Optional[str] = None,
                            workers: Optional[int] = None,
                            progress: bool = True,
                            hha: bool = False) -> dict:
    """Synthesise a world (reused when it is there) and extract its flow
    (or, for the NYUD2-format indoor world, its HHA images).

    The same as ``tools/data/synthesize.py --preset PRESET --out OUT --seed
    SEED --set K=V ...`` followed by ``tools/data/extract_flow.py`` of its
    NTU-layout videos into ``OUT/ntu/nturgb+d_flow`` (flow of finished
    videos is kept). A Toyota Smarthome preset (``smarthome``,
    ``smarthome_unit``) writes ``OUT/smarthome`` instead; its flow goes
    from ``OUT/smarthome/mp4`` into ``OUT/smarthome/flow``. A JHMDB
    preset (``jhmdb``, ``jhmdb_unit``) writes JHMDB's layout in ``OUT``;
    its flow goes from ``OUT/videos/<class>/`` into ``OUT/flow/<video>``.
    An NYUD2 preset (``nyud2``, ``nyud2_tiny``) writes the indoor world
    (``OUT/nyu_depth_v2_labeled.mat``, ``splits.mat``); it has no videos,
    so no flow, but ``hha=True`` converts every image's depth to HHA as
    ``tools/data/depth_to_hha.py --nyud2-mat OUT/nyu_depth_v2_labeled.mat
    OUT/hha`` does: ``OUT/hha/%04d.png`` by 0-based image index (filled
    ``depths`` with ``rawDepths == 0`` as missing, NYUD2's colour camera,
    uncropped), what ``NYUD2DetectionDataset(data_root=OUT,
    hha_root='hha')`` reads. Existing HHA images are kept, so an
    interrupted step resumes.

    Args:
        out (str): The world's folder.
        preset (str): A preset name (NTU / PKU-MMD, Smarthome, JHMDB or
            NYUD2 format). Defaults to ``'demo'``.
        seed (int): The world seed. Defaults to 0.
        overrides (Mapping, optional): Physical parameters to change (as
            ``--set``); the world is then named ``<preset>-custom``.
        flow (str, optional): ``'farneback'`` or ``'tvl1'`` to extract
            optical flow (bound 20, frames at their size); None for none.
            Not with an NYUD2 preset.
        workers (int, optional): Processes; defaults to the CPU count.
        progress (bool): Progress bars. Defaults to True.
        hha (bool): With an NYUD2 preset, write ``OUT/hha`` (see above).
            Defaults to False.

    Returns:
        dict: ``world`` (the content of ``world.json``), ``flow`` (the
        number of videos whose flow was extracted, or None) and ``hha``
        (the number of HHA images converted, existing ones not counted,
        or None).

    Raises:
        ValueError: an unknown preset, parameter or flow method, ``flow``
            with an NYUD2 preset or ``hha=True`` with another one (before
            anything is written).
        RuntimeError: naming a video whose flow extraction failed, or an
            image whose HHA conversion failed.
    """
    from fsat.datasets.synthetic import (
        INDOOR_PRESETS,
        IndoorPreset,
        custom_preset,
        generate_world,
    )
    if flow is not None and flow not in FLOW_METHODS:
        raise ValueError(f'flow must be one of {FLOW_METHODS} or None, got '
                         f'{flow!r}')
    if not isinstance(hha, bool):
        raise ValueError(f'hha must be True or False, got {hha!r}')
    world_preset = custom_preset(preset, dict(overrides or {}))
    indoor = isinstance(world_preset, IndoorPreset)
    if hha and not indoor:
        raise ValueError(
            'hha=True: HHA images are made for the NYUD2-format indoor '
            f"world only (preset {' or '.join(sorted(INDOOR_PRESETS))}), "
            f'not preset {world_preset.name!r}')
    if indoor and flow is not None:
        raise ValueError(
            f'flow={flow!r}: the NYUD2-format indoor world (preset '
            f'{world_preset.name!r}) has no videos; use flow=None (hha=True '
            'for its HHA images)')
    workers = workers or os.cpu_count() or 1
    world = generate_world(
        world_preset, out, seed=seed, workers=workers, progress=progress)
    converted = None
    if hha:
        from fsat.datasets.synthetic.indoor_writer import LABELED_FILE
        converted = nyud2_mat_to_hha(
            osp.join(out, LABELED_FILE), osp.join(out, HHA_DIR),
            workers=workers, progress=progress)
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
    return dict(world=world, flow=extracted, hha=converted)


def _one_opencv_thread() -> None:
    """One OpenCV thread per worker process (no over-subscription)."""
    import cv2
    cv2.setNumThreads(1)


#: Per process: the open labeled file (path, reader) of
#: :func:`_mat_image_to_hha`.
_LABELED: list = [None, None]


def _mat_image_to_hha(job: Tuple[str, int, str]) -> Tuple[int, str]:
    """Convert one image of a labeled file; returns ``(index, error)``
    (``''`` on success) and never raises for bad data. The file stays
    open in the process between jobs."""
    from fsat.datasets.hha import depth_to_hha, write_hha_png
    from fsat.datasets.nyud2 import NYUD2Labeled
    path, index, target = job
    try:
        if _LABELED[0] != path:
            if _LABELED[1] is not None:
                _LABELED[1].close()
            _LABELED[:] = [path, NYUD2Labeled(path)]
        reader = _LABELED[1]
        depth, raw = reader.depth(index), reader.raw_depth(index)
        write_hha_png(target, depth_to_hha(depth, raw == 0))
    except (ValueError, OSError) as e:
        return index, f'{path} image {index}: {e}'
    return index, ''


def nyud2_mat_to_hha(mat: str, out_dir: str, workers: int = 1,
                     progress: bool = True) -> int:
    """HHA PNGs of every image of an NYUD2 labeled file (the real one or
    the synthetic indoor world's), as ``tools/data/depth_to_hha.py
    --nyud2-mat MAT OUT_DIR`` writes them.

    ``OUT_DIR/%04d.png`` by 0-based image index
    (:data:`~fsat.datasets.nyud2_detection.NYUD2_HHA_TMPL`): RGB =
    disparity, height, angle (:func:`fsat.datasets.hha.depth_to_hha`) of
    the filled ``depths`` with ``rawDepths == 0`` as the missing mask, on
    NYUD2's uncropped colour camera. Existing PNGs are kept.

    Args:
        mat (str): The labeled file (MATLAB v7.3).
        out_dir (str): Folder of the PNGs (created).
        workers (int): Processes. Defaults to 1 (this process).
        progress (bool): A progress bar. Defaults to True.

    Returns:
        int: The number of images converted (0 when all were there).

    Raises:
        ValueError: ``mat`` is not an NYUD2 labeled file.
        FileNotFoundError: ``mat`` does not exist.
        RuntimeError: naming an image whose conversion failed (the
            others are kept).
    """
    from tqdm import tqdm

    from fsat.datasets.nyud2 import NYUD2Labeled
    from fsat.datasets.nyud2_detection import NYUD2_HHA_TMPL
    with NYUD2Labeled(mat) as reader:
        num = len(reader)
    jobs: List[Tuple[str, int, str]] = []
    for i in range(num):
        target = osp.join(out_dir, NYUD2_HHA_TMPL.format(i))
        if not osp.exists(target):
            jobs.append((mat, i, target))
    if not jobs:
        return 0
    os.makedirs(out_dir, exist_ok=True)
    failed = []
    with tqdm(total=len(jobs), unit='img', disable=not progress,
              desc='HHA', dynamic_ncols=True) as bar:
        if workers <= 1 or len(jobs) == 1:
            try:
                for _, error in map(_mat_image_to_hha, jobs):
                    failed += [error] if error else []
                    bar.update()
            finally:
                if _LABELED[1] is not None:
                    _LABELED[1].close()
                _LABELED[:] = [None, None]
        else:
            import multiprocessing
            ctx = multiprocessing.get_context('spawn')
            with ctx.Pool(min(workers, len(jobs)),
                          initializer=_one_opencv_thread) as pool:
                for _, error in pool.imap_unordered(_mat_image_to_hha, jobs):
                    failed += [error] if error else []
                    bar.update()
    if failed:
        raise RuntimeError(f'{out_dir}: HHA failed for {len(failed)} of '
                           f'{len(jobs)} images, e.g. {failed[0]}')
    return len(jobs)
