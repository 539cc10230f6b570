# Copyright (c) fsat contributors. All rights reserved.
"""The Toyota Smarthome stand-in: plan, film and write a world.

One large room (one apartment, as in the real dataset) with 7 wall-mounted
cameras high up near its walls; subjects perform the activities of
:mod:`.household` at random places in the middle of the room, facing any
direction, and each performance is filmed by ``cameras_per_clip`` cameras.
The person is small in the frame and the detail that tells fine-grained
classes apart (a held object, a wrist motion) covers a few pixels at the
right hand.

Output (``out_dir``)::

    world.json              what was generated (written last)
    smarthome/mp4/<name>.mp4
    smarthome/skeletonv12/<name>_pose3d.json

Skeletons imitate LCR-Net run on the RGB frames (13 joints, 2-D in clip
pixels, 3-D root-centred in metres) with its failure modes: per-frame
joint errors, left/right confusions, frames where nobody is detected and
frames with a second, lower-scored false detection.

Images are *not* mirrored (unlike the Kinect-style NTU cameras of this
package): camera space here is x right, y up, z forward, and the written
``pose3d`` uses x right, y down, z forward (OpenCV's camera axes).
"""
import hashlib
import json
import math
import os
import shutil
import sys
from dataclasses import dataclass, replace
from typing import Dict, List, Tuple

import cv2
import numpy as np

from .body import BodyShape, J, forward_kinematics, rot_x
from .camera import Camera, Intrinsics, look_at
from .generate import _check_existing, publish_world
from .household import (
    HOUSEHOLD_PRIMITIVES,
    OBJECTS,
    HouseholdClass,
    apply_household_motion,
    draw_object,
    household_class,
)
from .motion import PRIMITIVES
from .performance import idle_dofs, vary_motions
from .performers import performer_shape
from .presets import SmarthomePreset
from .render import composite, rasterize, shade, surface_geometry
from .rng import make_rng
from .runner import run_jobs
from .scene import Setup, background, make_setup
from .sensors import colour_sensor, lighting, smooth_noise
from .smarthome_writer import (
    LCRNET_FROM_BODY,
    LCRNET_JOINTS,
    LCRNET_MIRROR,
    MP4_DIR,
    SKELETON_DIR,
    SMARTHOME_CS_TRAIN,
    SMARTHOME_CV,
    format_pose_json,
    smarthome_name,
    smarthome_split,
    write_smarthome_sample,
)

#: Bump when the Smarthome world's output changes for the same parameters
#: (independent of the NTU / PKU-MMD generator's version).
SMARTHOME_VERSION = '1.0.0'
#: Camera id -> angle (degrees) of its place around the room's centre,
#: counter-clockwise from above, 0 = the +z wall.
CAMERA_ANGLE = {1: 20.0, 2: 120.0, 3: 70.0, 4: 170.0, 5: 230.0, 6: 290.0,
                7: 340.0}
#: Cyclic design: performance ``n`` is filmed by cameras ``(n + d) % 7 + 1``
#: for the first ``cameras_per_clip`` offsets ``d`` ({0, 1, 3} is a
#: perfect difference set mod 7: every pair of cameras films together
#: equally often).
CAMERA_OFFSETS = (0, 1, 3, 2, 6, 4, 5)
#: Cameras stand this far (m) inside the walls.
WALL_MARGIN = 0.35
#: Wrists and elbows are estimated less precisely (x1.5).
_FINE = np.array([1.5 if n[1:] in ('wri', 'elb') else 1.0
                  for n in LCRNET_JOINTS])


@dataclass(frozen=True)
class SmarthomeJob:
    """One performance, filmed by several cameras.

    Args:
        cls (HouseholdClass): The class.
        subject (int): Subject id.
        routine (int): Routine (``rRR``).
        video (int): Video number inside the routine (``vVV``).
        cameras (tuple): Camera ids that film it.
    """

    cls: HouseholdClass
    subject: int
    routine: int
    video: int
    cameras: Tuple[int, ...]

    @property
    def key(self) -> str:
        """The sample name without the camera."""
        return (f'{self.cls.name}_p{self.subject:02d}_r{self.routine:02d}'
                f'_v{self.video:02d}')

    def name(self, camera: int) -> str:
        """The sample name of one camera's clip."""
        return smarthome_name(self.cls.name, self.subject, self.routine,
                              self.video, camera)


def smarthome_params_hash(preset: SmarthomePreset, seed: int) -> str:
    """SHA-256 of every generation parameter (preset, seed, version)."""
    text = json.dumps(dict(preset=preset.to_dict(), seed=int(seed),
                           version=SMARTHOME_VERSION, format='smarthome'),
                      sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def camera_set(n: int, k: int) -> Tuple[int, ...]:
    """Cameras of performance number ``n`` when ``k`` cameras film each."""
    return tuple(sorted((n + d) % 7 + 1 for d in CAMERA_OFFSETS[:k]))


def plan_smarthome(preset: SmarthomePreset, seed: int) -> List[SmarthomeJob]:
    """Every performance: each subject does every class once per routine,
    in a shuffled order (the video numbers ``v01..``)."""
    jobs = []
    classes = [household_class(c) for c in preset.classes]
    for s_idx, subject in enumerate(preset.subjects):
        for routine in range(preset.routines):
            order = make_rng(seed, 'sh-routine', subject,
                             routine).permutation(len(classes))
            for pos, ci in enumerate(order):
                n = s_idx * preset.routines + routine + int(ci)
                jobs.append(SmarthomeJob(
                    classes[ci], subject, routine, pos + 1,
                    camera_set(n, preset.cameras_per_clip)))
    return jobs


# ---------------------------------------------------------- performance
def perform_household(cls: HouseholdClass, shape: BodyShape, T: int,
                      lead: int, length: int, amp: float, phase: float,
                      facing: float, spot: Tuple[float, float],
                      rng: np.random.Generator, preset: SmarthomePreset
                      ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate one person doing one class.

    Classes of one group (:attr:`HouseholdClass.group`) draw the same
    random numbers, so with the same ``rng`` they move the same joints
    alike; only the wrist flexion (and the held object) differ.

    Args:
        cls (HouseholdClass): The class.
        shape (BodyShape): The subject.
        T (int): Frames.
        lead (int): First frame of the action.
        length (int): Frames of the action.
        amp (float): Amplitude factor.
        phase (float): Phase of oscillations (radians).
        facing (float): Yaw of the body (radians).
        spot (tuple): (x, z) of the standing spot (m).
        rng (np.random.Generator): Random stream (motion variant, idle
            motion).
        preset (SmarthomePreset): The world's parameters.

    Returns:
        tuple: joints [T, 25, 3], joint frames [T, 25, 3, 3] (world) and
        the held object's tilt [T] (radians).
    """
    motions = vary_motions(cls.motions, rng, preset.cycle_jitter,
                           preset.motion_amp_jitter)
    dofs = idle_dofs(rng, T, posture_std=preset.posture_std)
    dofs['obj_tilt'] = np.zeros(T)
    u = np.clip((np.arange(T) - lead) / max(length - 1, 1), 0.0, 1.0)
    for motion in motions:
        apply_household_motion(dofs, motion, u, amp=amp, phase=phase)
    joints, frames = forward_kinematics(shape, dofs, facing,
                                        (spot[0], 0.0, spot[1]))
    return joints, frames, dofs['obj_tilt']


def place_object(cls: HouseholdClass, joints: np.ndarray,
                 frames: np.ndarray, tilt: np.ndarray,
                 rng: np.random.Generator, size_jitter: float):
    """World capsules of the held object of a performance, or None.

    Returns:
        tuple | None: ``a`` [T, P, 3], ``b`` [T, P, 3], ``ra`` [P], ``rb``
        [P], ``albedo`` [P, 3].
    """
    if cls.obj is None:
        return None
    obj = OBJECTS[cls.obj]
    a, b, ra, rb, albedo = draw_object(obj, rng, size_jitter)
    trunk = frames[:, J['SpineBase']]
    if obj.grip == 'right':
        origin = joints[:, J['HandRight']]
        rot = trunk @ rot_x(-tilt)
    else:
        origin = 0.5 * (joints[:, J['HandLeft']] + joints[:, J['HandRight']])
        rot = trunk
    aw = origin[:, None] + np.einsum('tij,pj->tpi', rot, a)
    bw = origin[:, None] + np.einsum('tij,pj->tpi', rot, b)
    return aw, bw, ra, rb, albedo


# ---------------------------------------------------------------- sensor
def estimate_poses(joints: np.ndarray, camera: Camera, height: float,
                   preset: SmarthomePreset, rng: np.random.Generator
                   ) -> Tuple[List[list], dict]:
    """What LCR-Net reports for one clip.

    Args:
        joints (np.ndarray): [T, 25, 3] clean world joints.
        camera (Camera): The clip's camera (written resolution).
        height (float): The subject's height (m).
        preset (SmarthomePreset): Noise and failure rates.
        rng (np.random.Generator): The estimator's own random stream.

    Returns:
        tuple: per frame a list of detections (dicts with ``pose2d`` [13,
        2], ``pose3d`` [13, 3], ``cumscore``), and counts (``empty``,
        ``multi``, ``swapped`` frames).
    """
    p = preset
    k = camera.intrinsics
    T = joints.shape[0]
    cam = camera.to_camera(joints[:, list(LCRNET_FROM_BODY)])  # [T, 13, 3]
    u, v = camera.project(cam)
    uv = np.stack([u, v], -1)
    depth = np.maximum(cam[:, 4:6, 2].mean(1), 0.5)  # hips
    height_px = k.fy * height / depth  # [T]
    scale = _FINE[None, :, None]
    uv = uv + rng.normal(0.0, 1.0, uv.shape) * (
        p.pose2d_jitter * height_px[:, None, None]) * scale
    xyz = cam * np.array([1.0, -1.0, 1.0])  # x right, y down, z forward
    noise = rng.normal(0.0, p.pose3d_jitter, xyz.shape)
    if p.pose3d_drift > 0:
        noise += p.pose3d_drift * smooth_noise(rng, xyz.shape, 8)
    xyz = xyz + noise * scale
    inside = ((uv[..., 0] >= 0) & (uv[..., 0] <= k.width - 1)
              & (uv[..., 1] >= 0) & (uv[..., 1] <= k.height - 1))
    uv[..., 0] = np.clip(uv[..., 0], 0, k.width - 1)
    uv[..., 1] = np.clip(uv[..., 1], 0, k.height - 1)
    swapped = np.zeros(T, bool)
    if rng.random() < p.pose_swap:
        n = int(round(T * rng.uniform(0.25, 0.75)))
        start = int(rng.integers(0, T - n + 1))
        swapped[start:start + n] = True
        uv[swapped] = uv[swapped][:, list(LCRNET_MIRROR)]
        xyz[swapped] = xyz[swapped][:, list(LCRNET_MIRROR)]
    xyz = xyz - xyz[:, 4:6].mean(1, keepdims=True)  # root: mid-hip
    # Scores: a per-clip level, lower when much of the body is cut off.
    level = rng.uniform(2.0, 8.0)
    score = np.maximum(1.0, level * np.exp(0.2 * rng.normal(size=T))
                       * (0.4 + 0.6 * inside.mean(1)))
    detected = inside.mean(1) >= 0.5
    period = p.action_frames
    for _ in range(int(rng.poisson(p.pose_miss * T / period))):
        n = min(T, max(1, int(round(period * rng.uniform(
            *p.pose_miss_length)))))
        start = int(rng.integers(0, T - n + 1))
        detected[start:start + n] = False
    # False positives: a person-like pose (the subject's first pose,
    # rescaled) at another place in the frame, scored below 1.
    ghost = np.zeros(T, bool)
    ghost_first = np.zeros(T, bool)
    for _ in range(int(rng.poisson(p.pose_false_positive * T / period))):
        n = min(T, max(1, int(round(period * rng.uniform(
            *p.pose_false_positive_length)))))
        start = int(rng.integers(0, T - n + 1))
        ghost[start:start + n] = True
        ghost_first[start:start + n] = rng.random() < 0.5
    template = uv[0] - uv[0].mean(0)
    size = rng.uniform(0.5, 1.2)
    centre = np.array([rng.uniform(0.2, 0.8) * k.width,
                       rng.uniform(0.3, 0.7) * k.height])
    ghost_3d = xyz[0] * size
    out = []
    for t in range(T):
        dets = []
        if detected[t]:
            dets.append(dict(pose2d=uv[t], pose3d=xyz[t],
                             cumscore=float(score[t])))
        if ghost[t]:
            g2 = centre + template * size + rng.normal(0, 1.0, (13, 2))
            g2[:, 0] = np.clip(g2[:, 0], 0, k.width - 1)
            g2[:, 1] = np.clip(g2[:, 1], 0, k.height - 1)
            g3 = ghost_3d + rng.normal(0, 0.05, (13, 3))
            fake = dict(pose2d=g2, pose3d=g3 - g3[4:6].mean(0),
                        cumscore=float(rng.uniform(0.1, 0.9)))
            dets.insert(0 if ghost_first[t] else len(dets), fake)
        out.append(dets)
    counts = dict(empty=int(sum(1 for d in out if not d)),
                  multi=int(sum(1 for d in out if len(d) > 1)),
                  swapped=int((swapped & detected).sum()))
    return out, counts


# -------------------------------------------------------------- renderer
class SmarthomeRenderer:
    """Per-process renderer: the room, its cameras and their backgrounds.

    Args:
        preset (SmarthomePreset): The world's parameters.
        seed (int): World seed.
        root (str): Output root (holds ``smarthome/``).
    """

    def __init__(self, preset: SmarthomePreset, seed: int, root: str):
        self.preset = preset
        self.seed = seed
        self.root = root
        self.intr = Intrinsics.from_fov(*preset.rgb_size, preset.rgb_fov)
        width, depth = preset.room_size
        room = make_setup(seed, 'smarthome-room', (3.0, 3.0), (2.0, 2.0),
                          preset.clutter)
        # The room box of scene.py spans x in [-side, side] and z in
        # [-back, distance + 1.5].
        self.room: Setup = replace(room, back=depth / 2, side=width / 2,
                                   distance=depth / 2 - 1.5)
        self.cameras: Dict[int, Camera] = {}
        for cam_id, angle in CAMERA_ANGLE.items():
            crng = make_rng(seed, 'smarthome-camera', cam_id)
            a = math.radians(angle)
            pos = np.array([(width / 2 - WALL_MARGIN) * math.sin(a),
                            crng.uniform(*preset.camera_height),
                            (depth / 2 - WALL_MARGIN) * math.cos(a)])
            aim = np.array([crng.uniform(-0.5, 0.5), 0.9,
                            crng.uniform(-0.4, 0.4)])
            rot = look_at(pos, aim) * np.array([[-1.0], [1.0], [1.0]])
            self.cameras[cam_id] = Camera(self.intr, rot, pos)
        self._backgrounds: Dict[int, np.ndarray] = {}

    def background(self, cam_id: int) -> np.ndarray:
        """Room colour [H, W, 3] seen by a camera (cached)."""
        if cam_id not in self._backgrounds:
            f = self.preset.rgb_supersample
            colour, _ = background(self.room, self.cameras[
                cam_id].with_intrinsics(self.intr.scaled(f)))
            H, W = colour.shape[0] // f, colour.shape[1] // f
            self._backgrounds[cam_id] = colour.reshape(H, f, W, f,
                                                       3).mean((1, 3))
        return self._backgrounds[cam_id]

    def film(self, shape: BodyShape, joints: np.ndarray, frames: np.ndarray,
             obj, cam_id: int, rng: np.random.Generator) -> np.ndarray:
        """RGB frames [T, H, W, 3] uint8 of a performance seen by a camera.
        """
        p = self.preset
        T = joints.shape[0]
        a, b, ra, rb, albedo = surface_geometry([shape], [joints], [frames])
        if obj is not None:
            a = np.concatenate([a, obj[0]], 1)
            b = np.concatenate([b, obj[1]], 1)
            ra = np.concatenate([ra, obj[2]])
            rb = np.concatenate([rb, obj[3]])
            albedo = np.concatenate([albedo, obj[4]])
        cam = self.cameras[cam_id]
        f = p.rgb_supersample
        frags = rasterize(cam.with_intrinsics(self.intr.scaled(f)), a, b, ra,
                          rb)
        colours = shade(frags, albedo, cam.rotation @ self.room.light,
                        self.room.ambient)
        person, cover = composite(frags, colours, f,
                                  (T, self.intr.height, self.intr.width))
        gain, tint = lighting(rng, T, p.light_gain, p.flicker)
        out = (self.background(cam_id)[None] * (1.0 - cover[..., None])
               + person)
        out *= gain[:, None, None, None] * tint
        return colour_sensor(out, rng, p.rgb_noise)

    def perform(self, job: SmarthomeJob):
        """Body motion of a job: shape, joints, frames, object capsules."""
        p = self.preset
        rng = make_rng(self.seed, 'sh-perf', job.key)
        speed = rng.uniform(*p.speed_range)
        amp = rng.uniform(*p.amplitude_range)
        phase = rng.uniform(0, 2 * np.pi)
        length = max(8, int(round(p.action_frames * job.cls.duration
                                  / speed)))
        lead, tail = rng.integers(p.idle_frames[0], p.idle_frames[1] + 1, 2)
        lo, hi = p.frames_range
        length = int(min(length, hi - lead - tail))
        T = int(lead + length + tail)
        if T < lo:
            lead += (lo - T) // 2
            T = lo
        facing = rng.uniform(0, 2 * np.pi)
        spot = (rng.uniform(-p.area[0], p.area[0]),
                rng.uniform(-p.area[1], p.area[1]))
        shape = performer_shape(self.seed, f'smarthome-p{job.subject:02d}',
                                p.body_height, p.proportion_std, p.girth)
        joints, frames, tilt = perform_household(
            job.cls, shape, T, int(lead), length, amp, phase, facing, spot,
            rng, p)
        obj = place_object(job.cls, joints, frames, tilt,
                           make_rng(self.seed, 'sh-object', job.key),
                           p.object_size_jitter)
        return shape, joints, frames, obj

    def render(self, job: SmarthomeJob) -> List[dict]:
        """Film, estimate poses and write every camera's clip of a job.

        Returns:
            list[dict]: Per clip ``name``, ``frames``, ``bytes`` and pose
            ``counts``.
        """
        p = self.preset
        shape, joints, frames, obj = self.perform(job)
        root = os.path.join(self.root, 'smarthome')
        out = []
        for cam_id in job.cameras:
            name = job.name(cam_id)
            rgb = self.film(shape, joints, frames, obj, cam_id,
                            make_rng(self.seed, 'sh-clip', name))
            dets, counts = estimate_poses(
                joints, self.cameras[cam_id], shape.height, p,
                make_rng(self.seed, 'sh-pose', name))
            nbytes = write_smarthome_sample(root, name, rgb,
                                            format_pose_json(dets), p.fps)
            out.append(dict(name=name, frames=int(joints.shape[0]),
                            bytes=nbytes, counts=counts))
        return out


# ----------------------------------------------------------------- world
def _world_info(preset: SmarthomePreset, seed: int,
                clips: List[dict]) -> dict:
    renderer = SmarthomeRenderer(preset, seed, '')
    names = [c['name'] for c in clips]
    splits = {}
    for protocol in ('cs', 'cv1', 'cv2'):
        sides: Dict[str, int] = {}
        for name in names:
            side = smarthome_split(name, protocol)
            if side is not None:
                sides[side] = sides.get(side, 0) + 1
        splits[protocol] = sides
    frames = sum(c['frames'] for c in clips)
    totals = {k: sum(c['counts'][k] for c in clips)
              for k in ('empty', 'multi', 'swapped')}
    classes = [household_class(c) for c in preset.classes]
    used = sorted({m.primitive for c in classes for m in c.motions})
    return {
        'generator': 'fsat.datasets.synthetic',
        'format': 'toyota_smarthome',
        'version': SMARTHOME_VERSION,
        'preset': preset.to_dict(),
        'seed': int(seed),
        'params_hash': smarthome_params_hash(preset, seed),
        'classes': [dict(name=c.name, label=i, label31=c.label31,
                         label19=c.label19, group=c.group, object=c.obj,
                         detail=c.detail,
                         primitives=sorted({m.primitive for m in c.motions}))
                    for i, c in enumerate(classes)],
        'primitives': {k: (HOUSEHOLD_PRIMITIVES[k][1] if k in
                           HOUSEHOLD_PRIMITIVES else PRIMITIVES[k][2])
                       for k in used},
        'fps': preset.fps,
        'rgb': dict(intrinsics=renderer.intr.to_dict(), codec='mp4v',
                    encoder=f'OpenCV {cv2.__version__}', mirrored=False),
        'cameras': {f'c{i:02d}': dict(angle_deg=CAMERA_ANGLE[i],
                                      **renderer.cameras[i].to_dict())
                    for i in sorted(renderer.cameras)},
        'room': dict(size_m=list(preset.room_size)),
        'skeleton': dict(
            joints=list(LCRNET_JOINTS), njts=len(LCRNET_JOINTS),
            pose2d='pixels of the clip, 13 x then 13 y',
            pose3d='metres, camera axes x right / y down / z forward, '
            'origin the mid-hip; 13 X, 13 Y, 13 Z',
            order='detections are not sorted by cumscore',
            frames=frames, empty_frames=totals['empty'],
            multi_detection_frames=totals['multi'],
            swapped_frames=totals['swapped']),
        'protocols': dict(cs_train_subjects=sorted(SMARTHOME_CS_TRAIN),
                          cv={k: {s: list(c) for s, c in v.items()}
                              for k, v in SMARTHOME_CV.items()},
                          sizes=splits),
        'smarthome': dict(root='smarthome', count=len(clips),
                          bytes={k: sum(c['bytes'][k] for c in clips)
                                 for k in ('rgb', 'skeleton')},
                          samples=[dict(name=c['name'], frames=c['frames'],
                                        empty_frames=c['counts']['empty'],
                                        multi_frames=c['counts']['multi'])
                                   for c in clips]),
    }


def generate_smarthome_world(preset: SmarthomePreset, out_dir: str,
                             seed: int = 0, workers: int = 1,
                             progress: bool = True) -> dict:
    """Generate (or reuse) a Smarthome-format world.

    Same contract as :func:`~.generate.generate_world`: written into
    ``<out_dir>.partial-<pid>`` and renamed when complete; an ``out_dir``
    holding the same world is reused, one holding anything else is a
    :class:`~.generate.WorldExistsError`.

    Args:
        preset (SmarthomePreset): The world's parameters.
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
    digest = smarthome_params_hash(preset, seed)
    world = _check_existing(out_dir, digest, preset, seed, SMARTHOME_VERSION)
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
        for sub in (MP4_DIR, SKELETON_DIR):
            os.makedirs(os.path.join(tmp, 'smarthome', sub), exist_ok=True)
        clips = run_jobs(
            plan_smarthome(preset, seed), SmarthomeRenderer,
            (preset, seed, tmp), SmarthomeRenderer.render, workers=workers,
            total=preset.num_clips, unit='clip',
            desc=f'synthesize {preset.name}', progress=progress)
        clips.sort(key=lambda c: c['name'])
        world = _world_info(preset, seed, clips)
        publish_world(tmp, out_dir, world, lambda: _check_existing(
            out_dir, digest, preset, seed, SMARTHOME_VERSION))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        print(f'{out_dir}: wrote {len(clips)} Toyota Smarthome clips',
              file=sys.stderr)
    return world
