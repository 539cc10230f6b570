# Copyright (c) fsat contributors. All rights reserved.
"""The action classes of the synthetic world.

With ``K`` classes per half the world has

* a TARGET half, the NTU-60 stand-in: NTU action ids ``A001 .. A00K``
  (label ``A - 1``), and
* a SOURCE half, the NTU-120-minus-60 stand-in: ids ``A061 .. A(60+K)``
  (label ``A - 61``),

so that the real NTU split rules (``A <= 60``) apply unchanged. The two
halves share motion primitives but no class: the ``i``-th source class
always contains every primitive of the ``i``-th target class (with another
limb, tempo, combination or partner behaviour), hence every target
primitive appears in the source set for every ``K``.

The first 20 classes of each half are hand-made; classes 21 to 60 combine
two single-limb "atoms": a target class performs them *at the same time*
("X while Y"), the matching source class *one after the other* ("X, then
Y").
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

from .motion import Motion

#: Largest K (classes per half) that keeps the NTU id ranges.
MAX_CLASSES_PER_HALF = 60
#: Action id of the first SOURCE class (NTU-120-minus-60 starts at A061).
SOURCE_ID_OFFSET = 60


@dataclass(frozen=True)
class ActionClass:
    """One action class.

    Args:
        action_id (int): NTU action id (the ``Aaaa`` of file names).
        name (str): Human-readable name.
        half (str): ``'target'`` or ``'source'``.
        actor (tuple): Motions of the (first) performer.
        partner (tuple, optional): Motions of the second performer of a
            two-person class; None for one-person classes.
        duration (float): Nominal length factor of the action.
    """

    action_id: int
    name: str
    half: str
    actor: Tuple[Motion, ...]
    partner: Optional[Tuple[Motion, ...]] = None
    duration: float = 1.0

    @property
    def label(self) -> int:
        """0-based label inside its half (``A - 1`` or ``A - 61``)."""
        if self.half == 'target':
            return self.action_id - 1
        return self.action_id - 1 - SOURCE_ID_OFFSET

    @property
    def two_person(self) -> bool:
        """Whether two bodies perform the action."""
        return self.partner is not None

    @property
    def primitives(self) -> Tuple[str, ...]:
        """Sorted names of the primitives the class uses."""
        motions = self.actor + (self.partner or ())
        return tuple(sorted({m.primitive for m in motions}))

    @property
    def code(self) -> str:
        """The ``Aaaa`` part of NTU file names."""
        return f'A{self.action_id:03d}'


M = Motion
_HANDSHAKE = (M('reach', 'r', params=(('height', 1.0), ('inward', 0.35),
                                      ('bend', 0.5))),
              M('pump', 'r', cycles=3, start=0.3, end=0.75))
_FISTBUMP = (M('reach', 'r', params=(('height', 1.2), ('inward', 0.3),
                                     ('bend', 0.3))),
             M('pump', 'r', amp=1.5, start=0.35, end=0.65))
_HOP = (('height', 0.12), ('arms', 0.3))
_POINT = (('height', 1.5), ('inward', -0.5))

# (name, actor motions, partner motions or None)
_TARGET = (
    ('wave right hand', (M('wave', 'r', cycles=4),), None),
    ('clap hands', (M('clap', 'both', cycles=4),), None),
    ('shake hands with other person', _HANDSHAKE, _HANDSHAKE),
    ('squat down', (M('squat'),), None),
    ('kick forward with right leg', (M('kick', 'r'),), None),
    ('jump up', (M('jump', cycles=2),), None),
    ('bow', (M('bow'),), None),
    ('punch forward with right fist', (M('thrust', 'r', cycles=2),), None),
    ('point to the right', (M('reach', 'r', params=_POINT),), None),
    ('push other person',
     (M('thrust', 'both', start=0.1, end=0.7,
        params=(('height', 1.35), ('inward', 0.0))),),
     (M('recoil', start=0.25, end=0.95),)),
    ('touch head (headache)', (M('touch_head', 'r', cycles=3),), None),
    ('march in place', (M('walk', cycles=2),), None),
    ('turn around to the left', (M('turn', 'l'),), None),
    ('right arm circles', (M('circle', 'r', cycles=2),), None),
    ('cheer up (both hands up)',
     (M('raise_front', 'both', cycles=2, params=(('height', 2.8),)),),
     None),
    ('swing left arm', (M('swing', 'l', cycles=2),), None),
    ('raise right arm sideways', (M('raise_side', 'r'),), None),
    ('kick backward with left heel', (M('kick_back', 'l', cycles=2),),
     None),
    ('hop on left foot',
     (M('jump', cycles=3, params=_HOP), M('leg_hold', 'r')), None),
    ('nod head', (M('nod', cycles=3),), None),
)
_SOURCE = (
    ('wave both hands', (M('wave', 'both', cycles=3),), None),
    ('cheers: clap, then hands up',
     (M('clap', 'both', cycles=3, end=0.5),
      M('raise_front', 'both', start=0.45, params=(('height', 2.8),))),
     None),
    ('fist bump with other person', _FISTBUMP, _FISTBUMP),
    ('squat with arms forward',
     (M('squat'), M('raise_front', 'both', params=(('height', 1.5),))),
     None),
    ('double kick with left leg', (M('kick', 'l', cycles=2),), None),
    ('jumping jacks',
     (M('jump', cycles=3, params=(('arms', 0.0),)),
      M('raise_side', 'both', cycles=3)), None),
    ('cross toe touch',
     (M('bow', amp=1.15), M('turn', 'r', amp=0.3),
      M('reach', 'l', params=(('height', 0.8), ('inward', 0.5)))), None),
    ('boxing (alternating punches)', (M('thrust', 'alt', cycles=4),), None),
    ('point to the left', (M('reach', 'l', params=_POINT),), None),
    ('punch other person',
     (M('thrust', 'r', start=0.15, end=0.7, params=(('height', 1.5),)),),
     (M('recoil', amp=0.7, start=0.3, end=0.95),)),
    ('put on headphones', (M('touch_head', 'both', amp=0.5),), None),
    ('running on the spot',
     (M('walk', cycles=4, params=(('arms', 0.7),)),), None),
    ('turn right and wave',
     (M('turn', 'r'), M('wave', 'l', cycles=3, start=0.25, end=0.75)),
     None),
    ('backward circles with both arms',
     (M('circle', 'both', cycles=2, params=(('direction', -1.0),)),), None),
    ('stretch oneself',
     (M('raise_front', 'both', params=(('height', 2.9),)),
      M('side_bend', 'l', amp=0.6, start=0.2, end=0.8)), None),
    ('alternating arm swings', (M('swing', 'alt', cycles=3),), None),
    ('hands up sideways', (M('raise_side', 'both'),), None),
    ('butt kicks', (M('kick_back', 'alt', cycles=4),), None),
    ('hop on right foot',
     (M('jump', cycles=3, params=_HOP), M('leg_hold', 'l')), None),
    ('nod while clapping',
     (M('nod', cycles=3), M('clap', 'both', cycles=3)), None),
)


def _atoms() -> List[Tuple[str, str, Motion, frozenset]]:
    """Single-limb building blocks of the combined classes 21..60.

    Returns:
        list: ``(name, gerund, motion, limbs)`` tuples.
    """
    atoms = []
    for s, side in (('l', 'left'), ('r', 'right')):
        arm = frozenset({f'arm_{s}'})
        atoms += [
            (f'wave the {side} hand', f'waving the {side} hand',
             M('wave', s, cycles=3), arm),
            (f'raise the {side} arm', f'raising the {side} arm',
             M('raise_front', s), arm),
            (f'swing the {side} arm', f'swinging the {side} arm',
             M('swing', s, cycles=2), arm),
            (f'punch with the {side} fist', f'punching with the {side} fist',
             M('thrust', s, cycles=2), arm),
            (f'touch the head with the {side} hand',
             f'touching the head with the {side} hand',
             M('touch_head', s, cycles=2), arm),
            (f'point {side}', f'pointing {side}', M('reach', s, params=_POINT),
             arm),
            (f'circle the {side} arm', f'circling the {side} arm',
             M('circle', s, cycles=2), arm),
        ]
    legs = frozenset({'legs'})
    atoms += [
        ('squat', 'squatting', M('squat'), frozenset({'legs', 'pelvis'})),
        ('jump', 'jumping', M('jump', cycles=2, params=(('arms', 0.0),)),
         frozenset({'legs', 'pelvis'})),
        ('kick with the left leg', 'kicking with the left leg',
         M('kick', 'l'), legs),
        ('kick with the right leg', 'kicking with the right leg',
         M('kick', 'r'), legs),
        ('march in place', 'marching in place',
         M('walk', cycles=2, params=(('arms', 0.0),)), legs),
        ('bow', 'bowing', M('bow'), frozenset({'pelvis', 'spine'})),
        ('turn left', 'turning left', M('turn', 'l'), frozenset({'yaw'})),
        ('turn right', 'turning right', M('turn', 'r'), frozenset({'yaw'})),
        ('nod', 'nodding', M('nod', cycles=3), frozenset({'neck'})),
        ('bend sideways', 'bending sideways', M('side_bend', 'l'),
         frozenset({'spine', 'pelvis'})),
    ]
    return atoms


def _combined_pairs() -> List[Tuple[int, int]]:
    """Atom index pairs with disjoint limbs, most different ones first."""
    atoms = _atoms()
    n = len(atoms)
    pairs = []
    for gap in list(range(n // 2, n)) + list(range(1, n // 2)):
        for i in range(n - gap):
            a, b = atoms[i], atoms[i + gap]
            if not a[3] & b[3]:
                pairs.append((i, i + gap))
    return pairs


def _combined(index: int, half: str) -> Tuple[str, tuple, None, float]:
    atoms = _atoms()
    i, j = _combined_pairs()[index]
    (na, _, ma, _), (nb, gb, mb, _) = atoms[i], atoms[j]
    if half == 'target':
        return f'{na} while {gb}', (ma, mb), None, 1.0
    first = Motion(ma.primitive, ma.side, ma.amp, ma.cycles, 0.0, 0.55,
                   ma.params)
    second = Motion(mb.primitive, mb.side, mb.amp, mb.cycles, 0.45, 1.0,
                    mb.params)
    return f'{na}, then {nb}', (first, second), None, 1.15


def build_class_table(num_classes: int) -> List[ActionClass]:
    """The 2K classes of a world with K classes per half.

    Args:
        num_classes (int): K, classes per half (1 to 60).

    Returns:
        list[ActionClass]: TARGET classes A001..A00K, then SOURCE classes
        A061..A(60+K).
    """
    if not 1 <= num_classes <= MAX_CLASSES_PER_HALF:
        raise ValueError(f'num_classes must be in [1, '
                         f'{MAX_CLASSES_PER_HALF}], got {num_classes}')
    table = []
    for half, hand_made, offset in (('target', _TARGET, 0),
                                    ('source', _SOURCE, SOURCE_ID_OFFSET)):
        for i in range(num_classes):
            if i < len(hand_made):
                name, actor, partner = hand_made[i]
                duration = 1.0
            else:
                name, actor, partner, duration = _combined(
                    i - len(hand_made), half)
            table.append(ActionClass(offset + i + 1, name, half,
                                     tuple(actor), partner, duration))
    return table
