# Copyright (c) fsat contributors. All rights reserved.
"""Generate a whole synthetic world: plan, render in parallel, publish.

Output (``out_dir``) of an NTU / PKU-MMD preset::

    world.json           what was generated (written last)
    ntu/                 a mini NTU RGB+D 120, see :mod:`.ntu_writer`
    pku_mmd/             a mini PKU-MMD, see :mod:`.pku_writer`

The world is written into a sibling folder ``<out_dir>.partial-<pid>``
that is renamed to ``out_dir`` only when complete, and removed if
generation fails, so ``out_dir`` never holds half a world. An existing
``out_dir`` with the same parameters (preset, seed, generator version)
is reused; one with different data is an error, never overwritten.

:func:`generate_world` hands the other formats' presets to their writers
(Toyota Smarthome, JHMDB, NYUD2); they share :func:`publish_world`,
:func:`_check_existing` and :data:`WORLD_FILE` with this one.
"""
import hashlib
import json
import os
import shutil
import sys
from typing import Callable, Iterable, List, Optional, Union

import cv2

from .actions import build_class_table
from .body import JOINT_NAMES, NTU_BONES_1BASED
from .camera import (
    AIM_HEIGHT,
    NTU_CAMERA_AZIMUTH,
    PKU_VIEW_AZIMUTH,
    RGB_BASELINE,
)
from .jobs import NtuJob, PkuJob, Renderer, pku_room
from .motion import PRIMITIVES
from .ntu_writer import DEPTH_DIR, RGB_DIR, SKELETON_DIR
from .pku_writer import DEPTH_DIR as PKU_DEPTH_DIR
from .pku_writer import LABEL_DIR, SPLIT_DIR, write_split
from .pku_writer import RGB_DIR as PKU_RGB_DIR
from .pku_writer import SKELETON_DIR as PKU_SKEL_DIR
from .presets import (
    IndoorPreset,
    JhmdbPreset,
    SmarthomePreset,
    WorldPreset,
    get_preset,
)
from .protocols import half_setups, pku_performer_split, plan_sessions
from .rng import make_rng
from .runner import run_jobs

#: Bump when the generator's output changes for the same parameters.
GENERATOR_VERSION = '1.4.0'
WORLD_FILE = 'world.json'


class WorldExistsError(FileExistsError):
    """The output folder already holds different data."""


def params_hash(preset: WorldPreset, seed: int) -> str:
    """SHA-256 of every generation parameter (preset, seed, version)."""
    text = json.dumps(dict(preset=preset.to_dict(), seed=int(seed),
                           version=GENERATOR_VERSION), sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


# ------------------------------------------------------------------ plan
def plan_ntu(preset: WorldPreset, seed: int) -> List[NtuJob]:
    """Every NTU performance of the world, ordered by setup."""
    table = build_class_table(preset.num_classes)
    sessions = {
        half: plan_sessions(
            preset.target_sessions if half == 'target' else
            preset.source_sessions,
            half_setups(half, preset.num_setups), preset.num_performers,
            seed, stream=f'sessions-{half}')
        for half in ('target', 'source')
    }
    jobs = []
    for cls in table:
        for setup, performer in sessions[cls.half]:
            for rep in range(1, preset.replications + 1):
                jobs.append(NtuJob(setup, performer, rep, cls))
    jobs.sort(key=lambda j: (j.setup, j.performer, j.replication,
                             j.cls.action_id))
    return jobs


def plan_pku(preset: WorldPreset, seed: int) -> List[PkuJob]:
    """Every PKU-MMD sequence: performer and class order.

    One-person classes are dealt round-robin (each round shuffled) so
    every class occurs about equally often; if the TARGET half has
    two-person classes, every third sequence (1, 4, 7, ...) has two
    people and contains each two-person class once.
    """
    if preset.pku_sequences == 0:
        return []
    target = [c for c in build_class_table(preset.num_classes)
              if c.half == 'target']
    solo = [c for c in target if not c.two_person]
    duo = [c for c in target if c.two_person]
    rng = make_rng(seed, 'pku-plan')
    val = pku_performer_split(preset.pku_sequences, preset.pku_val_fraction)
    n_val = int(val.sum())
    n_train = preset.pku_sequences - n_val
    # Performers: train sequences share ceil(n_train / 2) people, the
    # validation ones other people (cross-subject by performer).
    n_people_train = max(1, (n_train + 1) // 2)
    deck: List = []
    jobs = []
    for i in range(preset.pku_sequences):
        n = int(rng.integers(preset.pku_instances[0],
                             preset.pku_instances[1] + 1))
        two = bool(duo) and i % 3 == 1
        classes = list(duo) if two else []
        while len(classes) < n:
            if not deck:
                deck = [solo[k] for k in rng.permutation(len(solo))]
            classes.append(deck.pop(0))
        order = rng.permutation(len(classes))
        classes = tuple(classes[k] for k in order)
        if val[i]:
            performer = n_people_train + 1 + (i - n_train) // 2
        else:
            performer = 1 + i % n_people_train
        jobs.append(PkuJob(2 + i, performer, classes, two))
    return jobs


# ---------------------------------------------------------------- render
def _render(renderer: Renderer, job: Union[NtuJob, PkuJob]) -> list:
    """Render one job with a process's renderer (see :mod:`.runner`)."""
    if isinstance(job, NtuJob):
        return renderer.ntu(job)
    return renderer.pku(job)


def _job_videos(job, preset: WorldPreset) -> int:
    return len(preset.cameras) if isinstance(job, NtuJob) else 3


# ----------------------------------------------------------------- world
def _make_dirs(root: str) -> None:
    for sub in (RGB_DIR, DEPTH_DIR, SKELETON_DIR):
        os.makedirs(os.path.join(root, 'ntu', sub), exist_ok=True)
    for sub in (PKU_SKEL_DIR, PKU_RGB_DIR, PKU_DEPTH_DIR, LABEL_DIR,
                SPLIT_DIR):
        os.makedirs(os.path.join(root, 'pku_mmd', sub), exist_ok=True)


def _write_pku_splits(root: str, jobs: List[PkuJob],
                      preset: WorldPreset) -> dict:
    val = pku_performer_split(preset.pku_sequences, preset.pku_val_fraction)
    ids = {j.key: [f'{j.key}-{v}' for v in 'LMR'] for j in jobs}
    cs_train = [v for j, is_val in zip(jobs, val) if not is_val
                for v in ids[j.key]]
    cs_val = [v for j, is_val in zip(jobs, val) if is_val
              for v in ids[j.key]]
    cv_train = [v for j in jobs for v in ids[j.key] if v[-1] in 'MR']
    cv_val = [v for j in jobs for v in ids[j.key] if v[-1] == 'L']
    split_dir = os.path.join(root, 'pku_mmd', SPLIT_DIR)
    write_split(os.path.join(split_dir, 'cross-subject.txt'), cs_train,
                cs_val)
    write_split(os.path.join(split_dir, 'cross-view.txt'), cv_train, cv_val)
    return {'cross-subject': dict(train=len(cs_train), val=len(cs_val)),
            'cross-view': dict(train=len(cv_train), val=len(cv_val))}


def _sum_bytes(records: Iterable[dict]) -> dict:
    total = {'rgb': 0, 'depth': 0, 'skeleton': 0}
    for r in records:
        for k, v in r['bytes'].items():
            total[k] += v
    return total


def _world_info(preset: WorldPreset, seed: int, ntu: list, pku: list,
                pku_splits: dict) -> dict:
    renderer = Renderer(preset, seed, '')
    table = build_class_table(preset.num_classes)
    setups = {}
    used = sorted({int(r['name'][1:4]) for r in ntu})
    for s in used:
        key = f'S{s:03d}'
        setup = renderer.setup(key)
        cams = {}
        for cam in preset.cameras:
            d, c = renderer.cameras(setup, NTU_CAMERA_AZIMUTH[cam])
            cams[f'C{cam:03d}'] = dict(depth=d.to_dict(), rgb=c.to_dict())
        setups[key] = dict(distance=round(setup.distance, 6),
                           cam_height=round(setup.cam_height, 6),
                           cameras=cams)
    rooms = {}
    for key in sorted({pku_room(int(r['id'][:4])) for r in pku}):
        setup = renderer.setup(key)
        cams = {}
        for view, azimuth in PKU_VIEW_AZIMUTH.items():
            d, c = renderer.cameras(setup, azimuth)
            cams[view] = dict(depth=d.to_dict(), rgb=c.to_dict())
        rooms[key] = dict(distance=round(setup.distance, 6),
                          cam_height=round(setup.cam_height, 6),
                          cameras=cams)
    source = [r for r in ntu if int(r['name'][-3:]) > 60]
    return {
        'generator': 'fsat.datasets.synthetic',
        'version': GENERATOR_VERSION,
        'preset': preset.to_dict(),
        'seed': int(seed),
        'params_hash': params_hash(preset, seed),
        'num_classes': preset.num_classes,
        'classes': [dict(id=c.code, action_id=c.action_id, label=c.label,
                         name=c.name, half=c.half,
                         two_person=c.two_person,
                         primitives=list(c.primitives)) for c in table],
        'primitives': {k: v[2] for k, v in PRIMITIVES.items()},
        'joints': list(JOINT_NAMES),
        'bones_1based': [list(b) for b in NTU_BONES_1BASED],
        'fps': preset.fps,
        'depth': dict(intrinsics=renderer.depth_intr.to_dict(),
                      unit='mm (camera-space z)', masked='0 = no body'),
        'rgb': dict(intrinsics=renderer.rgb_intr.to_dict(),
                    baseline_m=RGB_BASELINE, codec='MJPG',
                    encoder=f'OpenCV {cv2.__version__}'),
        'camera_aim_height_m': AIM_HEIGHT,
        'ntu_camera_azimuth_deg': {f'C{k:03d}': v
                                   for k, v in NTU_CAMERA_AZIMUTH.items()},
        'pku_view_azimuth_deg': dict(PKU_VIEW_AZIMUTH),
        'setups': setups,
        'ntu': dict(root='ntu', count=len(ntu), source_count=len(source),
                    target_count=len(ntu) - len(source),
                    bytes=_sum_bytes(ntu),
                    samples=[dict(name=r['name'], frames=r['frames'])
                             for r in ntu]),
        'pku_mmd': dict(root='pku_mmd', count=len(pku), splits=pku_splits,
                        label_format=dict(label='1..K (TARGET label + 1)',
                                          frame_base=0, end='inclusive',
                                          confidence='2 strong, 1 slight'),
                        depth='full (unmasked) uint16 mm, Depth-%08d.png '
                        'from 1', rooms=rooms,
                        bytes=_sum_bytes(pku),
                        videos=[dict(id=r['id'], frames=r['frames'],
                                     instances=r['instances'])
                                for r in pku]),
    }


def read_world(out_dir: str) -> Optional[dict]:
    """The ``world.json`` of a generated world, or None if absent."""
    path = os.path.join(out_dir, WORLD_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _check_existing(out_dir: str, digest: str, preset: WorldPreset,
                    seed: int,
                    version: str = GENERATOR_VERSION) -> Optional[dict]:
    """The existing world if it matches; raise if ``out_dir`` holds
    anything else; None if there is nothing (or an empty folder).

    Shared by every format's writer: ``digest`` is the writer's
    parameter hash and ``version`` its generator version (named in the
    message when another world is there).
    """
    if not os.path.exists(out_dir):
        return None
    if not os.path.isdir(out_dir):
        raise WorldExistsError(f'{out_dir} exists and is not a folder')
    try:
        world = read_world(out_dir)
    except (OSError, ValueError) as e:
        raise WorldExistsError(f'{out_dir} holds an unreadable '
                               f'{WORLD_FILE} ({e}); refusing to mix '
                               'data: choose another --out') from e
    if world is None:
        if os.listdir(out_dir):
            raise WorldExistsError(
                f'{out_dir} is not empty and holds no {WORLD_FILE}: '
                'refusing to mix data; choose another --out or empty it')
        return None
    if world.get('params_hash') != digest:
        raise WorldExistsError(
            f"{out_dir} already holds a different synthetic world "
            f"(preset={world.get('preset', {}).get('name')}, "
            f"seed={world.get('seed')}, version={world.get('version')}); "
            f'requested preset={preset.name}, seed={seed}, '
            f'version={version}: choose another --out or delete it')
    return world


def publish_world(tmp: str, out_dir: str, world: dict,
                  existing: Callable[[], Optional[dict]]) -> None:
    """Write ``world.json`` into the finished ``tmp`` folder and rename it
    to ``out_dir`` (an empty ``out_dir`` is replaced). If the rename fails
    because another process published the same world meanwhile
    (``existing()`` returns it), ``tmp`` is dropped; otherwise the error
    is raised. Shared by every format's writer."""
    with open(os.path.join(tmp, WORLD_FILE), 'w', encoding='utf-8',
              newline='\n') as f:
        json.dump(world, f, indent=1, sort_keys=True)
        f.write('\n')
    if os.path.isdir(out_dir) and not os.listdir(out_dir):
        os.rmdir(out_dir)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        if existing() is None:
            raise
        shutil.rmtree(tmp)


def generate_world(preset: Union[str, WorldPreset], out_dir: str,
                   seed: int = 0, workers: int = 1,
                   progress: bool = True) -> dict:
    """Generate (or reuse) a synthetic world.

    Args:
        preset (str | WorldPreset | SmarthomePreset | JhmdbPreset |
            IndoorPreset): A name of :func:`~.presets.all_presets` or a
            custom preset; a :class:`~.presets.SmarthomePreset` writes a
            Toyota Smarthome world
            (:func:`~.smarthome.generate_smarthome_world`), a
            :class:`~.presets.JhmdbPreset` a JHMDB one
            (:func:`~.jhmdb_writer.generate_jhmdb_world`), an
            :class:`~.indoor.IndoorPreset` (``nyud2``, ``nyud2_tiny``) the
            NYUD2-format indoor world
            (:func:`~.indoor_writer.generate_nyud2_world`, gzip level 1).
        out_dir (str): Output folder (created; must not hold other data).
        seed (int): World seed. Same seed, same bytes. Defaults to 0.
        workers (int): Worker processes. Defaults to 1.
        progress (bool): Show a progress bar and messages. Defaults to
            True.

    Returns:
        dict: The content of ``world.json``.

    Raises:
        WorldExistsError: ``out_dir`` holds other data.
        JobError: Rendering failed (see :func:`~.runner.run_jobs`); the
            output folder is left as it was.
    """
    preset = get_preset(preset)
    if isinstance(preset, SmarthomePreset):
        # Toyota Smarthome format: its own plan and writer.
        from .smarthome import generate_smarthome_world
        return generate_smarthome_world(preset, out_dir, seed=seed,
                                        workers=workers, progress=progress)
    if isinstance(preset, JhmdbPreset):
        # JHMDB format: its own plan and writer.
        from .jhmdb_writer import generate_jhmdb_world
        return generate_jhmdb_world(preset, out_dir, seed=seed,
                                    workers=workers, progress=progress)
    if isinstance(preset, IndoorPreset):
        # NYUD2 format: its own plan and writer.
        from .indoor_writer import generate_nyud2_world
        return generate_nyud2_world(preset, out_dir, seed=seed,
                                    workers=workers, progress=progress)
    out_dir = os.path.abspath(out_dir)
    digest = params_hash(preset, seed)
    world = _check_existing(out_dir, digest, preset, seed)
    if world is not None:
        if progress:
            print(f'{out_dir}: synthetic world {preset.name!r} (seed '
                  f'{seed}) is already there, skipping', file=sys.stderr)
        return world
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = f'{out_dir}.partial-{os.getpid()}'
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    try:
        _make_dirs(tmp)
        ntu_jobs = plan_ntu(preset, seed)
        pku_jobs = plan_pku(preset, seed)
        # Long PKU-MMD sequences first: better load balance at the end.
        jobs = pku_jobs + ntu_jobs
        results = run_jobs(
            jobs, Renderer, (preset, seed, tmp), _render, workers=workers,
            total=sum(_job_videos(j, preset) for j in jobs), unit='video',
            desc=f'synthesize {preset.name}', progress=progress)
        ntu = sorted((r for r in results if 'name' in r),
                     key=lambda r: r['name'])
        pku = sorted((r for r in results if 'id' in r),
                     key=lambda r: r['id'])
        splits = _write_pku_splits(tmp, pku_jobs, preset)
        world = _world_info(preset, seed, ntu, pku, splits)
        publish_world(tmp, out_dir, world, lambda: _check_existing(
            out_dir, digest, preset, seed))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        print(f'{out_dir}: wrote {len(ntu)} NTU and {len(pku)} PKU-MMD '
              'videos', file=sys.stderr)
    return world
