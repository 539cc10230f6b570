# Copyright (c) fsat contributors. All rights reserved.
"""The 25-joint body of the synthetic world: joints, bones, shape and FK.

Coordinates follow the Kinect v2 camera-space conventions that NTU RGB+D
uses: right-handed, metres, ``y`` up. In the *body frame* ``x`` points to
the person's left, ``y`` up and ``z`` forward (``cross(left, up) ==
forward``). The rest pose stands upright with the arms hanging down.

Forward kinematics: every joint ``j`` has a frame ``G[j] = G[parent] @
L[j]`` where ``L[j]`` is its local rotation, and a position ``p[j] =
p[parent] + G[parent] @ offset[j]``; the local rotation of a joint
therefore turns the segments of its *children*.
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

#: Joint names in NTU / Kinect v2 ``JointType`` order (0-based indices).
JOINT_NAMES = (
    'SpineBase', 'SpineMid', 'Neck', 'Head', 'ShoulderLeft', 'ElbowLeft',
    'WristLeft', 'HandLeft', 'ShoulderRight', 'ElbowRight', 'WristRight',
    'HandRight', 'HipLeft', 'KneeLeft', 'AnkleLeft', 'FootLeft', 'HipRight',
    'KneeRight', 'AnkleRight', 'FootRight', 'SpineShoulder', 'HandTipLeft',
    'ThumbLeft', 'HandTipRight', 'ThumbRight')
NUM_JOINTS = 25
J = {name: i for i, name in enumerate(JOINT_NAMES)}

#: NTU bone list, 1-based (child, parent) pairs as in the NTU graph of
#: 2s-AGCN / mmaction2 (see ``docs/synthetic_world.md``).
NTU_BONES_1BASED = (
    (1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7),
    (9, 21), (10, 9), (11, 10), (12, 11), (13, 1), (14, 13), (15, 14),
    (16, 15), (17, 1), (18, 17), (19, 18), (20, 19), (22, 23), (23, 8),
    (24, 25), (25, 12))
#: The same bones, 0-based.
NTU_BONES = tuple((c - 1, p - 1) for c, p in NTU_BONES_1BASED)

#: Kinematic parents (0-based, -1 for the root) of the official MATLAB
#: drawing code ``[2 1 21 3 21 5 6 7 21 9 10 11 1 13 14 15 1 17 18 19 2
#: 8 8 12 12]`` with the root's self-loop removed.
PARENTS = (-1, 0, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12, 13, 14, 0, 16,
           17, 18, 1, 7, 7, 11, 11)

#: Evaluation order of the kinematic tree (parents before children).
FK_ORDER = (0, 1, 20, 2, 3, 4, 5, 6, 7, 21, 22, 8, 9, 10, 11, 23, 24, 12,
            13, 14, 15, 16, 17, 18, 19)

#: Degrees of freedom (radians, metres) driven by the motion primitives.
#: ``_l`` / ``_r`` DOFs are mirror-symmetric: a positive value moves the
#: left and the right limb the same way (e.g. ``sh_abd`` lifts the arm
#: sideways away from the body on either side).
SIDE_DOFS = ('sh_flex', 'sh_abd', 'sh_horiz', 'sh_twist', 'el_flex',
             'wr_flex', 'hip_flex', 'hip_abd', 'knee_flex', 'ank_flex')
CENTRE_DOFS = ('yaw', 'pelvis_flex', 'pelvis_lat', 'spine_flex',
               'spine_lat', 'spine_yaw', 'chest_flex', 'chest_yaw',
               'neck_flex', 'neck_lat', 'neck_yaw', 'root_x', 'root_z',
               'lift')
DOF_NAMES = CENTRE_DOFS + tuple(
    f'{d}_{s}' for s in 'lr' for d in SIDE_DOFS)

#: Relaxed standing pose (everything else is 0).
REST_POSE = {
    'sh_abd_l': 0.12, 'sh_abd_r': 0.12, 'el_flex_l': 0.2, 'el_flex_r': 0.2,
    'hip_abd_l': 0.03, 'hip_abd_r': 0.03, 'knee_flex_l': 0.04,
    'knee_flex_r': 0.04,
}

# Nominal offsets of each joint from its kinematic parent in the body frame
# of a 1.75 m person (x left, y up, z forward), before shape scaling.
_OFFSETS = {
    'SpineMid': (0.0, 0.25, -0.01), 'SpineShoulder': (0.0, 0.24, 0.0),
    'Neck': (0.0, 0.07, 0.01), 'Head': (0.0, 0.13, 0.02),
    'ShoulderLeft': (0.18, -0.03, 0.0), 'ElbowLeft': (0.0, -0.28, 0.0),
    'WristLeft': (0.0, -0.25, 0.0), 'HandLeft': (0.0, -0.07, 0.0),
    'HandTipLeft': (0.0, -0.08, 0.0), 'ThumbLeft': (-0.01, -0.035, 0.03),
    'HipLeft': (0.09, -0.03, 0.0), 'KneeLeft': (0.0, -0.42, 0.0),
    'AnkleLeft': (0.0, -0.41, 0.0), 'FootLeft': (0.0, -0.05, 0.13),
}
#: Height of the ankle joint above the sole, metres at scale 1.
ANKLE_HEIGHT = 0.07
#: Height of the foot joint above the floor, metres at scale 1.
FOOT_HEIGHT = 0.035

# Segment groups whose lengths vary together within one person.
_SEGMENT_GROUP = {
    'SpineMid': 'torso', 'SpineShoulder': 'torso', 'Neck': 'torso',
    'Head': 'torso', 'ShoulderLeft': 'shoulders', 'HipLeft': 'hips',
    'ElbowLeft': 'upper_arm', 'WristLeft': 'forearm', 'HandLeft': 'hand',
    'HandTipLeft': 'hand', 'ThumbLeft': 'hand', 'KneeLeft': 'thigh',
    'AnkleLeft': 'shin', 'FootLeft': 'foot',
}
SEGMENT_GROUPS = ('torso', 'shoulders', 'hips', 'upper_arm', 'forearm',
                  'hand', 'thigh', 'shin', 'foot')

# Parts of the body surface: the index is the part id used by the renderer.
PARTS = ('skin', 'shirt', 'trousers', 'shoes', 'hair')

# Capsules (joint a, joint b, radius at a, radius at b, part) of one body,
# radii in metres at girth 1. A capsule with a == b is a sphere.
_CAPSULES = (
    ('SpineBase', 'SpineShoulder', 0.115, 0.125, 'shirt'),
    ('HipLeft', 'ShoulderLeft', 0.085, 0.075, 'shirt'),
    ('HipRight', 'ShoulderRight', 0.085, 0.075, 'shirt'),
    ('HipLeft', 'HipRight', 0.095, 0.095, 'trousers'),
    ('SpineShoulder', 'Neck', 0.05, 0.045, 'skin'),
    ('Head', 'Head', 0.1, 0.1, 'skin'),
    ('ShoulderLeft', 'ElbowLeft', 0.055, 0.045, 'shirt'),
    ('ElbowLeft', 'WristLeft', 0.04, 0.033, 'skin'),
    ('WristLeft', 'HandTipLeft', 0.035, 0.03, 'skin'),
    ('HandLeft', 'ThumbLeft', 0.02, 0.016, 'skin'),
    ('ShoulderRight', 'ElbowRight', 0.055, 0.045, 'shirt'),
    ('ElbowRight', 'WristRight', 0.04, 0.033, 'skin'),
    ('WristRight', 'HandTipRight', 0.035, 0.03, 'skin'),
    ('HandRight', 'ThumbRight', 0.02, 0.016, 'skin'),
    ('HipLeft', 'KneeLeft', 0.08, 0.06, 'trousers'),
    ('KneeLeft', 'AnkleLeft', 0.058, 0.045, 'trousers'),
    ('AnkleLeft', 'FootLeft', 0.045, 0.04, 'shoes'),
    ('HipRight', 'KneeRight', 0.08, 0.06, 'trousers'),
    ('KneeRight', 'AnkleRight', 0.058, 0.045, 'trousers'),
    ('AnkleRight', 'FootRight', 0.045, 0.04, 'shoes'),
)


@dataclass(frozen=True)
class BodyShape:
    """Proportions and appearance of one performer.

    Args:
        scale (float): Body height divided by 1.75 m.
        segments (dict): Length factor per segment group (about 1).
        girth (float): Factor on all capsule radii.
        colours (dict): Linear RGB albedo in [0, 1] per part name.
    """

    scale: float
    segments: Dict[str, float]
    girth: float
    colours: Dict[str, Tuple[float, float, float]]

    @property
    def height(self) -> float:
        """Approximate standing height in metres."""
        return 1.75 * self.scale


def _mirror(name: str) -> str:
    return name.replace('Left', 'Right')


def joint_offsets(shape: BodyShape) -> np.ndarray:
    """Offsets of every joint from its kinematic parent (body frame).

    Args:
        shape (BodyShape): The performer.

    Returns:
        np.ndarray: [25, 3] offsets in metres; row 0 (root) is zero.
    """
    offsets = np.zeros((NUM_JOINTS, 3))
    for name, off in _OFFSETS.items():
        factor = shape.scale * shape.segments[_SEGMENT_GROUP[name]]
        offsets[J[name]] = np.asarray(off) * factor
        if 'Left' in name:
            offsets[J[_mirror(name)]] = offsets[J[name]] * (-1.0, 1.0, 1.0)
    return offsets


def capsules(shape: BodyShape) -> List[Tuple[int, int, float, float, int]]:
    """Capsules that make up the body surface.

    Args:
        shape (BodyShape): The performer.

    Returns:
        list: ``(joint_a, joint_b, radius_a, radius_b, part_id)`` tuples;
        radii in metres. The head also gets a hair sphere, see
        :func:`surface_spheres`.
    """
    k = shape.scale * shape.girth
    return [(J[a], J[b], ra * k, rb * k, PARTS.index(part))
            for a, b, ra, rb, part in _CAPSULES]


def joint_radii(shape: BodyShape) -> np.ndarray:
    """Body thickness at each joint: the largest radius (metres) of the
    capsules that end there, [25]. A joint lies on capsule axes, hence
    this far behind the visible surface."""
    radii = np.full(NUM_JOINTS, 0.02 * shape.scale)
    caps = capsules(shape)
    for a, b, ra, rb, _ in caps:
        radii[a] = max(radii[a], ra)
        radii[b] = max(radii[b], rb)
    # SpineMid lies inside the trunk capsule (the first one).
    radii[J['SpineMid']] = max(caps[0][2], caps[0][3])
    return radii


def rot_x(a: np.ndarray) -> np.ndarray:
    """Rotations about x. ``a``: [T] radians -> [T, 3, 3]."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([o, z, z, z, c, -s, z, s, c], -1).reshape(-1, 3, 3)


def rot_y(a: np.ndarray) -> np.ndarray:
    """Rotations about y. ``a``: [T] radians -> [T, 3, 3]."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([c, z, s, z, o, z, -s, z, c], -1).reshape(-1, 3, 3)


def rot_z(a: np.ndarray) -> np.ndarray:
    """Rotations about z. ``a``: [T] radians -> [T, 3, 3]."""
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([c, -s, z, s, c, z, z, z, o], -1).reshape(-1, 3, 3)


_MIRROR = np.diag([-1.0, 1.0, 1.0])


def _side_rotations(d: Dict[str, np.ndarray], s: str) -> dict:
    """Local rotations of one side's limb joints (left-side formulas)."""
    rots = {
        'shoulder': (rot_y(d[f'sh_horiz_{s}']) @ rot_x(-d[f'sh_flex_{s}'])
                     @ rot_z(d[f'sh_abd_{s}']) @ rot_y(d[f'sh_twist_{s}'])),
        'elbow': rot_x(-d[f'el_flex_{s}']),
        'wrist': rot_x(-d[f'wr_flex_{s}']),
        'hip': rot_x(-d[f'hip_flex_{s}']) @ rot_z(d[f'hip_abd_{s}']),
        'knee': rot_x(d[f'knee_flex_{s}']),
        'ankle': rot_x(-d[f'ank_flex_{s}']),
    }
    if s == 'r':  # the right side is the mirror image of the left side
        rots = {k: _MIRROR @ v @ _MIRROR for k, v in rots.items()}
    return rots


def local_rotations(dofs: Dict[str, np.ndarray]) -> np.ndarray:
    """Local joint rotations from DOF trajectories.

    Args:
        dofs (dict): Every name of :data:`DOF_NAMES` -> [T] array.

    Returns:
        np.ndarray: [T, 25, 3, 3] local rotations ``L[j]``.
    """
    T = len(dofs['yaw'])
    L = np.tile(np.eye(3), (T, NUM_JOINTS, 1, 1))
    pelvis = rot_x(dofs['pelvis_flex']) @ rot_z(dofs['pelvis_lat'])
    L[:, J['SpineBase']] = rot_y(dofs['yaw']) @ pelvis
    L[:, J['SpineMid']] = (rot_y(dofs['spine_yaw'])
                           @ rot_x(dofs['spine_flex'])
                           @ rot_z(dofs['spine_lat']))
    L[:, J['SpineShoulder']] = (rot_y(dofs['chest_yaw'])
                                @ rot_x(dofs['chest_flex']))
    L[:, J['Neck']] = (rot_y(dofs['neck_yaw']) @ rot_x(dofs['neck_flex'])
                       @ rot_z(dofs['neck_lat']))
    # Legs do not follow the pelvis tilt (a bow keeps the legs upright).
    unpelvis = np.swapaxes(pelvis, -1, -2)
    for s, side in (('l', 'Left'), ('r', 'Right')):
        r = _side_rotations(dofs, s)
        L[:, J[f'Shoulder{side}']] = r['shoulder']
        L[:, J[f'Elbow{side}']] = r['elbow']
        L[:, J[f'Wrist{side}']] = r['wrist']
        L[:, J[f'Hip{side}']] = unpelvis @ r['hip']
        L[:, J[f'Knee{side}']] = r['knee']
        L[:, J[f'Ankle{side}']] = r['ankle']
    return L


def forward_kinematics(shape: BodyShape, dofs: Dict[str, np.ndarray],
                       place_yaw: float = 0.0,
                       place_pos: Tuple[float, float, float] = (0., 0., 0.),
                       ground: bool = True
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """Joint positions and frames of one body over time, in world space.

    Args:
        shape (BodyShape): The performer.
        dofs (dict): DOF trajectories, every name of :data:`DOF_NAMES`.
        place_yaw (float): Facing of the body frame in the world (radians,
            0 faces world +z, positive turns towards world +x).
        place_pos (tuple): World position of the standing spot (x, 0, z).
        ground (bool): Shift each frame vertically so that the lowest foot
            touches the floor ``y = 0``; the ``lift`` DOF (jumps) is added
            afterwards. Defaults to True.

    Returns:
        tuple: joints [T, 25, 3] (metres) and frames [T, 25, 3, 3].
    """
    T = len(dofs['yaw'])
    L = local_rotations(dofs)
    offsets = joint_offsets(shape)
    place = rot_y(np.full(1, place_yaw))[0]
    G = np.empty((T, NUM_JOINTS, 3, 3))
    P = np.empty((T, NUM_JOINTS, 3))
    root = np.stack([dofs['root_x'], np.zeros(T), dofs['root_z']], -1)
    G[:, 0] = place @ L[:, 0]
    P[:, 0] = root @ place.T + np.asarray(place_pos)
    for j in FK_ORDER[1:]:
        p = PARENTS[j]
        G[:, j] = G[:, p] @ L[:, j]
        P[:, j] = P[:, p] + G[:, p] @ offsets[j]
    if ground:
        k = shape.scale
        support = np.min(np.stack([
            P[:, J['AnkleLeft'], 1] - ANKLE_HEIGHT * k,
            P[:, J['AnkleRight'], 1] - ANKLE_HEIGHT * k,
            P[:, J['FootLeft'], 1] - FOOT_HEIGHT * k,
            P[:, J['FootRight'], 1] - FOOT_HEIGHT * k], -1), -1)
        P[:, :, 1] -= support[:, None]
    P[:, :, 1] += dofs['lift'][:, None]
    return P, G
