# Copyright (c) fsat contributors. All rights reserved.
"""Setups (rooms, camera placement, light) and their backgrounds.

A *setup* (the ``Ssss`` of NTU names) fixes the camera distance and
height, a box-shaped room with textured floor and walls, "clutter"
(posters, shelves and furniture fronts drawn on the walls) and the main
light. Everything is drawn from an RNG seeded by ``(world seed, setup)``,
so the same setup looks the same in every sample, like a real recording
session. Backgrounds are ray-cast in the room, hence consistent across the
three cameras; the PKU-MMD full depth maps use the same room.
"""
import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .camera import Camera
from .rng import make_rng

CEILING = 2.8


@dataclass(frozen=True)
class Setup:
    """One recording setup.

    Args:
        distance (float): Camera distance to the standing spot (metres).
        cam_height (float): Camera height (metres).
        back (float): Distance of the back wall behind the spot (metres).
        side (float): Half width of the room (metres).
        colours (np.ndarray): [6, 3] base colours of floor, ceiling,
            back, front, left and right wall.
        tile (float): Floor tile size (metres).
        waves (np.ndarray): [6, 4] texture waves (fu, fv, phase, weight).
        rects (np.ndarray): [N, 9] clutter rectangles: wall (2 back, 4 left,
            5 right), centre along the wall, bottom, width, height, RGB,
            texture frequency.
        light (np.ndarray): [3] unit direction *towards* the main light.
        ambient (float): Ambient light level.
        contrast (float): Texture contrast.
    """

    distance: float
    cam_height: float
    back: float
    side: float
    colours: np.ndarray
    tile: float
    waves: np.ndarray
    rects: np.ndarray
    light: np.ndarray
    ambient: float
    contrast: float


def make_setup(seed: int, key: str, distance_range: Tuple[float, float],
               height_range: Tuple[float, float], clutter: float) -> Setup:
    """Draw the setup called ``key`` (e.g. ``'S007'`` or ``'pku-0002'``).

    Args:
        seed (int): World seed.
        key (str): Name of the setup.
        distance_range (tuple): Camera distance range (metres).
        height_range (tuple): Camera height range (metres).
        clutter (float): 0 (bare, low-contrast room) to 1 (many posters,
            strong texture); see ``docs/synthetic_world.md``.

    Returns:
        Setup: The setup.
    """
    rng = make_rng(seed, 'setup', key)
    hue = rng.uniform(0, 1)
    colours = np.stack([_hsv(hue + rng.uniform(-0.15, 0.15),
                             rng.uniform(0.05, 0.35), rng.uniform(0.3, 0.75))
                        for _ in range(6)])
    n_rects = int(round(clutter * 14))
    rects = np.zeros((n_rects, 9))
    for i in range(n_rects):
        w, h = rng.uniform(0.3, 1.3), rng.uniform(0.3, 1.2)
        bottom = rng.choice([0.0, rng.uniform(0.5, 1.6)])
        rects[i] = (rng.choice([2, 2, 4, 5]), rng.uniform(-3.0, 3.0),
                    bottom, w, h, *_hsv(rng.uniform(0, 1),
                                        rng.uniform(0.3, 0.9),
                                        rng.uniform(0.2, 0.9)),
                    rng.uniform(2, 12))
    waves = np.concatenate([rng.uniform(0.3, 3.0, (6, 2)),
                            rng.uniform(0, 2 * np.pi, (6, 1)),
                            rng.uniform(0.5, 1.0, (6, 1))], 1)
    light_az = rng.uniform(-np.pi / 2, np.pi / 2)
    light_el = rng.uniform(0.5, 1.2)
    light = np.array([math.cos(light_el) * math.sin(light_az),
                      math.sin(light_el),
                      math.cos(light_el) * math.cos(light_az)])
    return Setup(distance=float(rng.uniform(*distance_range)),
                 cam_height=float(rng.uniform(*height_range)),
                 back=float(rng.uniform(1.8, 3.0)),
                 side=float(rng.uniform(3.0, 4.5)), colours=colours,
                 tile=float(rng.uniform(0.3, 0.6)), waves=waves,
                 rects=rects, light=light,
                 ambient=float(rng.uniform(0.45, 0.6)),
                 contrast=0.08 + 0.3 * clutter)


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    """HSV (all in [0, 1], hue wraps) -> RGB in [0, 1]."""
    h = (h % 1.0) * 6.0
    i, f = int(h) % 6, h - int(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v),
                     (t, p, v), (v, p, q)][i])


def _raycast(setup: Setup, camera: Camera):
    """Hit the room box with the ray of every pixel centre.

    Returns:
        tuple: z-depth [H, W] (metres), surface id [H, W] (0 floor,
        1 ceiling, 2 back, 3 front, 4 left (+x), 5 right (-x)), hit points
        [H, W, 3].
    """
    k = camera.intrinsics
    u, v = np.meshgrid(np.arange(k.width), np.arange(k.height))
    d_cam = np.stack([(u - k.cx) / k.fx, -(v - k.cy) / k.fy,
                      np.ones(u.shape)], -1)
    d = d_cam @ camera.rotation  # camera -> world directions, [H, W, 3]
    c = camera.position
    front = setup.distance + 1.5
    bounds = ((0.0, CEILING), (-setup.back, front),
              (-setup.side, setup.side))
    best = np.full(u.shape, np.inf)
    surf = np.zeros(u.shape, np.int64)
    for axis, (lo, hi), ids in ((1, bounds[0], (0, 1)),
                                (2, bounds[1], (2, 3)),
                                (0, bounds[2], (5, 4))):
        comp = d[..., axis]
        with np.errstate(divide='ignore', invalid='ignore'):
            t = np.where(comp < 0, (lo - c[axis]) / comp,
                         (hi - c[axis]) / comp)
        t = np.where(np.abs(comp) < 1e-9, np.inf, t)
        sid = np.where(comp < 0, ids[0], ids[1])
        closer = t < best
        best = np.where(closer, t, best)
        surf = np.where(closer, sid, surf)
    hits = c + best[..., None] * d
    return best, surf, hits


def _surface_uv(surf: np.ndarray, hits: np.ndarray):
    """2-D texture coordinates (metres) on each surface."""
    x, y, z = hits[..., 0], hits[..., 1], hits[..., 2]
    su = np.where(surf <= 1, x, np.where(surf <= 3, x, z))
    sv = np.where(surf <= 1, z, y)
    return su, sv


_NORMALS = np.array([(0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1),
                     (-1, 0, 0), (1, 0, 0)], float)


def background(setup: Setup, camera: Camera
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Static colour and depth of the empty room seen by ``camera``.

    Args:
        setup (Setup): The setup.
        camera (Camera): The camera (its intrinsics set the size).

    Returns:
        tuple: colour [H, W, 3] float32 in [0, 1] (before the per-frame
        light gain) and z-depth [H, W] float32 in metres.
    """
    depth, surf, hits = _raycast(setup, camera)
    su, sv = _surface_uv(surf, hits)
    base = setup.colours[surf]  # [H, W, 3]
    tex = np.zeros(surf.shape)
    for fu, fv, ph, wt in setup.waves:
        tex += wt * np.sin(2 * np.pi * (fu * su + fv * sv) + ph)
    tex /= np.abs(setup.waves[:, 3]).sum() / 2.0
    checker = (np.floor(su / setup.tile) + np.floor(sv / setup.tile)) % 2
    tex = np.where(surf == 0, tex + 0.8 * (checker - 0.5), tex)
    colour = base * (1.0 + setup.contrast * tex)[..., None]
    for wall, centre, bottom, w, h, r, g, b, freq in setup.rects:
        inside = ((surf == int(wall)) & (np.abs(su - centre) < w / 2)
                  & (sv >= bottom) & (sv < bottom + h))
        stripes = 1.0 + 0.15 * np.sin(2 * np.pi * freq * (su + sv))
        colour = np.where(inside[..., None],
                          np.array([r, g, b]) * stripes[..., None], colour)
    shade = setup.ambient + (1 - setup.ambient) * np.maximum(
        _NORMALS[surf] @ setup.light, 0.0)
    colour = np.clip(colour * shade[..., None], 0.0, 1.0)
    # Fade with distance: the far walls are darker than the floor nearby.
    colour *= (1.0 / (1.0 + 0.04 * np.maximum(depth - 3.0, 0.0)))[..., None]
    return colour.astype(np.float32), depth.astype(np.float32)
