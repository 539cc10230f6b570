# Copyright (c) fsat contributors. All rights reserved.
"""Activities of daily living for the Toyota Smarthome stand-in.

Fine-grained classes come in *groups* that share their gross body motion
and differ only in a small detail at the right hand:

* the **held object** (``Drink.Fromcup`` / ``Drink.Fromglass`` /
  ``Drink.Frombottle``; ``Pour.Frombottle`` / ``Pour.Fromcan``;
  ``Uselaptop`` / ``Usetablet`` / ``Usetelephone``): the same motions,
  another object of a few pixels drawn at the hand (shape, size, colour);
* a **short wrist motion** (``Eat.Snack``: the wrist rocks three times at
  the mouth; ``Takepills``: one quick flick): the wrist joint stays where
  it is, only the hand turns.

The 13 joints of an LCR-Net skeleton include the wrists but no hand, so a
skeleton sees the gross motion of a group but neither its object nor the
wrist flexion. ``Walk``, ``Sitdown`` and ``Getup`` are groups of their
own. Class names are those of the real dataset's 19-class cross-view
subset.

The primitives here are used only by the Smarthome world; the NTU and
PKU-MMD classes of :mod:`.actions` and :data:`.motion.PRIMITIVES` are
left as they are.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from .motion import PRIMITIVES, Dofs, Motion, apply_motion, ease, hold, smooth
from .scene import _hsv

#: The 31 classes of Toyota Smarthome's cross-subject protocol, in the
#: order of the public skeleton code (0-based labels).
SMARTHOME_CLASSES_31 = (
    'Cook.Cleandishes', 'Cook.Cleanup', 'Cook.Cut', 'Cook.Stir',
    'Cook.Usestove', 'Cutbread', 'Drink.Frombottle', 'Drink.Fromcan',
    'Drink.Fromcup', 'Drink.Fromglass', 'Eat.Attable', 'Eat.Snack', 'Enter',
    'Getup', 'Laydown', 'Leave', 'Makecoffee.Pourgrains',
    'Makecoffee.Pourwater', 'Maketea.Boilwater', 'Maketea.Insertteabag',
    'Pour.Frombottle', 'Pour.Fromcan', 'Pour.Fromkettle', 'Readbook',
    'Sitdown', 'Takepills', 'Uselaptop', 'Usetelephone', 'Usetablet', 'Walk',
    'WatchTV')
#: The 19 classes of the cross-view protocols (0-based labels).
SMARTHOME_CLASSES_19 = (
    'Cutbread', 'Drink.Frombottle', 'Drink.Fromcan', 'Drink.Fromcup',
    'Drink.Fromglass', 'Eat.Attable', 'Eat.Snack', 'Enter', 'Getup', 'Leave',
    'Pour.Frombottle', 'Pour.Fromcan', 'Readbook', 'Sitdown', 'Takepills',
    'Uselaptop', 'Usetablet', 'Usetelephone', 'Walk')


# ------------------------------------------------------------ primitives
# Same signature as :mod:`.motion`'s primitives. ``obj_tilt`` is not a
# body DOF: it tilts the held object (radians, top towards the face for
# positive values, away for negative ones).
def _to_mouth(w, amp, cycles, phase, sign, prm):
    h = hold(w, cycles, up=0.25)
    return {'sh_flex': 1.2 * amp * h, 'sh_horiz': -0.4 * h,
            'sh_twist': -0.5 * h, 'el_flex': 2.0 * h,
            'neck_flex': prm.get('head', 0.0) * h,
            'obj_tilt': prm.get('tilt', 0.0) * h}


def _pour(w, amp, cycles, phase, sign, prm):
    h = hold(w, 1.0, up=0.25)
    # the pouring tilt: after reaching forward, tip the container, hold,
    # tip it back
    tilt = hold(np.clip((w - 0.25) / 0.5, 0.0, 1.0), cycles, up=0.3)
    return {'sh_flex_r': 0.9 * amp * h, 'sh_horiz_r': -0.3 * h,
            'el_flex_r': 0.9 * h, 'sh_twist_r': -0.5 * tilt,
            'sh_flex_l': 0.6 * amp * h, 'sh_horiz_l': -0.35 * h,
            'el_flex_l': 1.0 * h, 'neck_flex': 0.25 * h,
            'obj_tilt': -1.5 * tilt}


def _device(w, amp, cycles, phase, sign, prm):
    h = hold(w, 1.0, up=0.2)
    tap = np.sin(2 * np.pi * cycles * w + phase)
    return {'sh_flex_l': 0.3 * amp * h, 'sh_flex_r': 0.3 * amp * h,
            'sh_horiz_l': -0.25 * h, 'sh_horiz_r': -0.25 * h,
            'el_flex_l': 1.4 * h, 'el_flex_r': 1.4 * h,
            'wr_flex_r': 0.15 * h * tap, 'neck_flex': 0.35 * h}


def _wrist_rock(w, amp, cycles, phase, sign, prm):
    return {'wr_flex': 0.55 * amp * smooth(w / 0.15) * smooth(
        (1.0 - w) / 0.15) * np.sin(2 * np.pi * cycles * w)}


def _wrist_flick(w, amp, cycles, phase, sign, prm):
    p = np.clip(w, 0.0, 1.0)
    return {'wr_flex': -0.9 * amp * np.sin(np.pi * p)**2}


def _stride(w, amp, cycles, phase, sign, prm):
    return {'root_z': prm.get('distance', 2.0) * amp * (ease(w) - 0.5)}


def _sit(w, amp, cycles, phase, sign, prm):
    p = 1.0 - w if prm.get('reverse', 0.0) else w
    s = smooth(p / 0.7)  # seated from 70 % of the window on
    lean = np.sin(np.pi * np.clip(p / 0.7, 0.0, 1.0))**2
    out = {'spine_flex': 0.45 * lean + 0.05 * s, 'neck_flex': 0.1 * s}
    for side in 'lr':
        out[f'hip_flex_{side}'] = 1.45 * amp * s
        out[f'knee_flex_{side}'] = 1.55 * amp * s
        out[f'sh_flex_{side}'] = 0.35 * s + 0.4 * lean
        out[f'el_flex_{side}'] = 0.7 * s
    return out


#: Primitive name -> (function, one-line description); only the Smarthome
#: world uses them (with the walk primitive of :data:`.motion.PRIMITIVES`).
HOUSEHOLD_PRIMITIVES = {
    'to_mouth': (_to_mouth, 'right hand to the mouth, hold, lower'),
    'pour': (_pour, 'right hand forward, tip the container, tip back; '
             'the left hand holds a cup below'),
    'device': (_device, 'both forearms forward, head down, the right hand '
               'taps'),
    'wrist_rock': (_wrist_rock, 'the right wrist rocks (flexion)'),
    'wrist_flick': (_wrist_flick, 'one quick flick of the right wrist'),
    'stride': (_stride, 'walk forward across the room (root translation)'),
    'sit': (_sit, 'sit down on a seat (reverse=1: get up)'),
}


def apply_household_motion(dofs: Dofs, motion: Motion, u: np.ndarray,
                           amp: float = 1.0, phase: float = 0.0) -> None:
    """Add a motion's offsets to ``dofs`` in place (sides ``'l'``,
    ``'r'``, ``'none'``); a primitive of :data:`.motion.PRIMITIVES` is
    applied by :func:`.motion.apply_motion`.

    Args:
        dofs (dict): DOF name -> [T] (also ``obj_tilt``), in place.
        motion (Motion): The motion.
        u (np.ndarray): [T] normalised action time.
        amp (float): Per-sample amplitude factor. Defaults to 1.
        phase (float): Per-sample phase (radians). Defaults to 0.
    """
    if motion.primitive in PRIMITIVES:
        apply_motion(dofs, motion, u, amp=amp, phase=phase)
        return
    fn = HOUSEHOLD_PRIMITIVES[motion.primitive][0]
    span = max(motion.end - motion.start, 1e-6)
    w = np.clip((u - motion.start) / span, 0.0, 1.0)
    side = motion.side if motion.side in ('l', 'r') else ''
    sign = -1.0 if side == 'r' else 1.0
    for name, value in fn(w, motion.amp * amp, motion.cycles, phase, sign,
                          dict(motion.params)).items():
        key = f'{name}_{side}' if side and f'{name}_l' in dofs else name
        dofs[key] = dofs[key] + value


# --------------------------------------------------------------- objects
@dataclass(frozen=True)
class HeldObject:
    """A small object drawn at the hand(s).

    Args:
        name (str): Object name.
        grip (str): ``'right'`` (held in the right hand, upright, tilted
            by ``obj_tilt``) or ``'both'`` (between the hands, in the
            trunk's frame).
        capsules (tuple): ``(a, b, radius_a, radius_b, part)`` in metres
            in the grip frame (x left, y up, z forward of the body; for
            ``'right'`` the origin is the hand, for ``'both'`` the midpoint
            of the hands); ``part`` indexes ``palettes``.
        palettes (tuple): Per part the colours it may take: HSV triples
            ``(hue, saturation, value)``, one drawn per clip and jittered.
    """

    name: str
    grip: str
    capsules: Tuple[tuple, ...]
    palettes: Tuple[Tuple[Tuple[float, float, float], ...], ...]


def _upright(height: float, radius: float, part: int = 0,
             base: float = 0.0) -> tuple:
    """A vertical capsule ``height`` tall overall, bottom at ``base``."""
    r = min(radius, height / 2)
    return ((0.0, base + r, 0.0), (0.0, base + height - r, 0.0), r, r, part)


def _slab(width: float, depth: float, thick: float, tilt: float,
          centre: Tuple[float, float, float], part: int = 0) -> tuple:
    """Rods along x that together make a flat box ``width`` x ``depth``
    (metres), tilted by ``tilt`` radians up from horizontal about x (the
    far edge rises)."""
    r = thick / 2
    n = max(1, int(round(depth / thick)))
    rods = []
    for i in range(n):
        d = (i + 0.5) * depth / n - depth / 2
        y = centre[1] + d * np.sin(tilt)
        z = centre[2] + d * np.cos(tilt)
        rods.append(((centre[0] - width / 2 + r, y, z),
                     (centre[0] + width / 2 - r, y, z), r, r, part))
    return tuple(rods)


_BASE = -0.07  # bottom of a held container relative to the hand joint
OBJECTS: Dict[str, HeldObject] = {
    'cup': HeldObject('cup', 'right', (_upright(0.095, 0.042, base=_BASE),),
                      (((0.0, 0.0, 0.95), (0.58, 0.35, 0.9),
                        (0.95, 0.3, 0.9), (0.12, 0.4, 0.9)),)),
    'glass': HeldObject('glass', 'right',
                        (_upright(0.13, 0.03, base=_BASE),),
                        (((0.52, 0.15, 0.85), (0.55, 0.1, 0.75)),)),
    'bottle': HeldObject('bottle', 'right',
                         (_upright(0.2, 0.036, base=_BASE - 0.04),
                          _upright(0.1, 0.014, base=_BASE + 0.14)),
                         (((0.33, 0.7, 0.45), (0.08, 0.75, 0.4),
                           (0.58, 0.6, 0.55)),
                          ((0.33, 0.7, 0.45), (0.08, 0.75, 0.4),
                           (0.58, 0.6, 0.55)))),
    'can': HeldObject('can', 'right', (_upright(0.12, 0.033, base=_BASE),),
                      (((0.0, 0.85, 0.85), (0.6, 0.8, 0.8),
                        (0.15, 0.85, 0.95), (0.0, 0.0, 0.8)),)),
    'laptop': HeldObject(
        'laptop', 'both',
        _slab(0.32, 0.22, 0.03, 0.0, (0.0, -0.03, 0.08))
        + _slab(0.32, 0.2, 0.03, 1.35, (0.0, 0.07, 0.2), part=1),
        (((0.0, 0.0, 0.2), (0.0, 0.0, 0.75), (0.6, 0.1, 0.55)),
         ((0.0, 0.0, 0.2), (0.0, 0.0, 0.75), (0.6, 0.1, 0.55)))),
    'tablet': HeldObject(
        'tablet', 'both', _slab(0.24, 0.17, 0.025, 0.8, (0.0, 0.04, 0.06)),
        (((0.0, 0.0, 0.1), (0.0, 0.0, 0.9), (0.02, 0.25, 0.85)),)),
    'phone': HeldObject(
        'phone', 'both', _slab(0.075, 0.15, 0.025, 0.9, (0.0, 0.03, 0.05)),
        (((0.0, 0.0, 0.1), (0.6, 0.5, 0.5), (0.95, 0.35, 0.85)),)),
}


def draw_object(obj: HeldObject, rng: np.random.Generator,
                size_jitter: float) -> Tuple[np.ndarray, np.ndarray,
                                             np.ndarray, np.ndarray,
                                             np.ndarray]:
    """One clip's instance of an object: its size and colours.

    Args:
        obj (HeldObject): The object.
        rng (np.random.Generator): Random stream of the clip's object.
        size_jitter (float): Relative size variation (uniform +-).

    Returns:
        tuple: ``a`` [P, 3], ``b`` [P, 3] (grip frame, metres), ``ra``
        [P], ``rb`` [P] and ``albedo`` [P, 3] (linear RGB).
    """
    scale = 1.0 + rng.uniform(-size_jitter, size_jitter)
    colours = []
    for palette in obj.palettes:
        h, s, v = palette[int(rng.integers(len(palette)))]
        colours.append(np.clip(_hsv(h + rng.uniform(-0.03, 0.03),
                                    s * rng.uniform(0.85, 1.0),
                                    v * rng.uniform(0.85, 1.1)), 0, 1))
    a = np.array([c[0] for c in obj.capsules]) * scale
    b = np.array([c[1] for c in obj.capsules]) * scale
    ra = np.array([c[2] for c in obj.capsules]) * scale
    rb = np.array([c[3] for c in obj.capsules]) * scale
    albedo = np.stack([colours[c[4]] for c in obj.capsules])
    return a, b, ra, rb, albedo


# --------------------------------------------------------------- classes
@dataclass(frozen=True)
class HouseholdClass:
    """One activity class of the Smarthome world.

    Args:
        name (str): The real dataset's class name.
        group (str): Gross-motion group; classes of a group move alike.
        motions (tuple): Motions of the performer.
        obj (str, optional): Key of :data:`OBJECTS` held, or None.
        detail (str): What tells the class from the rest of its group.
        duration (float): Nominal length factor.
    """

    name: str
    group: str
    motions: Tuple[Motion, ...]
    obj: Optional[str] = None
    detail: str = ''
    duration: float = 1.0

    @property
    def label31(self) -> int:
        """Label in the 31-class cross-subject table."""
        return SMARTHOME_CLASSES_31.index(self.name)

    @property
    def label19(self) -> int:
        """Label in the 19-class cross-view table."""
        return SMARTHOME_CLASSES_19.index(self.name)


M = Motion
_DRINK = (M('to_mouth', 'r', start=0.05, end=0.95,
            params=(('head', -0.2), ('tilt', 1.0))),)
_POUR = (M('pour', 'none', start=0.05, end=0.95),)
_DEVICE = (M('device', 'none', cycles=4),)
_EAT = M('to_mouth', 'r', cycles=2, start=0.05, end=0.95,
         params=(('head', 0.1),))
_WALK = (M('walk', cycles=3, params=(('arms', 0.35),)),
         M('stride', params=(('distance', 2.0),)))

#: Every class of the world, in this order (the world's own labels).
HOUSEHOLD_CLASSES: Tuple[HouseholdClass, ...] = (
    HouseholdClass('Drink.Fromcup', 'drink', _DRINK, 'cup',
                   'a mug: short, wide, pale'),
    HouseholdClass('Drink.Fromglass', 'drink', _DRINK, 'glass',
                   'a glass: thin, grey-blue'),
    HouseholdClass('Drink.Frombottle', 'drink', _DRINK, 'bottle',
                   'a bottle: tall, with a neck, dark green/brown/blue'),
    HouseholdClass('Pour.Frombottle', 'pour', _POUR, 'bottle',
                   'a bottle (as Drink.Frombottle)'),
    HouseholdClass('Pour.Fromcan', 'pour', _POUR, 'can',
                   'a can: short, saturated red/blue/yellow or silver'),
    HouseholdClass('Uselaptop', 'device', _DEVICE, 'laptop',
                   'a laptop: 32 cm wide, open lid'),
    HouseholdClass('Usetablet', 'device', _DEVICE, 'tablet',
                   'a tablet: 24 cm, tilted towards the face'),
    HouseholdClass('Usetelephone', 'device', _DEVICE, 'phone',
                   'a phone: 7.5 x 15 cm'),
    HouseholdClass('Eat.Snack', 'eat', (
        _EAT, M('wrist_rock', 'r', cycles=2.5, start=0.22, end=0.4)),
        None, 'the wrist rocks (2.5 cycles) at the mouth'),
    HouseholdClass('Takepills', 'eat', (
        _EAT, M('wrist_flick', 'r', start=0.24, end=0.34)),
        None, 'one quick wrist flick at the mouth'),
    HouseholdClass('Walk', 'walk', _WALK, None, 'walks about 2 m'),
    HouseholdClass('Sitdown', 'sitdown',
                   (M('sit', 'none', start=0.05, end=0.95),), None,
                   'sits down (no chair is drawn)'),
    HouseholdClass('Getup', 'getup',
                   (M('sit', 'none', start=0.05, end=0.95,
                      params=(('reverse', 1.0),)),), None,
                   'gets up from sitting'),
)
HOUSEHOLD_CLASS_NAMES = tuple(c.name for c in HOUSEHOLD_CLASSES)


def household_class(name: str) -> HouseholdClass:
    """The class called ``name``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    for cls in HOUSEHOLD_CLASSES:
        if cls.name == name:
            return cls
    raise ValueError(f'unknown Smarthome world class {name!r}; known: '
                     + ', '.join(HOUSEHOLD_CLASS_NAMES))


def groups_of(names: List[str]) -> Dict[str, List[str]]:
    """Gross-motion group -> its classes among ``names``."""
    out: Dict[str, List[str]] = {}
    for name in names:
        out.setdefault(household_class(name).group, []).append(name)
    return out
