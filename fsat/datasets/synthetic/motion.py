# Copyright (c) fsat contributors. All rights reserved.
"""Motion primitives: shared building blocks of every action class.

A primitive maps the normalised time ``w`` in [0, 1] of its time window to
*additive* DOF offsets (see :data:`~.body.DOF_NAMES`). Every primitive is
0 at ``w = 0`` and ``w = 1``, so actions start and end in the rest pose
and can be chained inside long sequences without jumps.

A :class:`Motion` applies a primitive to a side:

* ``'l'`` / ``'r'``: one limb (DOFs with suffix ``_l`` / ``_r``);
* ``'both'``: both limbs in phase; ``'alt'``: both limbs, the right one
  half a cycle later;
* ``'none'``: a primitive of the trunk, head or whole body.

Amplitudes, cycles, phases and the time window are physical parameters;
per-sample variation (speed, amplitude, phase) is drawn by the caller.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

import numpy as np

Dofs = Dict[str, np.ndarray]


@dataclass(frozen=True)
class Motion:
    """One use of a motion primitive inside an action.

    Args:
        primitive (str): Name of a primitive in :data:`PRIMITIVES`.
        side (str): ``'l'``, ``'r'``, ``'both'``, ``'alt'`` or ``'none'``.
        amp (float): Amplitude factor (1 = the primitive's nominal range).
        cycles (float): Repetitions inside the time window.
        start (float): Start of the window, fraction of the action time.
        end (float): End of the window, fraction of the action time.
        params (tuple): Extra ``(key, value)`` pairs of the primitive,
            e.g. ``(('height', 2.0),)``.
    """

    primitive: str
    side: str = 'none'
    amp: float = 1.0
    cycles: float = 1.0
    start: float = 0.0
    end: float = 1.0
    params: Tuple[Tuple[str, float], ...] = ()


# ---------------------------------------------------------------- profiles
def smooth(x: np.ndarray) -> np.ndarray:
    """Smoothstep of ``x`` clipped to [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def envelope(w: np.ndarray, ramp: float = 0.15) -> np.ndarray:
    """Fade in over the first and out over the last ``ramp`` of the window.
    """
    return smooth(w / ramp) * smooth((1.0 - w) / ramp)


def hold(w: np.ndarray, cycles: float, up: float = 0.3) -> np.ndarray:
    """``cycles`` repetitions of go-there (``up``), stay, come back."""
    p = np.where(w >= 1.0, 1.0, np.mod(w * cycles, 1.0))
    return smooth(p / up) * smooth((1.0 - p) / up)


def bump(w: np.ndarray, cycles: float) -> np.ndarray:
    """``cycles`` smooth 0 -> 1 -> 0 bumps (``sin^2``)."""
    return np.sin(np.pi * w * cycles) ** 2


def ease(w: np.ndarray, ramp: float = 0.15) -> np.ndarray:
    """0 -> 1 with a trapezoidal velocity profile (constant middle)."""
    w = np.clip(w, 0.0, 1.0)
    mid = w - ramp / 2
    pos = np.where(w < ramp, w * w / (2 * ramp), mid)
    pos = np.where(w > 1 - ramp, 1 - ramp - (1 - w)**2 / (2 * ramp), pos)
    return pos / (1.0 - ramp)


def strike(w: np.ndarray, cycles: float) -> np.ndarray:
    """Fast extension, short hold, slower return, ``cycles`` times."""
    p = np.where(w >= 1.0, 1.0, np.mod(w * cycles, 1.0))
    out = np.where(p < 0.3, smooth(p / 0.3), 1.0)
    return np.where(p > 0.55, smooth((1.0 - p) / 0.45), out)


# -------------------------------------------------------------- primitives
# Each primitive: f(w, amp, cycles, phase, sign, params) -> offsets. Limb
# DOFs are given without suffix (e.g. 'sh_flex'); ``sign`` is +1 for the
# left and -1 for the right side (it flips yaw-like trunk offsets).
def _raise_front(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'sh_flex': prm.get('height', 2.7) * amp * h,
            'el_flex': -0.15 * h}


def _raise_side(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'sh_abd': prm.get('height', 2.6) * amp * h,
            'el_flex': -0.15 * h}


def _swing(w, amp, cycles, phase, sign, prm):
    e = envelope(w)
    return {'sh_flex': 0.85 * amp * e * np.sin(
        2 * np.pi * cycles * w + phase)}


def _circle(w, amp, cycles, phase, sign, prm):
    direction = prm.get('direction', 1.0)
    e = envelope(w)
    return {'sh_flex': direction * 2 * np.pi * round(cycles) * ease(w),
            'sh_abd': 0.3 * amp * e, 'el_flex': -0.15 * e}


def _wave(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.2)
    osc = np.sin(2 * np.pi * cycles * w + phase)
    return {'sh_abd': 2.3 * e, 'sh_twist': 1.5 * e,
            'el_flex': e * (0.8 + 0.5 * amp * osc)}


def _thrust(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.12)
    x = strike(w, cycles)
    return {'sh_flex': e * 0.45 + (prm.get('height', 1.45) * amp - 0.45) * x,
            'el_flex': e * 1.9 - 1.95 * x,
            'sh_horiz': -prm.get('inward', 0.15) * x,
            'spine_yaw': -0.12 * sign * x}


def _clap(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.2)
    closed = 0.5 - 0.5 * np.cos(2 * np.pi * cycles * w)
    return {'sh_flex': prm.get('height', 1.3) * e, 'el_flex': 0.45 * e,
            'sh_horiz': e * (0.25 - 0.62 * amp * closed)}


def _kick(w, amp, cycles, phase, sign, prm):
    b = bump(w, cycles)
    s = np.sin(np.pi * w * cycles)
    return {'hip_flex': 1.25 * amp * b,
            'knee_flex': 2.6 * np.abs(s * np.cos(np.pi * w * cycles)),
            'spine_flex': -0.12 * b}


def _kick_back(w, amp, cycles, phase, sign, prm):
    b = bump(w, cycles)
    return {'knee_flex': 2.0 * amp * b, 'hip_flex': -0.15 * b}


def _squat(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'hip_flex_l': 1.5 * amp * h, 'hip_flex_r': 1.5 * amp * h,
            'knee_flex_l': 2.1 * amp * h, 'knee_flex_r': 2.1 * amp * h,
            'ank_flex_l': 0.5 * amp * h, 'ank_flex_r': 0.5 * amp * h,
            'pelvis_flex': 0.35 * amp * h}


def _jump(w, amp, cycles, phase, sign, prm):
    p = np.where(w >= 1.0, 1.0, np.mod(w * cycles, 1.0))
    crouch = np.where(p < 0.3, np.sin(np.pi * p / 0.3)**2, 0.0)
    crouch += np.where(p > 0.7, np.sin(np.pi * (p - 0.7) / 0.3)**2, 0.0)
    air = np.where((p >= 0.3) & (p <= 0.7),
                   np.sin(np.pi * (p - 0.3) / 0.4), 0.0)
    out = {'lift': prm.get('height', 0.22) * amp * air,
           'pelvis_flex': 0.25 * crouch}
    for s in 'lr':
        out[f'knee_flex_{s}'] = 1.0 * crouch + 0.25 * air
        out[f'hip_flex_{s}'] = 0.75 * crouch + 0.1 * air
        out[f'ank_flex_{s}'] = 0.35 * crouch
        out[f'sh_flex_{s}'] = prm.get('arms', 0.9) * air
    return out


def _bow(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'pelvis_flex': 0.95 * amp * h, 'spine_flex': 0.25 * amp * h,
            'neck_flex': 0.2 * h}


def _turn(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles, up=0.35)
    return {'yaw': sign * prm.get('angle', 1.6) * amp * h,
            'neck_yaw': 0.15 * sign * h}


def _walk(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.12)
    out = {}
    for s, off in (('l', 0.0), ('r', np.pi)):
        step = np.maximum(0.0, np.sin(2 * np.pi * cycles * w + off))
        out[f'hip_flex_{s}'] = e * 0.7 * amp * step
        out[f'knee_flex_{s}'] = e * 1.3 * amp * step
        out[f'sh_flex_{s}'] = e * prm.get('arms', 0.4) * np.sin(
            2 * np.pi * cycles * w + off + np.pi)
        out[f'el_flex_{s}'] = e * prm.get('arms', 0.4)
    return out


def _touch_head(w, amp, cycles, phase, sign, prm):
    h = hold(w, 1.0, up=0.25)
    rub = np.sin(2 * np.pi * cycles * w + phase)
    return {'sh_flex': 0.75 * h, 'sh_abd': 1.35 * h, 'sh_twist': 0.9 * h,
            'el_flex': h * (2.45 + 0.12 * amp * rub),
            'neck_lat': 0.1 * sign * h}


def _reach(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'sh_flex': prm.get('height', 1.45) * amp * h,
            'sh_horiz': -prm.get('inward', 0.0) * h,
            'el_flex': (prm.get('bend', 0.0) - 0.15) * h}


def _pump(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.3)
    return {'el_flex': 0.3 * amp * e * np.sin(2 * np.pi * cycles * w)}


def _recoil(w, amp, cycles, phase, sign, prm):
    h = hold(w, 1.0, up=0.3)
    b = bump(w, 1.0)
    return {'root_z': -0.3 * amp * h, 'spine_flex': -0.25 * b,
            'sh_flex_l': 0.5 * b, 'sh_flex_r': 0.5 * b}


def _leg_hold(w, amp, cycles, phase, sign, prm):
    h = hold(w, 1.0, up=0.15)
    return {'knee_flex': 1.5 * amp * h, 'hip_flex': 0.4 * amp * h}


def _nod(w, amp, cycles, phase, sign, prm):
    e = envelope(w, 0.1)
    return {'neck_flex': 0.4 * amp * e * (
        0.5 - 0.5 * np.cos(2 * np.pi * cycles * w))}


def _side_bend(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles)
    return {'spine_lat': 0.45 * amp * sign * h, 'pelvis_lat': 0.1 * sign * h}


#: Primitive name -> (function, continuous?, one-line description).
#: A *continuous* primitive oscillates without pause; its ``'alt'`` variant
#: shifts the right side's phase by half a cycle. A discrete (repeated
#: stroke) primitive's ``'alt'`` variant makes the right side do one stroke
#: less, half a cycle later, so that the strokes alternate.
PRIMITIVES: Dict[str, Tuple[Callable, bool, str]] = {
    'raise_front': (_raise_front, False,
                    'lift the straight arm forward-up, hold, lower'),
    'raise_side': (_raise_side, False,
                   'lift the straight arm sideways-up, hold, lower'),
    'swing': (_swing, True, 'pendulum swing of the arm forward and back'),
    'circle': (_circle, False, 'full arm circles in the sagittal plane'),
    'wave': (_wave, True, 'arm up to the side, the forearm oscillates'),
    'thrust': (_thrust, False,
               'arm extends fast from a guard (punch, push)'),
    'clap': (_clap, True, 'both arms forward, hands meet repeatedly'),
    'kick': (_kick, False, 'leg swings forward with a knee snap'),
    'kick_back': (_kick_back, False, 'heel kicks backwards'),
    'squat': (_squat, False, 'bend hips and knees, lower the body, rise'),
    'jump': (_jump, False, 'crouch, leave the floor, land'),
    'bow': (_bow, False, 'bend the trunk forward at the hips, rise'),
    'turn': (_turn, False, 'turn the whole body about the vertical, return'),
    'walk': (_walk, True, 'march in place with opposite arm swing'),
    'touch_head': (_touch_head, True, 'hand to the side of the head, rub'),
    'reach': (_reach, False, 'straight arm to a target (point, hand over)'),
    'pump': (_pump, True, 'small elbow oscillation (shake, tap)'),
    'recoil': (_recoil, False, 'pushed: lean and step back, return'),
    'leg_hold': (_leg_hold, False, 'hold one foot off the floor'),
    'nod': (_nod, True, 'head down and up'),
    'side_bend': (_side_bend, False, 'bend the trunk sideways, hold'),
}


def apply_motion(dofs: Dofs, motion: Motion, u: np.ndarray,
                 amp: float = 1.0, phase: float = 0.0) -> None:
    """Add a motion's DOF offsets to ``dofs`` in place.

    Args:
        dofs (dict): DOF name -> [T] trajectories (modified in place).
        motion (Motion): The motion.
        u (np.ndarray): [T] normalised action time in [0, 1].
        amp (float): Per-sample amplitude factor. Defaults to 1.
        phase (float): Per-sample phase of continuous oscillations
            (radians). Defaults to 0.
    """
    fn, continuous, _ = PRIMITIVES[motion.primitive]
    span = max(motion.end - motion.start, 1e-6)
    w = np.clip((u - motion.start) / span, 0.0, 1.0)
    prm = dict(motion.params)
    a = motion.amp * amp
    c = motion.cycles
    # (side suffix, window, cycles, phase) per driven side
    if motion.side in ('l', 'r'):
        jobs = [(motion.side, w, c, phase)]
    elif motion.side == 'both':
        jobs = [('l', w, c, phase), ('r', w, c, phase)]
    elif motion.side == 'alt' and continuous:
        jobs = [('l', w, c, phase), ('r', w, c, phase + np.pi)]
    elif motion.side == 'alt':
        s = 0.5 / c
        w_r = np.clip((w - s) / max(1.0 - 2 * s, 1e-6), 0.0, 1.0)
        jobs = [('l', w, c, phase), ('r', w_r, c - 1, phase)]
    else:
        jobs = [('', w, c, phase)]
    for side, w_side, cycles, ph in jobs:
        if cycles <= 0:
            continue
        sign = -1.0 if side == 'r' else 1.0
        for name, value in fn(w_side, a, cycles, ph, sign, prm).items():
            key = name
            if side and name + '_l' in dofs:
                key = f'{name}_{side}'
            dofs[key] = dofs[key] + value
