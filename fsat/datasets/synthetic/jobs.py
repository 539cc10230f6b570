# Copyright (c) fsat contributors. All rights reserved.
"""Units of work: one NTU performance (all cameras) or one PKU sequence
(all views), rendered and written to disk.

Every random draw comes from a stream keyed by the world seed and the
sample's name (:func:`~.rng.make_rng`), so the output of a job does not
depend on the worker that runs it or on the order of jobs.
"""
import math
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from .actions import ActionClass
from .body import joint_radii
from .camera import (
    NTU_CAMERA_AZIMUTH,
    PKU_VIEW_AZIMUTH,
    Camera,
    Intrinsics,
    rig_camera,
)
from .ntu_writer import BODY_ID_BASE, format_skeleton, write_ntu_sample
from .performance import (
    Instance,
    Performance,
    instance_length,
    perform,
    vary_instance,
)
from .performers import performer_shape
from .pku_writer import format_labels, write_pku_view
from .pku_writer import format_skeleton as format_pku_skeleton
from .presets import WorldPreset
from .protocols import ntu_name
from .render import composite, depth_frames, rasterize, shade, surface_geometry
from .rng import make_rng
from .scene import Setup, background, make_setup
from .sensors import colour_sensor, depth_sensor, lighting, observe_skeleton

#: Smallest silhouette radius (pixels) in depth maps: limbs stay at least
#: 1.5 pixels wide, like the dilated region masks of the real data.
DEPTH_MIN_RADIUS = 0.75


@dataclass(frozen=True)
class NtuJob:
    """One NTU performance, filmed by every camera of the preset."""

    setup: int
    performer: int
    replication: int
    cls: ActionClass

    @property
    def key(self) -> str:
        """Name of the performance (the sample name without camera)."""
        return (f'S{self.setup:03d}P{self.performer:03d}'
                f'R{self.replication:03d}A{self.cls.action_id:03d}')


def pku_room(number: int) -> str:
    """Setup key of the room a PKU-MMD sequence was recorded in (three
    rooms, like PKU-MMD's few recording sites)."""
    return f'pku-room{number % 3}'


@dataclass(frozen=True)
class PkuJob:
    """One PKU-MMD sequence, filmed from the views L, M and R."""

    number: int
    performer: int
    classes: Tuple[ActionClass, ...]
    two_person: bool

    @property
    def key(self) -> str:
        """The 4-digit sequence id."""
        return f'{self.number:04d}'


class Renderer:
    """Per-process renderer with caches of setups and backgrounds.

    Args:
        preset (WorldPreset): The world's parameters.
        seed (int): World seed.
        root (str): Output root (holds ``ntu/`` and ``pku_mmd/``).
    """

    def __init__(self, preset: WorldPreset, seed: int, root: str):
        self.preset = preset
        self.seed = seed
        self.root = root
        p = preset
        self.depth_intr = Intrinsics.from_fov(*p.depth_size, p.depth_fov)
        self.rgb_intr = Intrinsics.from_fov(*p.rgb_size, p.rgb_fov)
        self._setups: Dict[str, Setup] = {}
        self._backgrounds: Dict[tuple, tuple] = {}

    # ------------------------------------------------------------ helpers
    def setup(self, key: str) -> Setup:
        """The (cached) setup called ``key``."""
        if key not in self._setups:
            p = self.preset
            self._setups[key] = make_setup(self.seed, key, p.camera_distance,
                                           p.camera_height, p.clutter)
        return self._setups[key]

    def cameras(self, setup: Setup, azimuth: float) -> Tuple[Camera, Camera]:
        """Depth and colour camera at ``azimuth`` in ``setup``."""
        depth = rig_camera(azimuth, setup.distance, setup.cam_height,
                           self.depth_intr)
        rgb = rig_camera(azimuth, setup.distance, setup.cam_height,
                         self.rgb_intr, colour=True)
        return depth, rgb

    def background(self, key: str, azimuth: float):
        """Cached room colour [H, W, 3] (RGB size) and room depth [h, w]
        (metres, depth size) of a setup seen from ``azimuth``."""
        cache_key = (key, azimuth)
        if cache_key not in self._backgrounds:
            setup = self.setup(key)
            dcam, ccam = self.cameras(setup, azimuth)
            f = self.preset.rgb_supersample
            colour, _ = background(setup, ccam.with_intrinsics(
                self.rgb_intr.scaled(f)))
            H, W = colour.shape[0] // f, colour.shape[1] // f
            colour = colour.reshape(H, f, W, f, 3).mean((1, 3))
            _, depth = background(setup, dcam)
            if len(self._backgrounds) > 64:
                self._backgrounds.clear()
            self._backgrounds[cache_key] = (colour, depth)
        return self._backgrounds[cache_key]

    def film(self, perf: Performance, setup_key: str, azimuth: float,
             rng: np.random.Generator, full_depth: bool,
             tracker_rng: Optional[np.random.Generator] = None) -> dict:
        """Film a performance with one camera pair.

        Args:
            perf (Performance): The bodies.
            setup_key (str): Setup (room, camera placement, light).
            azimuth (float): Camera angle (degrees).
            rng (np.random.Generator): Sensor noise stream of this video.
            full_depth (bool): Keep the room in the depth maps (PKU-MMD)
                instead of masking everything but the bodies (NTU).
            tracker_rng (np.random.Generator, optional): Stream of the
                skeleton tracker's failures (left/right swaps, lost
                bodies), separate so that they leave the RGB and depth
                bytes unchanged. Defaults to ``rng``.

        Returns:
            dict: ``rgb`` [T, H, W, 3] uint8, ``depth`` [T, h, w] uint16
            mm, ``bodies`` (one :func:`~.sensors.observe_skeleton` dict per
            body).
        """
        p = self.preset
        T = perf.num_frames
        setup = self.setup(setup_key)
        dcam, ccam = self.cameras(setup, azimuth)
        a, b, ra, rb, albedo = surface_geometry(perf.shapes, perf.joints,
                                                perf.frames)
        # Depth: the bodies, then the room behind them.
        dk = dcam.intrinsics
        frags = rasterize(dcam, a, b, ra, rb, min_radius_px=DEPTH_MIN_RADIUS)
        clean = depth_frames(frags, T, dk.height, dk.width)
        bg_colour, bg_depth = self.background(setup_key, azimuth)
        bodies = [observe_skeleton(j, g, joint_radii(s), dcam, ccam, clean,
                                   rng, p.skeleton_jitter,
                                   p.skeleton_drift,
                                   lateral=p.skeleton_lateral,
                                   swap=p.skeleton_swap,
                                   loss=p.skeleton_loss,
                                   loss_period=p.action_frames,
                                   tracker_rng=tracker_rng)
                  for j, g, s in zip(perf.joints, perf.frames, perf.shapes)]
        observed = clean
        if full_depth:
            observed = np.where(clean > 0, clean, bg_depth[None])
        depth = depth_sensor(observed, rng, p.depth_noise_mm, p.depth_holes,
                             p.depth_edge_dropout)
        # Colour: supersampled bodies over the room, lit, with noise.
        f = p.rgb_supersample
        scam = ccam.with_intrinsics(self.rgb_intr.scaled(f))
        frags = rasterize(scam, a, b, ra, rb)
        colours = shade(frags, albedo, ccam.rotation @ setup.light,
                        setup.ambient)
        k = self.rgb_intr
        person, cover = composite(frags, colours, f, (T, k.height, k.width))
        gain, tint = lighting(rng, T, p.light_gain, p.flicker)
        frames = bg_colour[None] * (1.0 - cover[..., None]) + person
        frames *= gain[:, None, None, None] * tint
        rgb = colour_sensor(frames, rng, p.rgb_noise)
        return dict(rgb=rgb, depth=depth, bodies=bodies)

    # --------------------------------------------------------------- jobs
    def _shapes(self, key: str, partner: bool) -> list:
        p = self.preset
        args = (p.body_height, p.proportion_std, p.girth)
        shapes = [performer_shape(self.seed, key, *args)]
        if partner:
            shapes.append(performer_shape(self.seed, key + '-partner', *args))
        return shapes

    def ntu(self, job: NtuJob) -> List[dict]:
        """Render and write every camera of an NTU performance.

        Returns:
            list[dict]: Per video ``name``, ``frames`` and ``bytes``.
        """
        p = self.preset
        rng = make_rng(self.seed, 'ntu', job.key)
        cls = job.cls
        speed = rng.uniform(*p.speed_range)
        amp = rng.uniform(*p.amplitude_range)
        phase = rng.uniform(0, 2 * np.pi)
        length = instance_length(cls, p.action_frames, speed)
        lead, tail = rng.integers(p.idle_frames[0], p.idle_frames[1] + 1, 2)
        lo, hi = p.frames_range
        length = int(min(length, hi - lead - tail))
        T = int(lead + length + tail)
        if T < lo:
            lead += (lo - T) // 2
            T = lo
        # R001 faces camera C002, R002 faces C003.
        facing = NTU_CAMERA_AZIMUTH[1 + job.replication]
        facing = math.radians(facing + rng.normal(0, p.facing_jitter_deg))
        spot = tuple(rng.uniform(-p.spot_jitter, p.spot_jitter, 2))
        shapes = self._shapes(f'P{job.performer:03d}', cls.two_person)
        inst = vary_instance(Instance(cls, int(lead), length, amp, phase),
                             rng, p.cycle_jitter, p.motion_amp_jitter)
        perf = perform([inst], shapes, T, facing, rng, cls.two_person, spot,
                       pair_distance=rng.uniform(0.9, 1.1),
                       posture_std=p.posture_std)
        ntu_root = os.path.join(self.root, 'ntu')
        out = []
        for cam in p.cameras:
            name = ntu_name(job.setup, cam, job.performer, job.replication,
                            cls.action_id)
            vrng = make_rng(self.seed, 'ntu', name)
            shot = self.film(perf, f'S{job.setup:03d}',
                             NTU_CAMERA_AZIMUTH[cam], vrng, full_depth=False,
                             tracker_rng=make_rng(self.seed, 'tracker', name))
            ids = [BODY_ID_BASE + int(vrng.integers(1000, 10**6))
                   for _ in shot['bodies']]
            text = format_skeleton(shot['bodies'], ids)
            nbytes = write_ntu_sample(ntu_root, name, shot['rgb'],
                                      shot['depth'], text, p.fps)
            out.append(dict(name=name, frames=T, bytes=nbytes))
        return out

    def pku(self, job: PkuJob) -> List[dict]:
        """Render and write the three views of a PKU-MMD sequence.

        Returns:
            list[dict]: Per video ``id``, ``frames``, ``instances`` and
            ``bytes``.
        """
        p = self.preset
        rng = make_rng(self.seed, 'pku', job.key)
        lo_amp, hi_amp = p.amplitude_range
        instances, labels = [], []
        t = int(rng.integers(p.pku_gap_frames[0], p.pku_gap_frames[1] + 1))
        for cls in job.classes:
            speed = rng.uniform(*p.speed_range)
            amp = rng.uniform(lo_amp, hi_amp)
            length = instance_length(cls, p.action_frames, speed)
            instances.append(vary_instance(
                Instance(cls, t, length, amp, rng.uniform(0, 2 * np.pi)),
                rng, p.cycle_jitter, p.motion_amp_jitter))
            # "slight" (1): the lowest quarter of the amplitude range.
            conf = 1 if amp < lo_amp + 0.25 * (hi_amp - lo_amp) else 2
            labels.append((cls.label + 1, t, t + length - 1, conf))
            t += length + int(rng.integers(p.pku_gap_frames[0],
                                           p.pku_gap_frames[1] + 1))
        T = t
        facing = math.radians(rng.normal(0, p.facing_jitter_deg))
        spot = tuple(rng.uniform(-p.spot_jitter, p.spot_jitter, 2))
        shapes = self._shapes(f'pku-P{job.performer:03d}', job.two_person)
        perf = perform(instances, shapes, T, facing, rng, job.two_person,
                       spot, posture_std=p.posture_std)
        pku_root = os.path.join(self.root, 'pku_mmd')
        room = pku_room(job.number)
        label_text = format_labels(labels)
        out = []
        for view, azimuth in PKU_VIEW_AZIMUTH.items():
            vid = f'{job.key}-{view}'
            shot = self.film(perf, room, azimuth,
                             make_rng(self.seed, 'pku', vid),
                             full_depth=True,
                             tracker_rng=make_rng(self.seed, 'tracker', vid))
            text = format_pku_skeleton(
                [np.where(b['tracked'][:, None, None], b['xyz'], 0.0)
                 for b in shot['bodies']])
            nbytes = write_pku_view(pku_root, vid, shot['rgb'],
                                    shot['depth'], text, label_text, p.fps)
            out.append(dict(id=vid, frames=T, instances=len(labels),
                            bytes=nbytes))
        return out
