# Copyright (c) fsat contributors. All rights reserved.
"""Performers: body proportions and clothing, fixed per performer id.

A performer (the ``Pppp`` of NTU names) has the same body and clothes in
every sample, like a real subject; the cross-subject protocols therefore
test generalisation to unseen bodies and clothes.
"""
from typing import Tuple

import numpy as np

from .body import SEGMENT_GROUPS, BodyShape
from .rng import make_rng
from .scene import _hsv

# Trouser colours as (hue, saturation, value) ranges: jeans, black, grey,
# khaki, brown.
_TROUSERS = ((0.6, 0.5, 0.45), (0.0, 0.0, 0.12), (0.0, 0.0, 0.45),
             (0.12, 0.35, 0.6), (0.07, 0.5, 0.35))
_HAIR = ((0.07, 0.6, 0.12), (0.07, 0.6, 0.3), (0.12, 0.5, 0.7),
         (0.0, 0.0, 0.6), (0.02, 0.7, 0.35))


def performer_shape(seed: int, key: str,
                    height_range: Tuple[float, float] = (1.55, 1.9),
                    proportion_std: float = 0.04,
                    girth_range: Tuple[float, float] = (0.85, 1.2)
                    ) -> BodyShape:
    """Body and clothes of the performer called ``key``.

    Args:
        seed (int): World seed.
        key (str): Performer name, e.g. ``'P007'`` or ``'pku-P012'``.
        height_range (tuple): Standing height range in metres.
        proportion_std (float): Standard deviation of the per-segment
            length factors (clipped at 2.5 sigma).
        girth_range (tuple): Range of the factor on limb radii.

    Returns:
        BodyShape: The performer.
    """
    rng = make_rng(seed, 'performer', key)
    height = rng.uniform(*height_range)
    segments = {
        g: float(1.0 + np.clip(rng.normal(0.0, proportion_std),
                               -2.5 * proportion_std, 2.5 * proportion_std))
        for g in SEGMENT_GROUPS}
    shirt = _hsv(rng.uniform(0, 1), rng.uniform(0.2, 0.9),
                 rng.uniform(0.25, 0.95))
    h, s, v = _TROUSERS[rng.integers(len(_TROUSERS))]
    trousers = _hsv(h + rng.uniform(-0.03, 0.03), s, v * rng.uniform(0.8,
                                                                     1.2))
    skin = _hsv(rng.uniform(0.03, 0.09), rng.uniform(0.25, 0.6),
                rng.uniform(0.35, 0.95))
    shoes = _hsv(0.0, 0.0, rng.choice([0.1, 0.2, 0.85]))
    h, s, v = _HAIR[rng.integers(len(_HAIR))]
    hair = _hsv(h, s, v * rng.uniform(0.8, 1.2))
    colours = {name: tuple(float(c) for c in np.clip(col, 0, 1))
               for name, col in (('skin', skin), ('shirt', shirt),
                                 ('trousers', trousers), ('shoes', shoes),
                                 ('hair', hair))}
    return BodyShape(scale=float(height / 1.75), segments=segments,
                     girth=float(rng.uniform(*girth_range)),
                     colours=colours)
