# Copyright (c) fsat contributors. All rights reserved.
"""Vectorised capsule rasteriser with a z-buffer.

Bodies are unions of capsules (limbs, trunk) and spheres (head, hair). A
capsule between 3-D points ``a`` and ``b`` with radii ``ra``, ``rb`` is
drawn as its screen-space silhouette: pixels closer than the interpolated
projected radius to the projected segment. The surface depth is the
segment's depth minus the world radius times the height of the bulge
``sqrt(1 - (d / r)^2)``, which also gives the surface normal for shading.

All samples of a video are drawn at once: each (frame, capsule) pair only
visits the pixels of its screen bounding box, the candidate pixels of all
pairs are processed as flat arrays, and the front-most candidate of every
pixel wins (a sort, no per-pixel Python loop).
"""
from typing import List, NamedTuple, Tuple

import numpy as np

from .body import PARTS, BodyShape, J, capsules
from .camera import Camera


class Fragments(NamedTuple):
    """Visible surface samples, one per covered pixel.

    Attributes:
        pix (np.ndarray): [N] flat index ``t * H * W + row * W + col``.
        z (np.ndarray): [N] camera-space depth in metres.
        normal (np.ndarray): [N, 3] unit normals in camera space.
        prim (np.ndarray): [N] capsule index.
    """

    pix: np.ndarray
    z: np.ndarray
    normal: np.ndarray
    prim: np.ndarray


def surface_geometry(shapes: List[BodyShape], joints: List[np.ndarray],
                     frames: List[np.ndarray]):
    """Capsules of all bodies of a sample.

    Args:
        shapes (list[BodyShape]): One shape per body.
        joints (list[np.ndarray]): Per body [T, 25, 3] world positions.
        frames (list[np.ndarray]): Per body [T, 25, 3, 3] joint frames.

    Returns:
        tuple: ``a`` [T, P, 3], ``b`` [T, P, 3], ``ra`` [P], ``rb`` [P]
        (metres) and ``albedo`` [P, 3] colours.
    """
    a_all, b_all, ra_all, rb_all, albedo = [], [], [], [], []
    for shape, pos, rot in zip(shapes, joints, frames):
        caps = capsules(shape)
        ia = [c[0] for c in caps]
        ib = [c[1] for c in caps]
        a_all.append(pos[:, ia])
        b_all.append(pos[:, ib])
        ra_all += [c[2] for c in caps]
        rb_all += [c[3] for c in caps]
        albedo += [shape.colours[PARTS[c[4]]] for c in caps]
        # Hair: a sphere shifted up and back in the head's frame.
        k = shape.scale
        hair = pos[:, J['Head']] + rot[:, J['Head']] @ np.array(
            [0.0, 0.025, -0.025]) * k
        a_all.append(hair[:, None])
        b_all.append(hair[:, None])
        r = 0.1 * k * shape.girth
        ra_all.append(r)
        rb_all.append(r)
        albedo.append(shape.colours['hair'])
    return (np.concatenate(a_all, 1), np.concatenate(b_all, 1),
            np.asarray(ra_all), np.asarray(rb_all), np.asarray(albedo))


def rasterize(camera: Camera, a: np.ndarray, b: np.ndarray, ra: np.ndarray,
              rb: np.ndarray, near: float = 0.2,
              min_radius_px: float = 0.0) -> Fragments:
    """Visible fragments of capsules seen by ``camera``.

    Args:
        camera (Camera): The camera; its intrinsics set the frame size.
        a (np.ndarray): [T, P, 3] first end points (world, metres).
        b (np.ndarray): [T, P, 3] second end points.
        ra (np.ndarray): [P] radii at ``a``.
        rb (np.ndarray): [P] radii at ``b``.
        near (float): Capsules closer than this are skipped.
        min_radius_px (float): Draw silhouettes at least this wide (in
            pixels, radius), so that thin parts (hands, feet) do not fall
            between the pixel centres of tiny frames. Defaults to 0.

    Returns:
        Fragments: The front-most fragment of every covered pixel.
    """
    T, P = a.shape[:2]
    if P > 64:
        raise ValueError('at most 64 capsules per frame')
    k = camera.intrinsics
    W, H = k.width, k.height
    ca, cb = camera.to_camera(a), camera.to_camera(b)  # [T, P, 3]
    ua, va = camera.project(ca)
    ub, vb = camera.project(cb)
    za, zb = ca[..., 2], cb[..., 2]
    ok = (za > near) & (zb > near)
    rpa = k.fx * ra / np.maximum(za, near)  # [T, P] projected radii
    rpb = k.fx * rb / np.maximum(zb, near)
    rpa, rpb = np.maximum(rpa, min_radius_px), np.maximum(rpb, min_radius_px)
    # Screen bounding boxes of every (frame, capsule) pair.
    u0 = np.clip(np.floor(np.minimum(ua - rpa, ub - rpb)), 0, W)
    u1 = np.clip(np.ceil(np.maximum(ua + rpa, ub + rpb)), -1, W - 1)
    v0 = np.clip(np.floor(np.minimum(va - rpa, vb - rpb)), 0, H)
    v1 = np.clip(np.ceil(np.maximum(va + rpa, vb + rpb)), -1, H - 1)
    bw = np.where(ok, np.maximum(u1 - u0 + 1, 0), 0).astype(np.int64).ravel()
    bh = np.where(ok, np.maximum(v1 - v0 + 1, 0), 0).astype(np.int64).ravel()
    # Per-pair constants, gathered once per candidate: [T * P, 8].
    du, dv = ub - ua, vb - va
    table = np.stack([ua, va, du, dv, 1.0 / np.maximum(du * du + dv * dv,
                                                        1e-9),
                      rpa, rpb - rpa, za], -1).reshape(T * P, 8)
    table = table.astype(np.float32)
    # Enumerate candidate pixels: rows of every box, then columns of rows.
    row_pair = np.repeat(np.arange(T * P), bh)
    row_start = np.cumsum(bh) - bh
    v_row = v0.ravel()[row_pair] + (np.arange(len(row_pair))
                                    - row_start[row_pair])
    row_w = bw[row_pair]
    pair = np.repeat(row_pair, row_w)
    col_start = np.cumsum(row_w) - row_w
    v = np.repeat(v_row, row_w)
    u = u0.ravel()[pair] + (np.arange(len(pair))
                            - np.repeat(col_start, row_w))
    # Closest point of the projected segment and the radius there.
    c = table[pair]  # [N, 8]
    fu = u.astype(np.float32) - c[:, 0]
    fv = v.astype(np.float32) - c[:, 1]
    t = np.clip((fu * c[:, 2] + fv * c[:, 3]) * c[:, 4], 0.0, 1.0)
    eu, ev = fu - t * c[:, 2], fv - t * c[:, 3]
    r = c[:, 5] + t * c[:, 6]
    d2 = eu * eu + ev * ev
    keep = np.flatnonzero(d2 < r * r)
    pair, t, eu, ev, r, d2 = (x[keep] for x in (pair, t, eu, ev, r, d2))
    pix = ((pair // P) * (H * W) + v[keep].astype(np.int64) * W
           + u[keep].astype(np.int64))
    prim = pair % P
    h = np.sqrt(np.maximum(1.0 - d2 / (r * r), 0.0))
    rw = (ra[prim] + t * (rb[prim] - ra[prim])).astype(np.float32)
    zeta = (zb.ravel()[pair] - za.ravel()[pair]).astype(np.float32)
    z = c[keep, 7] + t * zeta - rw * h
    # z-buffer: the front-most fragment of every pixel wins. One int64
    # key (pixel, depth in 0.1 mm, capsule) is unique, so the order does
    # not depend on the sorting algorithm.
    zq = np.clip(z * 1e4, 0, 2**24 - 1).astype(np.int64)
    order = np.argsort((pix << 30) | (zq << 6) | prim)
    pix_sorted = pix[order]
    first = np.ones(len(order), bool)
    first[1:] = pix_sorted[1:] != pix_sorted[:-1]
    win = order[first]
    normal = np.stack([eu[win] / r[win], -ev[win] / r[win], -h[win]], -1)
    return Fragments(pix[win], z[win], normal, prim[win])


def depth_frames(frags: Fragments, T: int, H: int, W: int) -> np.ndarray:
    """z-depth video [T, H, W] in metres, 0 where no body is."""
    out = np.zeros(T * H * W, np.float32)
    out[frags.pix] = frags.z
    return out.reshape(T, H, W)


def shade(frags: Fragments, albedo: np.ndarray, light_cam: np.ndarray,
          ambient: float) -> np.ndarray:
    """Lambertian colours [N, 3] of fragments.

    Args:
        frags (Fragments): The fragments.
        albedo (np.ndarray): [P, 3] colour per capsule.
        light_cam (np.ndarray): [3] unit direction towards the light, in
            camera space.
        ambient (float): Ambient light level.
    """
    lambert = np.maximum(frags.normal @ light_cam.astype(np.float32), 0.0)
    # A little light from the camera side keeps limbs readable in shadow.
    fill = 0.15 * np.maximum(-frags.normal[:, 2], 0.0)
    level = ambient + (1.0 - ambient) * lambert + fill
    return albedo[frags.prim].astype(np.float32) * level[:, None]


def composite(frags: Fragments, colours: np.ndarray, factor: int,
              shape: Tuple[int, int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Box-filter supersampled fragments down to the output grid.

    Args:
        frags (Fragments): Fragments drawn at ``factor`` times the size.
        colours (np.ndarray): [N, 3] their colours.
        factor (int): Supersampling factor.
        shape (tuple): Output ``(T, H, W)``.

    Returns:
        tuple: premultiplied colour [T, H, W, 3] and coverage [T, H, W],
        both float32.
    """
    T, H, W = shape
    Ws, Hs = W * factor, H * factor
    t = frags.pix // (Hs * Ws)
    rem = frags.pix % (Hs * Ws)
    row, col = rem // Ws, rem % Ws
    idx = t * (H * W) + (row // factor) * W + col // factor
    n = T * H * W
    w = 1.0 / (factor * factor)
    cov = np.bincount(idx, minlength=n).astype(np.float32) * w
    rgb = np.stack([np.bincount(idx, colours[:, c], minlength=n)
                    for c in range(3)], -1).astype(np.float32) * w
    return rgb.reshape(T, H, W, 3), cov.reshape(T, H, W)
