# Copyright (c) fsat contributors. All rights reserved.
"""The JHMDB stand-in: plan, film and write a world in JHMDB's format.

Every clip is one actor doing one action once, short and trimmed (15-40
frames in the ``jhmdb`` preset), filmed by a camera of its own: its own
room, distance, height, aim and facing of the actor, so the person is at a
different place and size in every clip (localisation matters), and the
view may drift by a few pixels (a slightly moving camera). Output
(``out_dir``), the official layout (``docs/synthetic_world.md``)::

    world.json                                        written last
    Rename_Images/<class>/<video>/%05d.png            frames, from 00001
    joint_positions/<class>/<video>/joint_positions.mat
    puppet_mask/<class>/<video>/puppet_mask.mat
    splits/<class>_test_split<k>.txt                  k = 1, 2, 3
    videos/<class>/<video>.avi                        the same frames

* ``joint_positions.mat`` (MATLAB v5): ``pos_img`` 2 x 15 x T (pixel x,
  y, 1-based as MATLAB: the centre of the top-left pixel is (1, 1)),
  ``pos_world`` 2 x 15 x T (the official normalisation), ``scale`` 1 x T
  and ``viewpoint`` (a compass string), the 15 JHMDB joints in JHMDB's
  order (:data:`JHMDB_FROM_BODY`).
* ``puppet_mask.mat`` (MATLAB v5, compressed): ``part_mask`` H x W x T
  uint8, 1 where the rendered person covers at least half of a pixel.
  ``short_masks`` clips get one mask frame fewer than images, as some real
  clips have.
* ``splits/``: 3 partitions by actor (an actor is never on both sides of
  one split), a file for each of the 21 JHMDB classes (empty for the
  classes the world does not have: the readers expect all 21).
* ``videos/``: the PNG frames again, losslessly (FFV1 in AVI; Motion-JPEG
  when OpenCV has no FFmpeg), so that ``tools/data/extract_flow.py``
  computes the flow of exactly the PNG frames.

JHMDB's MAT files exist only in the dataset itself; no OpenMMLab package
writes them, hence this module. Like the rest of the package it imports
neither torch nor mmengine.
"""
import hashlib
import io
import json
import math
import os
import shutil
import sys
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .body import J, forward_kinematics
from .camera import Camera, Intrinsics, look_at
from .fileio import write_avi
from .generate import _check_existing, publish_world
from .household import HOUSEHOLD_PRIMITIVES, apply_household_motion
from .motion import PRIMITIVES, Motion
from .performance import idle_dofs, vary_motions
from .performers import performer_shape
from .presets import JhmdbPreset
from .render import composite, rasterize, shade, surface_geometry
from .rng import make_rng
from .runner import run_jobs
from .scene import background, make_setup
from .sensors import colour_sensor, lighting

#: Bump when the JHMDB world's output changes for the same parameters.
JHMDB_VERSION = '1.0.0'
#: Frame size of every JHMDB clip (width, height).
JHMDB_SIZE = (320, 240)
#: The 21 JHMDB classes (as :data:`fsat.datasets.jhmdb.JHMDB_CLASSES`,
#: which this package does not import: it pulls in mmengine).
JHMDB_ALL_CLASSES = (
    'brush_hair', 'catch', 'clap', 'climb_stairs', 'golf', 'jump',
    'kick_ball', 'pick', 'pour', 'pullup', 'push', 'run', 'shoot_ball',
    'shoot_bow', 'shoot_gun', 'sit', 'stand', 'swing_baseball', 'throw',
    'walk', 'wave')
#: The 15 JHMDB joints in file order (``README_joint_positions.txt``), and
#: the world's joint written for each (the person's own right and left).
JHMDB_JOINT_NAMES = (
    'neck', 'belly', 'face', 'right_shoulder', 'left_shoulder', 'right_hip',
    'left_hip', 'right_elbow', 'left_elbow', 'right_knee', 'left_knee',
    'right_wrist', 'left_wrist', 'right_ankle', 'left_ankle')
JHMDB_FROM_BODY_NAMES = (
    'Neck', 'SpineMid', 'Head', 'ShoulderRight', 'ShoulderLeft', 'HipRight',
    'HipLeft', 'ElbowRight', 'ElbowLeft', 'KneeRight', 'KneeLeft',
    'WristRight', 'WristLeft', 'AnkleRight', 'AnkleLeft')
JHMDB_FROM_BODY = tuple(J[n] for n in JHMDB_FROM_BODY_NAMES)
#: ``viewpoint`` values, clockwise from N (the official readme's set). Our
#: convention (the official meaning is not documented in the sources we
#: have): the camera looks north, the value is where the actor faces, so
#: ``S`` faces the camera, ``N`` turns the back to it and ``E`` faces the
#: image's right.
COMPASS = ('N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW',
           'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW')
#: ``scale`` is the height (pixels) of the upright actor at the mid-hip's
#: depth divided by this (our definition; 140-230 pixels of joint extent
#: per scale unit in the three real files we have).
SCALE_PIXELS = 160.0
#: A 741-byte macOS AppleDouble resource fork (magic 0x00051607).
_FORK_HEAD = b'\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02'
APPLEDOUBLE = _FORK_HEAD + bytes(741 - len(_FORK_HEAD))
#: The fixed 116-byte text of the MAT files' header (scipy writes the
#: time of writing there; a fixed text keeps the bytes deterministic).
MAT_HEADER = b'MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by: fsat ' \
             b'synthetic world'.ljust(116)


@dataclass(frozen=True)
class JhmdbClass:
    """A world class named after the JHMDB class it imitates.

    Args:
        name (str): The JHMDB class name.
        motions (tuple): Motions of the actor (primitives of
            :data:`.motion.PRIMITIVES` or :data:`.household.
            HOUSEHOLD_PRIMITIVES`).
        source (str): What the motion is, in words.
        duration (float): Nominal length factor. Defaults to 1.
    """

    name: str
    motions: Tuple[Motion, ...]
    source: str
    duration: float = 1.0


M = Motion
#: The world's classes and the motions behind their JHMDB names. No
#: object is drawn (no ball, chair or partner).
JHMDB_WORLD_CLASSES: Tuple[JhmdbClass, ...] = (
    JhmdbClass('clap', (M('clap', 'both', cycles=3), ),
               'clap the hands 3 times (the NTU world\'s A002)'),
    JhmdbClass('jump', (M('jump', cycles=1), ),
               'crouch, jump up once, land (A006 with one jump)'),
    JhmdbClass('kick_ball', (M('kick', 'r'), ),
               'kick forward with the right leg (A005); no ball'),
    JhmdbClass('pick', (M('squat', amp=0.6), M('bow', amp=0.7),
                        M('reach', 'r', start=0.1, end=0.9,
                          params=(('height', 0.45), ('inward', 0.15)))),
               'bend hips and knees, reach down with the right hand; no '
               'object'),
    JhmdbClass('push', (M('thrust', 'both', start=0.1, end=0.9,
                          params=(('height', 1.35), ('inward', 0.0))), ),
               'push forward with both hands (the actor of A010); nobody '
               'is pushed'),
    JhmdbClass('sit', (M('sit', start=0.05, end=0.95), ),
               'sit down (the Smarthome world\'s Sitdown); no chair',
               duration=1.2),
    JhmdbClass('stand', (M('sit', start=0.05, end=0.95,
                           params=(('reverse', 1.0), )), ),
               'get up from sitting (Getup); no chair', duration=1.2),
    JhmdbClass('throw', (M('raise_front', 'r', end=0.5,
                           params=(('height', 2.8), )),
                         M('thrust', 'r', start=0.4,
                           params=(('height', 1.7), ))),
               'right arm up overhead, then thrust forward; no object'),
    JhmdbClass('walk', (M('walk', cycles=1.5, params=(('arms', 0.35), )),
                        M('stride', params=(('distance', 1.2), ))),
               'walk about 1.2 m forward (3 steps)', duration=1.3),
    JhmdbClass('wave', (M('wave', 'r', cycles=3), ),
               'wave the right hand (A001)'),
)
_CLASSES = {c.name: c for c in JHMDB_WORLD_CLASSES}


def jhmdb_world_class(name: str) -> JhmdbClass:
    """The world class called ``name`` (a JHMDB class name).

    Raises:
        ValueError: For a name the world does not have.
    """
    if name not in _CLASSES:
        raise ValueError(f'the JHMDB world has no class {name!r}; known: '
                         + ', '.join(_CLASSES))
    return _CLASSES[name]


# ----------------------------------------------------------------- writer
def jhmdb_video_name(actor: int, class_name: str, body: str, moving: bool,
                     view: str, take: int) -> str:
    """An HMDB-style clip name, ``synth_p<AA>_<class>_<body>_<cm|nm>_np1_
    <view>_goo_<take>`` (e.g. ``synth_p03_wave_f_nm_np1_fr_goo_0``).

    Args:
        actor (int): The actor (``pAA``).
        class_name (str): The class.
        body (str): Visible body: ``'f'`` (full) or ``'u'`` (upper).
        moving (bool): The camera moves (``cm``) or not (``nm``).
        view (str): ``'fr'``, ``'le'``, ``'ri'`` or ``'ba'``: the actor's
            front, left side, right side or back faces the camera.
        take (int): Number of the actor's clip of this class, from 0.
    """
    return (f'synth_p{actor:02d}_{class_name}_{body}_'
            f'{"cm" if moving else "nm"}_np1_{view}_goo_{take}')


def _mat_bytes(variables: dict, compress: bool) -> bytes:
    """A MATLAB v5 file's bytes with a fixed header text."""
    import scipy.io
    buf = io.BytesIO()
    scipy.io.savemat(buf, variables, format='5', do_compression=compress,
                     oned_as='row')
    data = bytearray(buf.getvalue())
    data[:116] = MAT_HEADER
    return bytes(data)


def format_joint_positions(pos_img: np.ndarray, scale: np.ndarray,
                           viewpoint: str,
                           size: Tuple[int, int] = JHMDB_SIZE) -> bytes:
    """The bytes of a ``joint_positions.mat`` file.

    Args:
        pos_img (np.ndarray): (T, 15, 2) pixel x, y (1-based).
        scale (np.ndarray): (T,) puppet scale.
        viewpoint (str): One of :data:`COMPASS`.
        size (tuple): (W, H) of the frames, for ``pos_world``.

    Returns:
        bytes: MATLAB v5 with ``pos_img`` and ``pos_world`` (2, 15, T)
        float64, ``scale`` (1, T) float64 and ``viewpoint`` (char).
    """
    width, height = size
    pos_img = np.asarray(pos_img, np.float64)
    scale = np.asarray(scale, np.float64).reshape(-1)
    world = np.empty_like(pos_img)
    world[..., 0] = ((pos_img[..., 0] / width - 0.5) * width / height
                     / scale[:, None])
    world[..., 1] = (pos_img[..., 1] / height - 0.5) / scale[:, None]
    return _mat_bytes(dict(pos_img=pos_img.transpose(2, 1, 0),
                           pos_world=world.transpose(2, 1, 0),
                           scale=scale[None], viewpoint=viewpoint),
                      compress=False)


def format_puppet_mask(mask: np.ndarray) -> bytes:
    """The bytes of a ``puppet_mask.mat`` file from a (T, H, W) mask
    (``part_mask`` H x W x T uint8, zlib-compressed)."""
    mask = (np.asarray(mask) != 0).astype(np.uint8)
    return _mat_bytes(dict(part_mask=mask.transpose(1, 2, 0)),
                      compress=True)


def write_bytes(path: str, data: bytes) -> int:
    """Write ``data`` (creating the folder); return the size."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)


def write_png_frames(folder: str, rgb: np.ndarray) -> int:
    """Write (T, H, W, 3) uint8 RGB frames as ``%05d.png`` from 00001;
    return the bytes written."""
    os.makedirs(folder, exist_ok=True)
    total = 0
    for i, frame in enumerate(rgb, 1):
        ok, buf = cv2.imencode('.png', np.ascontiguousarray(frame[..., ::-1]),
                               [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            raise RuntimeError(f'cannot encode frame {i} of {folder}')
        total += write_bytes(os.path.join(folder, f'{i:05d}.png'),
                             buf.tobytes())
    return total


def write_lossless_avi(path: str, rgb: np.ndarray, fps: float) -> str:
    """Write RGB frames as a lossless FFV1 AVI (OpenCV's FFmpeg back end);
    without FFmpeg, as Motion-JPEG (:func:`.fileio.write_avi`, lossy).

    Returns:
        str: The codec written, ``'FFV1'`` or ``'MJPG'``.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    T, H, W = rgb.shape[:3]
    writer = cv2.VideoWriter(path, cv2.CAP_FFMPEG,
                             cv2.VideoWriter_fourcc(*'FFV1'), float(fps),
                             (W, H))
    if not writer.isOpened():
        write_avi(path, rgb, fps)
        return 'MJPG'
    for frame in rgb:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()
    return 'FFV1'


def split_test_actors(preset: JhmdbPreset, seed: int) -> List[List[int]]:
    """The test actors of splits 1, 2 and 3: ``test_actors`` of the
    ``num_actors`` each, three different sets drawn from the seed."""
    sets: List[List[int]] = []
    attempt = 0
    while len(sets) < 3:
        rng = make_rng(seed, 'jhmdb-split', len(sets) + 1, attempt)
        pick = sorted(int(a) + 1 for a in rng.choice(
            preset.num_actors, preset.test_actors, replace=False))
        if pick not in sets:
            sets.append(pick)
        attempt += 1
    return sets


def format_split(videos: Sequence[Tuple[str, int]],
                 test_actors: Sequence[int]) -> str:
    """Text of one class's split file: ``<video>.avi 1`` (train) or ``2``
    (test) per ``(video, actor)``, sorted by name, LF line ends."""
    test = set(test_actors)
    return ''.join(f'{name}.avi {2 if actor in test else 1}\n'
                   for name, actor in sorted(videos))


# -------------------------------------------------------------- renderer
@dataclass(frozen=True)
class JhmdbJob:
    """One clip: an actor doing a class once.

    Args:
        cls (JhmdbClass): The class.
        index (int): Clip number within the class, from 0.
        actor (int): The actor, from 1.
        take (int): Number of this actor's clip of this class, from 0.
        short_mask (bool): Write one mask frame fewer than images.
    """

    cls: JhmdbClass
    index: int
    actor: int
    take: int
    short_mask: bool = False

    @property
    def key(self) -> str:
        """The name of the clip's random streams."""
        return f'{self.cls.name}-{self.index:03d}'


def plan_jhmdb(preset: JhmdbPreset, seed: int) -> List[JhmdbJob]:
    """Every clip of the world: clip ``i`` of the ``c``-th class is
    performed by actor ``(i + c) % num_actors + 1``; ``short_masks`` clips,
    drawn from the seed, get a short mask."""
    jobs = []
    for c, name in enumerate(preset.classes):
        cls = jhmdb_world_class(name)
        takes: Dict[int, int] = {}
        for i in range(preset.videos_per_class):
            actor = (i + c) % preset.num_actors + 1
            jobs.append(JhmdbJob(cls, i, actor, takes.get(actor, 0)))
            takes[actor] = takes.get(actor, 0) + 1
    short = make_rng(seed, 'jhmdb-short-mask').choice(
        len(jobs), preset.short_masks, replace=False)
    for i in short:
        job = jobs[int(i)]
        jobs[int(i)] = JhmdbJob(job.cls, job.index, job.actor, job.take,
                                True)
    return jobs


def _view_tag(facing_deg: float) -> str:
    """HMDB's camera-view tag from the actor's facing (0: the camera)."""
    a = (facing_deg + 180.0) % 360.0 - 180.0
    if abs(a) <= 45:
        return 'fr'
    if abs(a) >= 135:
        return 'ba'
    # facing the image's right turns the actor's right side to the camera
    return 'ri' if a > 0 else 'le'


def compass(facing_deg: float) -> str:
    """The ``viewpoint`` of an actor turned ``facing_deg`` from the camera
    (positive: towards the image's right), see :data:`COMPASS`."""
    return COMPASS[int(round((180.0 - facing_deg) / 22.5)) % 16]


class JhmdbRenderer:
    """Per-process renderer of JHMDB clips.

    Args:
        preset (JhmdbPreset): The world's parameters.
        seed (int): World seed.
        root (str): Output root.
    """

    def __init__(self, preset: JhmdbPreset, seed: int, root: str):
        self.preset = preset
        self.seed = seed
        self.root = root
        self.intr = Intrinsics.from_fov(*JHMDB_SIZE, preset.rgb_fov)
        m = preset.camera_shift
        k = self.intr
        # The rendered view is ``m`` pixels wider on every side; each frame
        # is a 320 x 240 window of it (the drift of the camera).
        self.wide = Intrinsics(k.width + 2 * m, k.height + 2 * m, k.fx, k.fy,
                               k.cx + m, k.cy + m)

    def perform(self, job: JhmdbJob) -> dict:
        """The clip's timing, body motion and camera (no pixels)."""
        p = self.preset
        rng = make_rng(self.seed, 'jhmdb', job.key)
        speed = rng.uniform(*p.speed_range)
        amp = rng.uniform(*p.amplitude_range)
        phase = rng.uniform(0, 2 * np.pi)
        length = max(2, int(round(p.action_frames * job.cls.duration
                                  / speed)))
        lead, tail = (int(x) for x in rng.integers(
            p.idle_frames[0], p.idle_frames[1] + 1, 2))
        lo, hi = p.frames_range
        length = max(2, min(length, hi - lead - tail))
        T = lead + length + tail
        if T < lo:
            lead += (lo - T) // 2
            T = lo
        T = min(T, hi)
        facing = rng.uniform(-p.facing_range, p.facing_range)
        shape = performer_shape(self.seed, f'jhmdb-p{job.actor:02d}',
                                p.body_height, p.proportion_std, p.girth)
        motions = vary_motions(job.cls.motions, rng, p.cycle_jitter,
                               p.motion_amp_jitter)
        dofs = idle_dofs(rng, T, posture_std=p.posture_std)
        dofs['obj_tilt'] = np.zeros(T)
        u = np.clip((np.arange(T) - lead) / max(length - 1, 1), 0.0, 1.0)
        for motion in motions:
            apply_household_motion(dofs, motion, u, amp=amp, phase=phase)
        joints, frames = forward_kinematics(shape, dofs, math.radians(facing),
                                            (0.0, 0.0, 0.0))
        # The camera: its own room; distance and height from the setup.
        setup = make_setup(self.seed, f'jhmdb-{job.key}', p.camera_distance,
                           p.camera_height, p.clutter)
        crng = make_rng(self.seed, 'jhmdb-camera', job.key)
        half_width = setup.distance * math.tan(math.radians(p.rgb_fov) / 2)
        aim = np.array([crng.uniform(-1, 1) * p.lateral * half_width,
                        crng.uniform(*p.aim_height), 0.0])
        pos = np.array([0.0, setup.cam_height, setup.distance])
        # Not mirrored: camera x points to the image's right.
        rot = look_at(pos, aim) * np.array([[-1.0], [1.0], [1.0]])
        camera = Camera(self.wide, rot, pos)
        m = p.camera_shift
        drift = crng.uniform(-m, m, 2)
        ramp = np.arange(T) / max(T - 1, 1) - 0.5
        offsets = np.rint(m + drift[None] * ramp[:, None]).astype(np.int64)
        return dict(T=T, shape=shape, joints=joints, frames=frames,
                    facing=facing, setup=setup, camera=camera,
                    offsets=offsets, moving=bool(m > 0 and np.any(
                        offsets != offsets[0])))

    def annotate(self, perf: dict) -> dict:
        """The 15 JHMDB joints in each frame's pixels (1-based), scale and
        viewpoint of a performance."""
        camera = perf['camera']
        cam = camera.to_camera(perf['joints'][:, list(JHMDB_FROM_BODY)])
        u, v = camera.project(cam)
        offsets = perf['offsets']
        # 0-based pixel-centre coordinates of the window, + 1 (MATLAB).
        pos_img = np.stack([u - offsets[:, :1], v - offsets[:, 1:]], -1) + 1
        hips = camera.to_camera(perf['joints'][:, [J['HipLeft'],
                                                   J['HipRight']]])
        depth = np.maximum(hips[..., 2].mean(1), 0.3)
        scale = np.round(camera.intrinsics.fy * perf['shape'].height
                         / depth / SCALE_PIXELS, 2)
        W, H = JHMDB_SIZE
        x, y = pos_img[..., 0], pos_img[..., 1]
        ankles = [JHMDB_JOINT_NAMES.index(n) for n in ('right_ankle',
                                                       'left_ankle')]
        inside = (x > 0.5) & (x < W + 0.5) & (y > 0.5) & (y < H + 0.5)
        body = 'f' if inside[:, ankles].all(1).mean() >= 0.5 else 'u'
        return dict(pos_img=pos_img, scale=scale,
                    viewpoint=compass(perf['facing']), body=body,
                    inside=float(inside.mean()))

    def film(self, perf: dict, rng: np.random.Generator
             ) -> Tuple[np.ndarray, np.ndarray]:
        """RGB frames (T, 240, 320, 3) uint8 and the person's mask (T, 240,
        320) bool of a performance."""
        p = self.preset
        T, setup, camera = perf['T'], perf['setup'], perf['camera']
        f = p.rgb_supersample
        wcam = camera.with_intrinsics(self.wide.scaled(f))
        colour, _ = background(setup, wcam)
        Hw, Ww = self.wide.height, self.wide.width
        bg = colour.reshape(Hw, f, Ww, f, 3).mean((1, 3))
        a, b, ra, rb, albedo = surface_geometry(
            [perf['shape']], [perf['joints']], [perf['frames']])
        frags = rasterize(wcam, a, b, ra, rb)
        colours = shade(frags, albedo, camera.rotation @ setup.light,
                        setup.ambient)
        person, cover = composite(frags, colours, f, (T, Hw, Ww))
        W, H = JHMDB_SIZE
        rows = perf['offsets'][:, 1:2] + np.arange(H)[None]  # [T, H]
        cols = perf['offsets'][:, :1] + np.arange(W)[None]  # [T, W]
        t = np.arange(T)[:, None, None]
        cover = cover[t, rows[:, :, None], cols[:, None, :]]
        person = person[t, rows[:, :, None], cols[:, None, :]]
        out = bg[rows[:, :, None], cols[:, None, :]] * (
            1.0 - cover[..., None]) + person
        gain, tint = lighting(rng, T, p.light_gain, p.flicker)
        out *= gain[:, None, None, None] * tint
        return colour_sensor(out, rng, p.rgb_noise), cover >= 0.5

    def render(self, job: JhmdbJob) -> List[dict]:
        """Film and write one clip; return its record."""
        p = self.preset
        perf = self.perform(job)
        ann = self.annotate(perf)
        name = jhmdb_video_name(job.actor, job.cls.name, ann['body'],
                                perf['moving'], _view_tag(perf['facing']),
                                job.take)
        rgb, mask = self.film(perf, make_rng(self.seed, 'jhmdb-clip',
                                             job.key))
        T = perf['T']
        if job.short_mask:
            mask = mask[:T - 1]
        c = job.cls.name
        sizes = dict(
            frames=write_png_frames(
                os.path.join(self.root, 'Rename_Images', c, name), rgb),
            joints=write_bytes(
                os.path.join(self.root, 'joint_positions', c, name,
                             'joint_positions.mat'),
                format_joint_positions(ann['pos_img'], ann['scale'],
                                       ann['viewpoint'])),
            mask=write_bytes(
                os.path.join(self.root, 'puppet_mask', c, name,
                             'puppet_mask.mat'), format_puppet_mask(mask)))
        video = os.path.join(self.root, 'videos', c, f'{name}.avi')
        codec = write_lossless_avi(video, rgb, p.fps)
        sizes['video'] = os.path.getsize(video)
        ys = ann['pos_img'][..., 1]
        return [dict(name=name, cls=c, actor=job.actor, index=job.index,
                     frames=T, mask_frames=int(len(mask)),
                     viewpoint=ann['viewpoint'],
                     facing_deg=round(float(perf['facing']), 3),
                     distance_m=round(float(perf['setup'].distance), 4),
                     height_px=round(float(np.median(ys.max(1) - ys.min(1))),
                                     1),
                     joints_inside=round(ann['inside'], 4), codec=codec,
                     bytes=sizes)]


# ----------------------------------------------------------------- world
def jhmdb_params_hash(preset: JhmdbPreset, seed: int) -> str:
    """SHA-256 of every generation parameter (preset, seed, version)."""
    text = json.dumps(dict(preset=preset.to_dict(), seed=int(seed),
                           version=JHMDB_VERSION, format='jhmdb'),
                      sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _write_splits(root: str, preset: JhmdbPreset, seed: int,
                  clips: List[dict]) -> dict:
    """The 3 splits of every JHMDB class; their sizes."""
    sets = split_test_actors(preset, seed)
    info = {}
    for k, test in enumerate(sets, 1):
        sizes = dict(train=0, test=0)
        for class_name in JHMDB_ALL_CLASSES:
            videos = [(c['name'], c['actor']) for c in clips
                      if c['cls'] == class_name]
            text = format_split(videos, test)
            write_bytes(os.path.join(root, 'splits',
                                     f'{class_name}_test_split{k}.txt'),
                        text.encode('ascii'))
            for _, actor in videos:
                sizes['test' if actor in test else 'train'] += 1
        info[str(k)] = dict(test_actors=test, **sizes)
    return info


def _write_forks(root: str, clip: dict) -> List[str]:
    """AppleDouble forks in one clip's folders; their relative paths."""
    paths = [os.path.join('joint_positions', clip['cls'], clip['name'],
                          '.AppleDouble', 'joint_positions.mat'),
             os.path.join('Rename_Images', clip['cls'], '.AppleDouble',
                          clip['name'])]
    for rel in paths:
        write_bytes(os.path.join(root, rel), APPLEDOUBLE)
    return paths


def _world_info(preset: JhmdbPreset, seed: int, clips: List[dict],
                splits: dict, forks: List[str]) -> dict:
    intr = Intrinsics.from_fov(*JHMDB_SIZE, preset.rgb_fov)
    classes = [jhmdb_world_class(c) for c in preset.classes]
    used = sorted({m.primitive for c in classes for m in c.motions})
    frames = [c['frames'] for c in clips]
    return {
        'generator': 'fsat.datasets.synthetic',
        'format': 'jhmdb',
        'version': JHMDB_VERSION,
        'preset': preset.to_dict(),
        'seed': int(seed),
        'params_hash': jhmdb_params_hash(preset, seed),
        'classes': [dict(name=c.name, label=JHMDB_ALL_CLASSES.index(c.name),
                         source=c.source, duration=c.duration,
                         primitives=sorted({m.primitive
                                            for m in c.motions}))
                    for c in classes],
        'primitives': {k: (HOUSEHOLD_PRIMITIVES[k][1] if k in
                           HOUSEHOLD_PRIMITIVES else PRIMITIVES[k][2])
                       for k in used},
        'fps': preset.fps,
        'rgb': dict(intrinsics=intr.to_dict(), mirrored=False,
                    codec=sorted({c['codec'] for c in clips}),
                    encoder=f'OpenCV {cv2.__version__}'),
        'joints': [dict(jhmdb=j, world=w) for j, w in zip(
            JHMDB_JOINT_NAMES, JHMDB_FROM_BODY_NAMES)],
        'pos_img': '1-based pixels: the centre of the top-left pixel is '
        '(1, 1); joints outside the frame are kept',
        'scale': f'upright height (px) at the mid-hip depth / '
        f'{SCALE_PIXELS:g}, 2 decimals',
        'viewpoint': 'where the actor faces, the camera looking north (S '
        'faces the camera, E the image right)',
        'puppet_mask': 'part_mask H x W x T uint8, 1 where the person '
        'covers >= half a pixel',
        'splits': splits,
        'short_masks': sorted(c['name'] for c in clips
                              if c['mask_frames'] < c['frames']),
        'appledouble': forks,
        'count': len(clips),
        'frames': dict(total=int(sum(frames)), min=int(min(frames)),
                       max=int(max(frames))),
        'bytes': {k: int(sum(c['bytes'][k] for c in clips))
                  for k in ('frames', 'joints', 'mask', 'video')},
        'videos': [{k: v for k, v in c.items() if k != 'bytes'}
                   for c in clips],
    }


def generate_jhmdb_world(preset: JhmdbPreset, out_dir: str, seed: int = 0,
                         workers: int = 1, progress: bool = True) -> dict:
    """Generate (or reuse) a JHMDB-format world.

    Same contract as :func:`~.generate.generate_world`: written into
    ``<out_dir>.partial-<pid>`` and renamed when complete; an ``out_dir``
    holding the same world is reused, one holding anything else is a
    :class:`~.generate.WorldExistsError`. The same preset and seed give
    the same bytes for any ``workers``.

    Args:
        preset (JhmdbPreset): The world's parameters.
        out_dir (str): Output folder.
        seed (int): World seed. Defaults to 0.
        workers (int): Worker processes. Defaults to 1.
        progress (bool): Progress bar and messages. Defaults to True.

    Returns:
        dict: The content of ``world.json``.

    Raises:
        WorldExistsError: ``out_dir`` holds other data.
        JobError: Rendering failed (see :func:`~.runner.run_jobs`); the
            output folder is left as it was.
    """
    out_dir = os.path.abspath(out_dir)
    digest = jhmdb_params_hash(preset, seed)
    world = _check_existing(out_dir, digest, preset, seed, JHMDB_VERSION)
    if world is not None:
        if progress:
            print(f'{out_dir}: synthetic world {preset.name!r} (seed '
                  f'{seed}) is already there, skipping', file=sys.stderr)
        return world
    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    tmp = f'{out_dir}.partial-{os.getpid()}'
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    try:
        os.makedirs(tmp)
        clips = run_jobs(
            plan_jhmdb(preset, seed), JhmdbRenderer, (preset, seed, tmp),
            JhmdbRenderer.render, workers=workers, total=preset.num_videos,
            unit='clip', desc=f'synthesize {preset.name}', progress=progress)
        names = [c['name'] for c in clips]
        if len(set(names)) != len(names):
            raise RuntimeError('two clips of the JHMDB world have the same '
                               'name')
        splits = _write_splits(tmp, preset, seed, clips)
        forks = _write_forks(tmp, clips[0]) if preset.appledouble else []
        clips.sort(key=lambda c: (c['cls'], c['name']))
        world = _world_info(preset, seed, clips, splits, forks)
        publish_world(tmp, out_dir, world, lambda: _check_existing(
            out_dir, digest, preset, seed, JHMDB_VERSION))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        print(f'{out_dir}: wrote {len(clips)} JHMDB clips', file=sys.stderr)
    return world
