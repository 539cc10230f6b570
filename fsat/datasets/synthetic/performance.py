# Copyright (c) fsat contributors. All rights reserved.
"""Turn action classes into 3-D body motion: timing, idling, placement.

A *performance* is what the cameras film: one or two bodies moving over
``T`` frames. The same performance is filmed by every camera of a sample
(as in NTU, where the three Kinects record simultaneously).
"""
import math
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .actions import ActionClass
from .body import DOF_NAMES, REST_POSE, BodyShape, forward_kinematics
from .motion import Dofs, Motion, apply_motion

#: Distance (metres) between the two performers of a two-person class.
PAIR_DISTANCE = 1.0


@dataclass
class Performance:
    """Bodies over time, in world space.

    Args:
        joints (list[np.ndarray]): Per body [T, 25, 3] joint positions.
        frames (list[np.ndarray]): Per body [T, 25, 3, 3] joint frames.
        shapes (list[BodyShape]): Per body shape.
    """

    joints: List[np.ndarray]
    frames: List[np.ndarray]
    shapes: List[BodyShape]

    @property
    def num_frames(self) -> int:
        """T."""
        return self.joints[0].shape[0]


@dataclass(frozen=True)
class Instance:
    """One action instance on a timeline.

    Args:
        cls (ActionClass): The class.
        start (int): First frame of the action (0-based).
        length (int): Number of frames of the action.
        amp (float): Amplitude factor of this instance.
        phase (float): Phase of continuous oscillations (radians).
        actor (tuple, optional): This instance's variant of the class's
            actor motions (see :func:`vary_motions`); None uses the
            class's.
        partner (tuple, optional): Same for the partner.
    """

    cls: ActionClass
    start: int
    length: int
    amp: float = 1.0
    phase: float = 0.0
    actor: Optional[Tuple[Motion, ...]] = None
    partner: Optional[Tuple[Motion, ...]] = None


def vary_motions(motions: Sequence[Motion], rng: np.random.Generator,
                 cycle_jitter: int, amp_jitter: float
                 ) -> Tuple[Motion, ...]:
    """How one performer does a class this time: repetitive motions (3 or
    more cycles) repeat ``+-cycle_jitter`` times more or less, and every
    motion's amplitude varies by ``+-amp_jitter`` (relative)."""
    out = []
    for m in motions:
        cycles = m.cycles
        if cycle_jitter and cycles >= 3:
            cycles = max(2, cycles + int(rng.integers(-cycle_jitter,
                                                      cycle_jitter + 1)))
        amp = m.amp * (1.0 + rng.uniform(-amp_jitter, amp_jitter))
        out.append(replace(m, cycles=cycles, amp=float(amp)))
    return tuple(out)


def vary_instance(inst: Instance, rng: np.random.Generator,
                  cycle_jitter: int, amp_jitter: float) -> Instance:
    """An instance with its own motion variant (the partner of a
    symmetric interaction, e.g. a handshake, moves in step)."""
    cls = inst.cls
    actor = vary_motions(cls.actor, rng, cycle_jitter, amp_jitter)
    partner = None
    if cls.partner is not None:
        partner = (actor if cls.partner == cls.actor else vary_motions(
            cls.partner, rng, cycle_jitter, amp_jitter))
    return replace(inst, actor=actor, partner=partner)


def smooth_noise(rng: np.random.Generator, T: int, std: float,
                 knot: int = 12) -> np.ndarray:
    """Slowly varying noise: random knots every ``knot`` frames,
    interpolated and smoothed. Returns [T]."""
    n = T // knot + 3
    values = rng.normal(0.0, std, n)
    x = np.arange(T) / knot
    out = np.interp(x, np.arange(n), values)
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0
    return np.convolve(np.pad(out, 2, mode='edge'), kernel, 'valid')


def idle_dofs(rng: np.random.Generator, T: int, amount: float = 1.0,
              posture_std: float = 0.0) -> Dofs:
    """Rest pose plus a personal posture, postural sway and fidgets.

    Args:
        rng (np.random.Generator): Random stream.
        T (int): Number of frames.
        amount (float): Scale of the idle motion. Defaults to 1.
        posture_std (float): Standard deviation (radians) of constant
            posture offsets (arms, elbows, trunk, head, knees). Defaults
            to 0.

    Returns:
        dict: Every DOF of :data:`~.body.DOF_NAMES` -> [T].
    """
    dofs = {name: np.full(T, REST_POSE.get(name, 0.0)) for name in DOF_NAMES}
    for name, factor in (('sh_abd_l', 1.0), ('sh_abd_r', 1.0),
                         ('sh_flex_l', 1.0), ('sh_flex_r', 1.0),
                         ('el_flex_l', 2.0), ('el_flex_r', 2.0),
                         ('spine_flex', 1.0), ('neck_flex', 1.0),
                         ('hip_abd_l', 0.5), ('hip_abd_r', 0.5)):
        dofs[name] += rng.normal(0.0, posture_std * factor)
    for name in ('knee_flex_l', 'knee_flex_r'):
        dofs[name] += abs(rng.normal(0.0, posture_std))
    t = np.arange(T)
    period = rng.uniform(60, 120)
    phase = rng.uniform(0, 2 * np.pi)
    dofs['root_x'] += amount * 0.012 * np.sin(2 * np.pi * t / period + phase)
    dofs['spine_lat'] += amount * 0.02 * np.sin(2 * np.pi * t / period
                                                + phase)
    for name, std in (('neck_yaw', 0.08), ('neck_flex', 0.04),
                      ('spine_flex', 0.02), ('sh_abd_l', 0.04),
                      ('sh_abd_r', 0.04), ('sh_flex_l', 0.05),
                      ('sh_flex_r', 0.05), ('el_flex_l', 0.08),
                      ('el_flex_r', 0.08), ('yaw', 0.03)):
        dofs[name] += smooth_noise(rng, T, amount * std)
    return dofs


def add_instance(dofs: Dofs, motions: Sequence[Motion], start: int,
                 length: int, amp: float, phase: float) -> None:
    """Add the motions of one action instance to ``dofs`` in place."""
    T = len(dofs['yaw'])
    u = np.clip((np.arange(T) - start) / max(length - 1, 1), 0.0, 1.0)
    for motion in motions:
        apply_motion(dofs, motion, u, amp=amp, phase=phase)


def perform(instances: Sequence[Instance], shapes: Sequence[BodyShape],
            T: int, facing: float, rng: np.random.Generator,
            two_person: bool, spot: Tuple[float, float] = (0.0, 0.0),
            pair_distance: Optional[float] = None,
            posture_std: float = 0.0) -> Performance:
    """Simulate the bodies of a timeline of instances.

    Args:
        instances (list[Instance]): Action instances (one for NTU
            samples, several for PKU-MMD sequences).
        shapes (list[BodyShape]): Shapes of the bodies (2 if
            ``two_person``).
        T (int): Number of frames.
        facing (float): Yaw of the performance's front (radians, 0 faces
            world +z, i.e. camera C001 / view M).
        rng (np.random.Generator): Random stream (idle motion).
        two_person (bool): Whether a second body is present.
        spot (tuple): (x, z) offset of the standing spot (metres).
        pair_distance (float, optional): Distance between the two bodies.
        posture_std (float): See :func:`idle_dofs`. Defaults to 0.

    Returns:
        Performance: The bodies.
    """
    n_bodies = 2 if two_person else 1
    dofs = [idle_dofs(rng, T, posture_std=posture_std)
            for _ in range(n_bodies)]
    for inst in instances:
        add_instance(dofs[0], inst.actor or inst.cls.actor, inst.start,
                     inst.length, inst.amp, inst.phase)
        if two_person and inst.cls.partner is not None:
            add_instance(dofs[1], inst.partner or inst.cls.partner,
                         inst.start, inst.length, inst.amp, inst.phase)
    sx, sz = spot
    if not two_person:
        placements = [(facing, (sx, 0.0, sz))]
    else:
        # Face each other; the pair's axis is across the front direction.
        half = (pair_distance or PAIR_DISTANCE) / 2.0
        ax, az = math.cos(facing), -math.sin(facing)
        placements = [(facing + math.pi / 2, (sx - half * ax, 0.0,
                                              sz - half * az)),
                      (facing - math.pi / 2, (sx + half * ax, 0.0,
                                              sz + half * az))]
    joints, frames = [], []
    for body_dofs, shape, (yaw, pos) in zip(dofs, shapes, placements):
        p, g = forward_kinematics(shape, body_dofs, yaw, pos)
        joints.append(p)
        frames.append(g)
    return Performance(joints, frames, list(shapes[:n_bodies]))


def instance_length(cls: ActionClass, nominal: int, speed: float) -> int:
    """Frames of an instance: the class's nominal length over the speed."""
    return max(8, int(round(nominal * cls.duration / speed)))
