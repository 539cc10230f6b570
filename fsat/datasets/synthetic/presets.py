# Copyright (c) fsat contributors. All rights reserved.
"""Presets: every parameter that shapes a synthetic world.

Difficulty is set only through these documented physical parameters
(body variation, speeds, amplitudes, camera placement, clutter, light,
sensor noise); nothing in the generator refers to any method's result.
"""
import math
import typing
from dataclasses import dataclass, fields, replace
from typing import Dict, Mapping, Optional, Tuple, Union

from .household import HOUSEHOLD_CLASS_NAMES
from .indoor import INDOOR_PRESETS, IndoorPreset
from .protocols import NTU60_CS_TRAIN
from .smarthome_writer import SMARTHOME_CS_TRAIN, SMARTHOME_SUBJECTS

#: Allowed values of the numeric parameters: ``(low, high, closed)`` with
#: ``closed`` whether the bounds themselves are allowed (None: no bound).
#: A range parameter (``Tuple[float, float]``) must be ``(min, max)`` with
#: both ends within the bounds. Checked when a preset is made, so
#: ``synthesize.py --set`` and a pipeline's ``custom_preset`` both get one
#: line naming the parameter, the value and what is expected.
BOUNDS: Dict[str, Tuple[Optional[float], Optional[float], bool]] = {
    'action_frames': (8, None, True),
    'frames_range': (16, None, True),
    'idle_frames': (0, None, True),
    'fps': (0, None, False),
    'depth_size': (16, 4096, True),
    'rgb_size': (16, 4096, True),
    'depth_fov': (0, 180, False),
    'rgb_fov': (0, 180, False),
    'rgb_supersample': (1, 8, True),
    'speed_range': (0, None, False),
    'amplitude_range': (0, None, False),
    'motion_amp_jitter': (0, 1, True),
    'cycle_jitter': (0, None, True),
    'posture_std': (0, None, True),
    'facing_jitter_deg': (0, 180, True),
    'spot_jitter': (0, 1, True),
    'camera_distance': (1, 10, True),
    'camera_height': (0, 3, True),
    'clutter': (0, 1, True),
    'light_gain': (0, None, False),
    'flicker': (0, 1, True),
    'rgb_noise': (0, 1, True),
    'depth_noise_mm': (0, None, True),
    'depth_holes': (0, 1, True),
    'depth_edge_dropout': (0, 1, True),
    'skeleton_jitter': (0, None, True),
    'skeleton_drift': (0, None, True),
    'skeleton_lateral': (0, None, True),
    'skeleton_swap': (0, 1, True),
    'skeleton_loss': (0, None, True),
    'body_height': (0.5, 2.5, True),
    'proportion_std': (0, 0.5, True),
    'girth': (0, None, False),
    'pku_instances': (1, None, True),
    'pku_gap_frames': (0, None, True),
    'pku_val_fraction': (0, 1, False),
}

#: Pairs that are (width, height) or (x, z), not (min, max).
SIZES = ('depth_size', 'rgb_size', 'room_size', 'area')
_SIZE_EXAMPLES = {'room_size': '10,8', 'area': '1.4,1'}


def _bounds_text(low, high, closed: bool) -> str:
    if high is None:
        return f"a number {'>=' if closed else '>'} {low}"
    if low is None:
        return f"a number {'<=' if closed else '<'} {high}"
    left, right = '[]' if closed else '()'
    return f'a number in {left}{low}, {high}{right}'


def _out_of_bounds(key: str, value, low, high, closed: bool) -> str:
    """'' or what is wrong with a parameter's value."""
    items = value if isinstance(value, tuple) else (value, )
    for item in items:
        below = low is not None and (item < low if closed else item <= low)
        above = high is not None and (item > high if closed else item >= high)
        if below or above:
            shown = ','.join(str(v) for v in items)
            what = 'each of ' if isinstance(value, tuple) else ''
            return (f'{key}={shown} is out of range: expected {what}'
                    f'{_bounds_text(low, high, closed)}')
    if isinstance(value, tuple) and key not in SIZES and value[0] > value[1]:
        return (f'{key}={value[0]},{value[1]} must be (min, max) with min '
                '<= max')
    return ''


@dataclass(frozen=True)
class WorldPreset:
    """Parameters of a synthetic world.

    Args:
        name (str): Preset name, recorded in ``world.json``.
        num_classes (int): K, classes per half (TARGET A001..A00K and
            SOURCE A061..A(60+K)); at most 60.
        source_sessions (int): Number of (setup, performer) sessions that
            perform every SOURCE class.
        target_sessions (int): Number of sessions that perform every
            TARGET class (the first ``target_sessions`` of the same
            session list).
        replications (int): 1 or 2. R001 faces camera C002, R002 faces
            C003 (as NTU: "once towards the left, once towards the right
            camera").
        cameras (tuple): NTU camera ids written per performance (1-3).
        num_setups (int): Setups S001..S(num_setups) in use (2 to 32;
            even and odd ones alternate between sessions).
        num_performers (int): Performers P001..P(num_performers) in use
            (3 to 40; NTU-60 cross-subject train and test ids both occur).
        action_frames (int): Nominal length of an action at speed 1
            (frames; scaled by the class's duration factor).
        frames_range (tuple): Bounds on the length of an NTU video
            (frames); ``floor(T / 16) >= 2`` when the lower bound >= 32.
        idle_frames (tuple): Range of idle frames before and after the
            action (each drawn separately).
        fps (float): Frame rate written into the videos.
        depth_size (tuple): (width, height) of depth frames.
        rgb_size (tuple): (width, height) of RGB frames.
        depth_fov (float): Horizontal field of view of the depth camera
            (degrees; Kinect v2: 70.6).
        rgb_fov (float): Horizontal field of view of the colour camera
            (degrees; Kinect v2: 84.1).
        rgb_supersample (int): Supersampling factor of the RGB renderer
            (anti-aliasing).
        speed_range (tuple): Per-sample speed factor (length = nominal /
            speed).
        amplitude_range (tuple): Per-sample amplitude factor.
        motion_amp_jitter (float): Extra relative amplitude variation of
            each motion of an instance.
        cycle_jitter (int): Repetitive motions (3 or more repetitions)
            repeat up to this many times more or fewer.
        posture_std (float): Standard deviation (radians) of a sample's
            constant posture offsets (arms, elbows, trunk, head, knees).
        facing_jitter_deg (float): Standard deviation of the performer's
            facing around the replication's direction (degrees).
        spot_jitter (float): Half range of the standing spot offset (m).
        camera_distance (tuple): Camera distance range per setup (m).
        camera_height (tuple): Camera height range per setup (m).
        clutter (float): Background clutter in [0, 1]: number of posters
            and furniture fronts (14 at 1) and texture contrast. Keep it
            moderate: on a very cluttered background a small RGB network
            learns nothing (see ``docs/synthetic_world.md``).
        light_gain (tuple): Per-video light level range.
        flicker (float): Relative amplitude of slow light changes within
            a video.
        rgb_noise (float): Colour noise standard deviation (fraction of
            full scale).
        depth_noise_mm (float): Depth noise standard deviation at 3 m
            (grows with the squared distance).
        depth_holes (float): Probability that a depth pixel is missing.
        depth_edge_dropout (float): Probability that a silhouette-edge
            depth pixel is missing.
        skeleton_jitter (float): Joint noise standard deviation (m);
            x1.5 on hands, x2 on occluded joints.
        skeleton_drift (float): Standard deviation (m) of the skeleton
            tracker's slow error: each joint wanders off its true place
            for about 10 frames at a time (same scaling as the jitter).
            Kinect v2 joints are off by several centimetres, more on
            hands and occluded joints; without it a skeleton network finds
            the demo classes trivially (see ``docs/synthetic_world.md``).
        skeleton_lateral (float): Joint error across the depth camera's
            viewing axis relative to the error along it (jitter and drift
            are along it): a time-of-flight sensor is least precise in
            depth, and the tracker places joints on the body's silhouette.
        skeleton_swap (float): Probability that the tracker confuses left
            and right limbs for a stretch of a video (a quarter to three
            quarters of it), as Kinect does with bodies turned sideways.
        skeleton_loss (float): Expected number of stretches per
            ``action_frames`` frames (Poisson) in which the tracker loses a
            body and writes no joints for it, each 0.2 to 0.6
            ``action_frames`` long. Kinect v2 drops bodies in fast or
            unusual poses; real NTU RGB+D files have frames with no body.
        body_height (tuple): Performer height range (m).
        proportion_std (float): Standard deviation of segment lengths
            relative to the body height.
        girth (tuple): Range of the factor on limb thickness.
        pku_sequences (int): Number of PKU-MMD sequences (each written
            from 3 views).
        pku_instances (tuple): Range of action instances per sequence.
        pku_gap_frames (tuple): Range of idle frames between instances.
        pku_val_fraction (float): Fraction of sequences (the last ones)
            whose performers form the cross-subject validation set.
    """

    name: str
    num_classes: int = 10
    source_sessions: int = 50
    target_sessions: int = 30
    replications: int = 2
    cameras: Tuple[int, ...] = (1, 2, 3)
    num_setups: int = 32
    num_performers: int = 40
    action_frames: int = 50
    frames_range: Tuple[int, int] = (40, 72)
    idle_frames: Tuple[int, int] = (2, 8)
    fps: float = 30.0
    depth_size: Tuple[int, int] = (64, 53)
    rgb_size: Tuple[int, int] = (96, 54)
    depth_fov: float = 56.0
    rgb_fov: float = 72.0
    rgb_supersample: int = 2
    speed_range: Tuple[float, float] = (0.8, 1.25)
    amplitude_range: Tuple[float, float] = (0.85, 1.15)
    motion_amp_jitter: float = 0.1
    cycle_jitter: int = 1
    posture_std: float = 0.06
    facing_jitter_deg: float = 10.0
    spot_jitter: float = 0.15
    camera_distance: Tuple[float, float] = (2.8, 3.3)
    camera_height: Tuple[float, float] = (0.9, 1.4)
    clutter: float = 0.15
    light_gain: Tuple[float, float] = (0.75, 1.15)
    flicker: float = 0.03
    rgb_noise: float = 0.02
    depth_noise_mm: float = 4.0
    depth_holes: float = 0.01
    depth_edge_dropout: float = 0.05
    skeleton_jitter: float = 0.015
    skeleton_drift: float = 0.05
    skeleton_lateral: float = 0.2
    skeleton_swap: float = 0.3
    skeleton_loss: float = 0.3
    body_height: Tuple[float, float] = (1.55, 1.9)
    proportion_std: float = 0.04
    girth: Tuple[float, float] = (0.85, 1.2)
    pku_sequences: int = 24
    pku_instances: Tuple[int, int] = (4, 6)
    pku_gap_frames: Tuple[int, int] = (12, 30)
    pku_val_fraction: float = 0.25

    def __post_init__(self):
        for key, (low, high, closed) in BOUNDS.items():
            value = getattr(self, key)
            problem = _out_of_bounds(key, value, low, high, closed)
            if problem:
                raise ValueError(f'preset {self.name!r}: {problem}')
        checks = (
            (1 <= self.num_classes <= 60, 'num_classes must be in [1, 60]'),
            (2 <= self.num_setups <= 32, 'num_setups must be in [2, 32]'),
            (3 <= self.num_performers <= 40,
             'num_performers must be in [3, 40]'),
            (self.source_sessions >= 4 and self.target_sessions >= 4,
             'at least 4 sessions per half (even/odd setup x cross-subject '
             'train/test)'),
            (self.replications in (1, 2), 'replications must be 1 or 2'),
            (set(self.cameras) <= {1, 2, 3} and 1 in self.cameras
             and len(self.cameras) >= 2,
             'cameras must include C001 and one of C002/C003'),
            (self.frames_range[0] <= self.frames_range[1],
             'frames_range must be (min, max)'),
            (self.pku_sequences == 0 or self.pku_sequences >= 2,
             'pku_sequences must be 0 or >= 2'),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f'preset {self.name!r}: {message}')
        train = [p for p in range(1, self.num_performers + 1)
                 if p in NTU60_CS_TRAIN]
        if len(train) == self.num_performers:
            raise ValueError(f'preset {self.name!r}: no cross-subject test '
                             'performer')

    @property
    def num_ntu_videos(self) -> int:
        """Number of NTU videos the preset writes."""
        per_session = self.replications * len(self.cameras)
        return self.num_classes * per_session * (self.source_sessions
                                                 + self.target_sessions)

    def to_dict(self) -> dict:
        """JSON-friendly form (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in (getattr(self, f.name), )}


@dataclass(frozen=True)
class SmarthomePreset:
    """Parameters of a Toyota Smarthome-format world (RGB clips and
    LCR-Net skeletons, ``OUT/smarthome``; see ``docs/synthetic_world.md``).

    A *performance* is one subject doing one class once; it is filmed by
    ``cameras_per_clip`` of the 7 cameras of one large room, each film
    being a clip ``<Activity>_pSS_rRR_vVV_cCC``.

    Args:
        name (str): Preset name.
        classes (tuple): Class names (of :mod:`.household`), each
            performed by every subject in every routine.
        subjects (tuple): Subject ids (real Smarthome ids; both sides of
            the cross-subject protocol must occur).
        routines (int): Recordings (``rRR``) per subject, each with one
            performance of every class.
        cameras_per_clip (int): Cameras filming a performance (1 to 7);
            performances rotate through the seven triples (for 3) of a
            cyclic design so that every camera films every class.
        action_frames (int): Nominal action length (frames) at speed 1.
        frames_range (tuple): Bounds of a clip's length (frames).
        idle_frames (tuple): Idle frames before and after the action.
        fps (float): Frame rate of the clips.
        rgb_size (tuple): (width, height) of the clips.
        rgb_fov (float): Horizontal field of view (degrees).
        rgb_supersample (int): Supersampling of the renderer.
        room_size (tuple): (width along x, depth along z) of the room (m).
        camera_height (tuple): Range of the camera heights (m).
        area (tuple): Half extents (x, z) of the area where performances
            take place (m), around the room's centre.
        speed_range (tuple): Per-performance speed factor.
        amplitude_range (tuple): Per-performance amplitude factor.
        motion_amp_jitter (float): Extra amplitude variation per motion.
        cycle_jitter (int): Repetitive motions (3 or more cycles) repeat up
            to this many times more or fewer.
        posture_std (float): Standard deviation (radians) of a
            performance's constant posture offsets.
        clutter (float): Room clutter in [0, 1] (posters, texture).
        light_gain (tuple): Per-clip light level range.
        flicker (float): Relative amplitude of slow light changes.
        rgb_noise (float): Colour noise standard deviation.
        body_height (tuple): Subject height range (m).
        proportion_std (float): Segment length variation.
        girth (tuple): Range of the factor on limb thickness.
        object_size_jitter (float): Relative size variation of a held
            object (uniform +-).
        pose2d_jitter (float): Standard deviation of the 2-D joint error,
            as a fraction of the person's height in pixels (x1.5 on wrists
            and elbows).
        pose3d_jitter (float): Standard deviation (m) of the 3-D joint
            error, independent per frame (x1.5 on wrists and elbows).
        pose3d_drift (float): Standard deviation (m) of a slow 3-D error
            (correlated over about 8 frames).
        pose_swap (float): Probability that a clip has a stretch (a
            quarter to three quarters of it) with left and right exchanged.
        pose_miss (float): Expected number of stretches without any
            detection per ``action_frames`` frames (Poisson).
        pose_miss_length (tuple): Length range of such a stretch, as a
            fraction of ``action_frames``.
        pose_false_positive (float): Expected number of stretches per
            ``action_frames`` frames with an extra, lower-scored detection
            of a person-like shape elsewhere in the frame (Poisson).
        pose_false_positive_length (tuple): Length range of such a
            stretch, as a fraction of ``action_frames``.
    """

    name: str
    classes: Tuple[str, ...] = HOUSEHOLD_CLASS_NAMES
    subjects: Tuple[int, ...] = SMARTHOME_SUBJECTS
    routines: int = 3
    cameras_per_clip: int = 3
    action_frames: int = 56
    frames_range: Tuple[int, int] = (48, 80)
    idle_frames: Tuple[int, int] = (3, 10)
    fps: float = 20.0
    rgb_size: Tuple[int, int] = (192, 144)
    rgb_fov: float = 75.0
    rgb_supersample: int = 2
    room_size: Tuple[float, float] = (10.0, 8.0)
    camera_height: Tuple[float, float] = (2.1, 2.6)
    area: Tuple[float, float] = (1.4, 1.0)
    speed_range: Tuple[float, float] = (0.8, 1.25)
    amplitude_range: Tuple[float, float] = (0.85, 1.15)
    motion_amp_jitter: float = 0.1
    cycle_jitter: int = 1
    posture_std: float = 0.06
    clutter: float = 0.25
    light_gain: Tuple[float, float] = (0.75, 1.15)
    flicker: float = 0.03
    rgb_noise: float = 0.02
    body_height: Tuple[float, float] = (1.55, 1.9)
    proportion_std: float = 0.04
    girth: Tuple[float, float] = (0.85, 1.2)
    object_size_jitter: float = 0.1
    pose2d_jitter: float = 0.015
    pose3d_jitter: float = 0.03
    pose3d_drift: float = 0.04
    pose_swap: float = 0.15
    pose_miss: float = 0.25
    pose_miss_length: Tuple[float, float] = (0.05, 0.25)
    pose_false_positive: float = 0.5
    pose_false_positive_length: Tuple[float, float] = (0.1, 0.4)

    def __post_init__(self):
        for key, (low, high, closed) in SMARTHOME_BOUNDS.items():
            problem = _out_of_bounds(key, getattr(self, key), low, high,
                                     closed)
            if problem:
                raise ValueError(f'preset {self.name!r}: {problem}')
        unknown = [c for c in self.classes if c not in HOUSEHOLD_CLASS_NAMES]
        train = [s for s in self.subjects if s in SMARTHOME_CS_TRAIN]
        checks = (
            (not unknown, f'unknown classes {unknown}; known: '
             + ', '.join(HOUSEHOLD_CLASS_NAMES)),
            (len(set(self.classes)) == len(self.classes) >= 1,
             'classes must be distinct and at least one'),
            (set(self.subjects) <= set(SMARTHOME_SUBJECTS),
             'subjects must be Toyota Smarthome subject ids '
             f'{SMARTHOME_SUBJECTS}'),
            (0 < len(train) < len(set(self.subjects)),
             'subjects must include cross-subject train and test ids'),
            (self.routines >= 1, 'routines must be >= 1'),
            (1 <= self.cameras_per_clip <= 7,
             'cameras_per_clip must be in [1, 7]'),
            (self.frames_range[0] <= self.frames_range[1],
             'frames_range must be (min, max)'),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f'preset {self.name!r}: {message}')

    @property
    def num_clips(self) -> int:
        """Number of clips the preset writes."""
        return (len(self.classes) * len(self.subjects) * self.routines
                * self.cameras_per_clip)

    def to_dict(self) -> dict:
        """JSON-friendly form (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in (getattr(self, f.name), )}


#: Allowed values of the numeric Smarthome parameters (as :data:`BOUNDS`).
SMARTHOME_BOUNDS: Dict[str, Tuple[Optional[float], Optional[float], bool]] = {
    **{k: BOUNDS[k] for k in (
        'action_frames', 'frames_range', 'idle_frames', 'fps', 'rgb_size',
        'rgb_fov', 'rgb_supersample', 'speed_range', 'amplitude_range',
        'motion_amp_jitter', 'cycle_jitter', 'posture_std', 'camera_height',
        'clutter', 'light_gain', 'flicker', 'rgb_noise', 'body_height',
        'proportion_std', 'girth')},
    'room_size': (4, 30, True),
    'area': (0, 5, True),
    'object_size_jitter': (0, 0.5, True),
    'pose2d_jitter': (0, 1, True),
    'pose3d_jitter': (0, None, True),
    'pose3d_drift': (0, None, True),
    'pose_swap': (0, 1, True),
    'pose_miss': (0, None, True),
    'pose_miss_length': (0, 1, False),
    'pose_false_positive': (0, None, True),
    'pose_false_positive_length': (0, 1, False),
}


#: The world's classes, named after the JHMDB classes whose motion they
#: imitate (:data:`~.jhmdb_writer.JHMDB_WORLD_CLASSES` describes them).
JHMDB_WORLD_CLASS_NAMES = ('clap', 'jump', 'kick_ball', 'pick', 'push',
                           'sit', 'stand', 'throw', 'walk', 'wave')


@dataclass(frozen=True)
class JhmdbPreset:
    """Parameters of a JHMDB-format world (``Rename_Images/``,
    ``joint_positions/``, ``puppet_mask/``, ``splits/``, ``videos/``; see
    ``docs/synthetic_world.md``).

    Every clip is one actor doing one class once, filmed by a camera of
    its own (its own room, distance, height and aim), so the person is at
    a different place and size in every clip. Frames are 320 x 240, the
    size of every JHMDB frame (the readers check it).

    Args:
        name (str): Preset name.
        classes (tuple): JHMDB class names, each one of
            :data:`JHMDB_WORLD_CLASS_NAMES`.
        videos_per_class (int): Clips per class; clip ``i`` of the
            ``c``-th class is performed by actor ``(i + c) % num_actors +
            1``, so every actor performs every class when
            ``videos_per_class >= num_actors``.
        num_actors (int): Actors (performers with a fixed body and
            clothes).
        test_actors (int): Actors of the test side of each of the 3
            splits (three different sets, drawn from the seed).
        action_frames (int): Nominal action length (frames) at speed 1
            (times the class's duration factor).
        frames_range (tuple): Bounds of a clip's length (frames).
        idle_frames (tuple): Idle frames before and after the action.
        fps (float): Frame rate of the ``videos/`` files.
        rgb_fov (float): Horizontal field of view (degrees).
        rgb_supersample (int): Supersampling of the renderer.
        camera_distance (tuple): Range of the camera's horizontal distance
            to the actor's spot (m): the person's size in the frame.
        camera_height (tuple): Range of the camera height (m).
        aim_height (tuple): Range of the height (m) of the point the
            camera looks at, above the actor's spot: the person's vertical
            place in the frame.
        lateral (float): The camera looks this fraction of the half-width
            of its view (at the actor's distance) beside the actor, at
            most (uniform in ``[-lateral, lateral]``): the person's
            horizontal place in the frame.
        facing_range (float): The actor faces uniformly within this many
            degrees of the camera (0: towards it).
        camera_shift (int): The view drifts by up to this many pixels
            (each axis, linearly over the clip, a different drift per
            clip): a slightly moving camera; 0 keeps it still.
        clutter (float): Room clutter in [0, 1] (posters, texture).
        light_gain (tuple): Per-clip light level range.
        flicker (float): Relative amplitude of slow light changes.
        rgb_noise (float): Colour noise standard deviation.
        speed_range (tuple): Per-clip speed factor.
        amplitude_range (tuple): Per-clip amplitude factor.
        motion_amp_jitter (float): Extra amplitude variation per motion.
        cycle_jitter (int): Repetitive motions (3 or more cycles) repeat
            up to this many times more or fewer.
        posture_std (float): Standard deviation (radians) of a clip's
            constant posture offsets.
        body_height (tuple): Actor height range (m).
        proportion_std (float): Segment length variation.
        girth (tuple): Range of the factor on limb thickness.
        short_masks (int): Clips whose ``puppet_mask.mat`` lacks the last
            frame (as some real clips do), drawn from the seed.
        appledouble (bool): Also write macOS ``.AppleDouble`` resource
            forks (741 bytes) in one clip's folders, as some real copies
            have; readers must ignore them.
    """

    name: str
    classes: Tuple[str, ...] = JHMDB_WORLD_CLASS_NAMES
    videos_per_class: int = 12
    num_actors: int = 10
    test_actors: int = 3
    action_frames: int = 28
    frames_range: Tuple[int, int] = (15, 40)
    idle_frames: Tuple[int, int] = (0, 3)
    fps: float = 30.0
    rgb_fov: float = 60.0
    rgb_supersample: int = 2
    camera_distance: Tuple[float, float] = (2.2, 6.0)
    camera_height: Tuple[float, float] = (0.8, 1.8)
    aim_height: Tuple[float, float] = (0.5, 1.3)
    lateral: float = 0.55
    facing_range: float = 100.0
    camera_shift: int = 6
    clutter: float = 0.3
    light_gain: Tuple[float, float] = (0.75, 1.15)
    flicker: float = 0.03
    rgb_noise: float = 0.01
    speed_range: Tuple[float, float] = (0.8, 1.25)
    amplitude_range: Tuple[float, float] = (0.85, 1.15)
    motion_amp_jitter: float = 0.1
    cycle_jitter: int = 1
    posture_std: float = 0.06
    body_height: Tuple[float, float] = (1.55, 1.9)
    proportion_std: float = 0.04
    girth: Tuple[float, float] = (0.85, 1.2)
    short_masks: int = 1
    appledouble: bool = True

    def __post_init__(self):
        for key, (low, high, closed) in JHMDB_BOUNDS.items():
            problem = _out_of_bounds(key, getattr(self, key), low, high,
                                     closed)
            if problem:
                raise ValueError(f'preset {self.name!r}: {problem}')
        unknown = [c for c in self.classes
                   if c not in JHMDB_WORLD_CLASS_NAMES]
        num_videos = len(self.classes) * self.videos_per_class
        checks = (
            (not unknown, f'unknown classes {unknown}; known: '
             + ', '.join(JHMDB_WORLD_CLASS_NAMES)),
            (len(set(self.classes)) == len(self.classes) >= 1,
             'classes must be distinct and at least one'),
            (self.num_actors >= 2, 'num_actors must be >= 2'),
            (self.videos_per_class >= self.num_actors,
             'videos_per_class must be >= num_actors (every actor performs '
             'every class, so every split has train and test clips of '
             'every class)'),
            (1 <= self.test_actors < self.num_actors,
             'test_actors must be in [1, num_actors - 1]'),
            (math.comb(self.num_actors, self.test_actors) >= 3,
             'num_actors and test_actors must allow 3 different test sets'),
            (0 <= self.short_masks <= num_videos,
             f'short_masks must be in [0, {num_videos}] (the clips)'),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f'preset {self.name!r}: {message}')

    @property
    def num_videos(self) -> int:
        """Number of clips the preset writes."""
        return len(self.classes) * self.videos_per_class

    def to_dict(self) -> dict:
        """JSON-friendly form (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in (getattr(self, f.name), )}


#: Allowed values of the numeric JHMDB parameters (as :data:`BOUNDS`).
JHMDB_BOUNDS: Dict[str, Tuple[Optional[float], Optional[float], bool]] = {
    **{k: BOUNDS[k] for k in (
        'idle_frames', 'fps', 'rgb_fov', 'rgb_supersample', 'speed_range',
        'amplitude_range', 'motion_amp_jitter', 'cycle_jitter',
        'posture_std', 'camera_height', 'clutter', 'light_gain', 'flicker',
        'rgb_noise', 'body_height', 'proportion_std', 'girth')},
    'videos_per_class': (1, None, True),
    'num_actors': (2, 99, True),
    'action_frames': (2, None, True),
    'frames_range': (2, None, True),
    'camera_distance': (1, 20, True),
    'aim_height': (0, 3, True),
    'lateral': (0, 1, True),
    'facing_range': (0, 180, True),
    'camera_shift': (0, 64, True),
}


#: Any preset class (:class:`~.indoor.IndoorPreset`: the NYUD2-format
#: indoor world of :mod:`.indoor`).
AnyPreset = Union[WorldPreset, SmarthomePreset, JhmdbPreset, IndoorPreset]

PRESETS: Dict[str, AnyPreset] = {
    # Unit tests: seconds. K=3 includes a two-person class (A003).
    'tiny': WorldPreset(
        name='tiny', num_classes=3, source_sessions=4, target_sessions=4,
        replications=1, num_setups=4, num_performers=8, action_frames=28,
        frames_range=(32, 40), idle_frames=(2, 4), pku_sequences=2,
        pku_instances=(3, 3), pku_gap_frames=(8, 12)),
    # `make demo`: 3,000 SOURCE and 1,800 TARGET videos, 24 x 3 PKU videos.
    'demo': WorldPreset(name='demo'),
    # Benchmarking: more classes and videos, larger frames, harder.
    'full': WorldPreset(
        name='full', num_classes=20, source_sessions=80,
        target_sessions=60, action_frames=60, frames_range=(48, 96),
        idle_frames=(2, 12), depth_size=(128, 106), rgb_size=(192, 108),
        speed_range=(0.7, 1.4), amplitude_range=(0.75, 1.25),
        motion_amp_jitter=0.15, posture_std=0.1,
        facing_jitter_deg=15.0, spot_jitter=0.25,
        camera_distance=(2.6, 3.6), camera_height=(0.7, 1.6), clutter=0.3,
        light_gain=(0.6, 1.2), rgb_noise=0.03, depth_noise_mm=6.0,
        depth_holes=0.02, skeleton_jitter=0.02, skeleton_drift=0.06,
        proportion_std=0.06,
        pku_sequences=60, pku_instances=(6, 10)),
    # Toyota Smarthome format: 13 classes x 18 subjects x 3 routines x 3
    # of 7 cameras = 2,106 clips (OUT/smarthome).
    'smarthome': SmarthomePreset(name='smarthome'),
    # Unit tests: seconds. Two groups (drink: object; eat: wrist motion),
    # 4 subjects (2 and 10 test, 3 and 4 train) x 2 routines, small clips.
    'smarthome_unit': SmarthomePreset(
        name='smarthome_unit',
        classes=('Drink.Fromcup', 'Drink.Fromglass', 'Eat.Snack',
                 'Takepills'),
        subjects=(2, 3, 4, 10), routines=2, action_frames=32,
        frames_range=(32, 40), idle_frames=(2, 4), rgb_size=(128, 96)),
}

#: The JHMDB-format presets, kept apart from :data:`PRESETS` (as the
#: NYUD2-format ones, :data:`~.indoor.INDOOR_PRESETS`): both have their
#: own preset class and writer. :func:`get_preset`, :func:`custom_preset`,
#: :func:`~.generate.generate_world` and ``tools/data/synthesize.py``
#: know all of them (:func:`all_presets`).
JHMDB_PRESETS: Dict[str, JhmdbPreset] = {
    # 10 classes x 12 clips of 15-40 frames at 320x240 (OUT/Rename_Images,
    # joint_positions, puppet_mask, splits, videos).
    'jhmdb': JhmdbPreset(name='jhmdb'),
    # Unit tests: 2 classes x 3 clips (3 actors) of 10-12 frames.
    'jhmdb_unit': JhmdbPreset(
        name='jhmdb_unit', classes=('clap', 'walk'), videos_per_class=3,
        num_actors=3, test_actors=1, action_frames=11, frames_range=(10, 12),
        idle_frames=(0, 1)),
}


def all_presets() -> Dict[str, AnyPreset]:
    """Every named preset: :data:`PRESETS` (NTU / PKU-MMD and Toyota
    Smarthome formats), :data:`JHMDB_PRESETS` and
    :data:`~.indoor.INDOOR_PRESETS` (NYUD2 format), in that order."""
    return {**PRESETS, **JHMDB_PRESETS, **INDOOR_PRESETS}


def preset_names() -> Tuple[str, ...]:
    """The names of :func:`all_presets`, sorted within each family (what
    ``synthesize.py --preset`` accepts and error messages list)."""
    return tuple(sorted(PRESETS) + sorted(JHMDB_PRESETS) +
                 sorted(INDOOR_PRESETS))


def get_preset(preset: Union[str, AnyPreset], **overrides) -> AnyPreset:
    """Look up a preset by name (or pass one through) and override fields.

    Args:
        preset (str | WorldPreset | SmarthomePreset | JhmdbPreset |
            IndoorPreset): A name of :func:`all_presets` (:data:`PRESETS`,
            :data:`JHMDB_PRESETS` or :data:`~.indoor.INDOOR_PRESETS`), or
            a preset.
        **overrides: Fields to replace.

    Returns:
        WorldPreset | SmarthomePreset | JhmdbPreset | IndoorPreset: The
        preset.
    """
    if isinstance(preset, str):
        known = all_presets()
        if preset not in known:
            raise ValueError(f'unknown preset {preset!r}; choose one of: '
                             + ', '.join(preset_names()))
        preset = known[preset]
    return replace(preset, **overrides) if overrides else preset


#: The fields of :class:`WorldPreset` that describe the world (all but its
#: name), which ``--set`` and ``custom_preset`` may change.
PARAMETERS = tuple(sorted(f.name for f in fields(WorldPreset)
                          if f.name != 'name'))
#: The same for :class:`SmarthomePreset`.
SMARTHOME_PARAMETERS = tuple(sorted(f.name for f in fields(SmarthomePreset)
                                    if f.name != 'name'))
#: The same for :class:`JhmdbPreset`.
JHMDB_PARAMETERS = tuple(sorted(f.name for f in fields(JhmdbPreset)
                                if f.name != 'name'))
#: The same for :class:`~.indoor.IndoorPreset`.
INDOOR_PARAMETERS = tuple(sorted(f.name for f in fields(IndoorPreset)
                                 if f.name != 'name'))


def parameters_of(kind: type = WorldPreset) -> Tuple[str, ...]:
    """The world parameters of a preset class (:data:`PARAMETERS`,
    :data:`SMARTHOME_PARAMETERS`, :data:`JHMDB_PARAMETERS` or
    :data:`INDOOR_PARAMETERS`)."""
    return {
        JhmdbPreset: JHMDB_PARAMETERS,
        SmarthomePreset: SMARTHOME_PARAMETERS,
        IndoorPreset: INDOOR_PARAMETERS,
    }.get(kind, PARAMETERS)


def parameter_type(key: str, kind: type = WorldPreset) -> type:
    """The annotated type of a world parameter (e.g. ``Tuple[float, float]``).

    Args:
        key (str): The parameter.
        kind (type): The preset class. Defaults to :class:`WorldPreset`.

    Raises:
        KeyError: for a name that is not a parameter of ``kind``.
    """
    if key not in parameters_of(kind):
        raise KeyError(key)
    return typing.get_type_hints(kind)[key]


def coerce_parameter(key: str, value, kind: type = WorldPreset) -> object:
    """A parameter value in its field's type: a sequence (of numbers or
    strings) becomes a tuple of the element type, anything else is passed
    to the type (``float('0.2')``, ``int(2.0)``).

    Raises:
        KeyError: for an unknown parameter.
        ValueError: for a value that does not convert.
    """
    kind = parameter_type(key, kind)
    expected = _expected(key, kind)
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        items = (value if isinstance(value, (list, tuple)) else
                 str(value).split(',') if isinstance(value, str) else
                 [value])
        if args[-1] is not Ellipsis and len(items) != len(args):
            shown = ','.join(str(v) for v in items)
            raise ValueError(f'{key}={shown}: expected {expected}, got '
                             f'{len(items)} value(s)')
        values = [_convert(args[0], v) for v in items]
        if any(v is None for v in values):
            shown = ','.join(str(v) for v in items)
            raise ValueError(f'{key}={shown}: expected {expected}')
        return tuple(values)
    converted = _convert(kind, value)
    if converted is None:
        raise ValueError(f'{key}={value!r}: expected {expected}')
    return converted


def _convert(kind: type, value):
    """``value`` as a ``kind`` (an int only from a whole number), or None."""
    try:
        if kind is bool:
            text = str(value).strip().lower()
            if text in ('1', 'true', 'yes'):
                return True
            return False if text in ('0', 'false', 'no') else None
        if kind is int:
            number = float(value)
            return int(number) if number.is_integer() else None
        if kind is float and isinstance(value, bool):
            return None
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _expected(key: str, kind: type) -> str:
    """What a parameter takes, in words (for messages)."""
    if typing.get_origin(kind) is tuple:
        args = typing.get_args(kind)
        elem = ('integers' if args[0] is int else
                'names' if args[0] is str else 'numbers')
        if args[-1] is Ellipsis:
            return f'a comma-separated list of {elem}'
        if key in SIZES:
            return (f'2 {elem} width,height (e.g. {key}='
                    f"{_SIZE_EXAMPLES.get(key, '64,53')})")
        example = '2,4' if args[0] is int else '2.8,3.3'
        return f'2 {elem} min,max (e.g. {key}={example})'
    if kind is bool:
        return 'true or false'
    return 'an integer' if kind is int else 'a number'


def custom_preset(preset: Union[str, AnyPreset],
                  overrides: Mapping[str, object]) -> AnyPreset:
    """A preset with some physical parameters changed, named ``<name>-custom``.

    This is what ``tools/data/synthesize.py --set`` and a pipeline's
    ``prepare`` step build, so both hash (and name) the same world alike.
    Values take their field's type (:func:`coerce_parameter`).

    Args:
        preset (str | WorldPreset | SmarthomePreset | JhmdbPreset |
            IndoorPreset): A name of :func:`all_presets`, or a preset.
        overrides (Mapping): Field -> value (a field of the preset's
            class); empty returns the preset as it is.

    Raises:
        ValueError: naming an unknown field, or a value of the wrong shape.
    """
    base = get_preset(preset)
    if not overrides:
        return base
    known = parameters_of(type(base))
    typed = {}
    for key, value in overrides.items():
        if key not in known:
            raise ValueError(f'unknown world parameter {key!r}; known: '
                             + ', '.join(known))
        try:
            typed[key] = coerce_parameter(key, value, type(base))
        except ValueError as e:
            raise ValueError(f'world parameter {e}') from None
    return replace(base, name=f'{base.name}-custom', **typed)
