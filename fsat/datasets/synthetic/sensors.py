# Copyright (c) fsat contributors. All rights reserved.
"""Sensor models: what a Kinect-like device records of a clean scene.

* skeleton: joints in camera space with Gaussian jitter and a slow drift,
  larger on hand tips and thumbs and on occluded joints, which are marked
  ``inferred`` (trackingState 1) as Kinect does; left/right confusions and
  stretches where the tracker loses the body;
* depth: per-pixel noise growing with the square of the distance, random
  holes and dropped silhouette-edge pixels (0 = no measurement);
* colour: Gaussian noise, before the lossy MJPEG encoding.
"""
import functools
from typing import Dict, Optional, Tuple

import numpy as np

from .body import JOINT_NAMES, J
from .camera import Camera

#: Joints tracked less precisely (thin, fast): x1.5 jitter.
_FINE_JOINTS = (J['HandTipLeft'], J['ThumbLeft'], J['HandTipRight'],
                J['ThumbRight'], J['HandLeft'], J['HandRight'])


@functools.lru_cache(maxsize=2)
def _noise_bank(size: int = 1 << 22) -> np.ndarray:
    """A fixed block of standard normal float32 noise (16 MiB)."""
    return np.random.default_rng(20240601).standard_normal(size, np.float32)


def gaussian_noise(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Standard normal float32 noise of ``shape``: slices of a fixed noise
    bank at random offsets (much cheaper than drawing it)."""
    bank = _noise_bank()
    n = int(np.prod(shape))
    chunk = len(bank) // 2
    parts = []
    for begin in range(0, n, chunk):
        size = min(chunk, n - begin)
        start = int(rng.integers(0, len(bank) - size))
        parts.append(bank[start:start + size])
    return (parts[0] if len(parts) == 1 else np.concatenate(parts)).reshape(
        shape)


def rotation_to_quaternion(rot: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] -> unit quaternions [..., 4] (w, x,
    y, z) with ``w >= 0``."""
    m = rot.reshape(-1, 3, 3)
    tr = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    # Shepperd's method: use the largest of w, x, y, z for stability.
    cand = np.stack([tr, m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], -1)
    k = np.argmax(cand, -1)
    q = np.empty((len(m), 4))
    s = np.sqrt(np.maximum(1.0 + 2 * cand[np.arange(len(m)), k] - tr,
                           1e-12)) * 2
    w = k == 0
    q[w] = np.stack([0.25 * s[w], (m[w, 2, 1] - m[w, 1, 2]) / s[w],
                     (m[w, 0, 2] - m[w, 2, 0]) / s[w],
                     (m[w, 1, 0] - m[w, 0, 1]) / s[w]], -1)
    x = k == 1
    q[x] = np.stack([(m[x, 2, 1] - m[x, 1, 2]) / s[x], 0.25 * s[x],
                     (m[x, 0, 1] + m[x, 1, 0]) / s[x],
                     (m[x, 0, 2] + m[x, 2, 0]) / s[x]], -1)
    y = k == 2
    q[y] = np.stack([(m[y, 0, 2] - m[y, 2, 0]) / s[y],
                     (m[y, 0, 1] + m[y, 1, 0]) / s[y], 0.25 * s[y],
                     (m[y, 1, 2] + m[y, 2, 1]) / s[y]], -1)
    z = k == 3
    q[z] = np.stack([(m[z, 1, 0] - m[z, 0, 1]) / s[z],
                     (m[z, 0, 2] + m[z, 2, 0]) / s[z],
                     (m[z, 1, 2] + m[z, 2, 1]) / s[z], 0.25 * s[z]], -1)
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    return q.reshape(rot.shape[:-2] + (4, ))


def _mirror_index() -> np.ndarray:
    """Joint order with every left joint and its right twin exchanged."""
    index = np.arange(len(JOINT_NAMES))
    for name, i in J.items():
        if name.endswith('Left'):
            index[i] = J[name[:-4] + 'Right']
            index[J[name[:-4] + 'Right']] = i
    return index


_MIRROR = _mirror_index()


def smooth_noise(rng: np.random.Generator, shape: tuple,
                 frames: int) -> np.ndarray:
    """Unit-variance Gaussian noise of ``shape`` correlated along axis 0
    over about ``frames`` steps (a moving average of white noise)."""
    k = max(int(frames), 1)
    white = rng.normal(0.0, 1.0, (shape[0] + k - 1, ) + tuple(shape[1:]))
    csum = np.cumsum(white, axis=0)
    csum = np.concatenate([np.zeros((1, ) + csum.shape[1:]), csum])
    return (csum[k:] - csum[:-k]) / np.sqrt(k)


def observe_skeleton(joints: np.ndarray, frames: np.ndarray,
                     radii: np.ndarray, depth_cam: Camera,
                     colour_cam: Camera, depth_m: np.ndarray,
                     rng: np.random.Generator,
                     jitter: float,
                     drift: float = 0.0,
                     drift_frames: int = 10,
                     lateral: float = 1.0,
                     swap: float = 0.0,
                     loss: float = 0.0,
                     loss_period: int = 50,
                     loss_length: Tuple[float, float] = (0.2, 0.6),
                     tracker_rng: Optional[np.random.Generator] = None
                     ) -> Dict[str, np.ndarray]:
    """What the skeleton tracker reports for one body.

    Args:
        joints (np.ndarray): [T, 25, 3] clean world joint positions.
        frames (np.ndarray): [T, 25, 3, 3] world joint frames.
        radii (np.ndarray): [25] body thickness at each joint (metres),
            see :func:`~.body.joint_radii`.
        depth_cam (Camera): Depth camera (at the written resolution).
        colour_cam (Camera): Colour camera (at the written resolution).
        depth_m (np.ndarray): [T, H, W] clean rendered depth (metres, 0 =
            empty), used to find occluded joints.
        rng (np.random.Generator): Random stream.
        jitter (float): Standard deviation of the joint noise (metres),
            independent per frame.
        drift (float): Standard deviation of the tracker's slow error
            (metres): Gaussian noise smoothed over ``drift_frames``
            frames, so a joint wanders off its true place for a while as
            Kinect's body tracker does. Scaled like ``jitter`` (x1.5 on
            hand tips and thumbs, x2 on occluded joints). Defaults to 0.
        drift_frames (int): Correlation length of the drift (frames).
            Defaults to 10.
        lateral (float): Error across the camera's viewing axis relative
            to the error along it (``jitter`` and ``drift`` are along it).
            A time-of-flight sensor measures depth worst, so a tracker's
            joints are off mostly in depth and their image positions stay
            on the body. Defaults to 1.0 (isotropic).
        swap (float): Probability that the tracker confuses the left and
            right limbs (arms and legs) during one stretch of the video,
            a quarter to three quarters of it long, as Kinect does. The
            swapped joints still lie on the body. Defaults to 0.
        loss (float): Expected number of stretches per ``loss_period``
            frames in which the tracker loses the body and reports nothing
            for it (Kinect v2 drops bodies in fast or unusual poses; real
            NTU RGB+D files have frames without bodies). The number of
            stretches of a video is Poisson distributed. Defaults to 0.
        loss_period (int): Frames per ``loss`` stretches (the preset's
            nominal action length). Defaults to 50.
        loss_length (tuple): Range of a stretch's length as a fraction of
            ``loss_period`` (uniform). Defaults to (0.2, 0.6).
        tracker_rng (np.random.Generator, optional): Random stream of the
            tracker's failures, swaps and losses (a separate one keeps the
            other sensors' noise unchanged). Defaults to ``rng``.

    Returns:
        dict: ``xyz`` [T, 25, 3] camera-space metres, ``depth_uv`` and
        ``colour_uv`` [T, 25, 2] pixels, ``quat`` [T, 25, 4] (w, x, y, z),
        ``state`` [T, 25] trackingState, ``lean`` [T, 2], ``tracked`` [T]
        bool (False where the tracker lost the body; the other arrays
        still hold the joints there, a writer leaves them out).
    """
    T = joints.shape[0]
    H, W = depth_m.shape[1:]
    clean = depth_cam.to_camera(joints)
    u, v = depth_cam.project(clean)
    col = np.clip(np.round(u).astype(np.int64), 0, W - 1)
    row = np.clip(np.round(v).astype(np.int64), 0, H - 1)
    seen = depth_m[np.arange(T)[:, None], row, col]
    inside = (u > -0.5) & (u < W - 0.5) & (v > -0.5) & (v < H - 0.5)
    # A surface more than 6 cm in front of the body's own surface at the
    # joint belongs to something else that hides the joint.
    hidden = (seen > 0) & (seen < clean[..., 2] - radii - 0.06)
    state = np.where(hidden | ~inside, 1, 2)
    scale = np.ones((T, 25))
    scale[:, list(_FINE_JOINTS)] = 1.5
    scale = np.where(state == 1, scale * 2.0, scale)
    noise = rng.normal(0.0, jitter, clean.shape)
    if drift > 0:
        noise += drift * smooth_noise(rng, clean.shape, drift_frames)
    noise *= np.array([lateral, lateral, 1.0])  # camera axes x, y, z
    xyz = clean + noise * scale[..., None]
    tracker_rng = rng if tracker_rng is None else tracker_rng
    if swap > 0 and tracker_rng.random() < swap:
        length = int(round(T * tracker_rng.uniform(0.25, 0.75)))
        start = int(tracker_rng.integers(0, T - length + 1))
        span = slice(start, start + length)
        xyz[span] = xyz[span][:, _MIRROR]
        state[span] = state[span][:, _MIRROR]
    # one draw whatever ``loss`` is, so the losses never shift the swaps
    # of the next body
    loss_rng = np.random.default_rng(int(tracker_rng.integers(2**63)))
    tracked = np.ones(T, dtype=bool)
    if loss > 0:
        for _ in range(int(loss_rng.poisson(loss * T / loss_period))):
            length = min(T, max(1, int(round(
                loss_period * loss_rng.uniform(*loss_length)))))
            start = int(loss_rng.integers(0, T - length + 1))
            tracked[start:start + length] = False
    du, dv = depth_cam.project(xyz)
    cu, cv = colour_cam.project(colour_cam.to_camera(
        xyz @ depth_cam.rotation + depth_cam.position))
    quat = rotation_to_quaternion(depth_cam.rotation @ frames)
    # Kinect "lean": sideways / forward tilt of the trunk in [-1, 1].
    spine = xyz[:, J['SpineShoulder']] - xyz[:, J['SpineBase']]
    spine /= np.linalg.norm(spine, axis=-1, keepdims=True)
    lean = np.clip(np.stack([spine[:, 0], -spine[:, 2]], -1) * 2, -1, 1)
    return dict(xyz=xyz, depth_uv=np.stack([du, dv], -1),
                colour_uv=np.stack([cu, cv], -1), quat=quat, state=state,
                lean=lean, tracked=tracked)


def depth_sensor(depth_m: np.ndarray, rng: np.random.Generator,
                 noise_mm: float, hole_rate: float, edge_dropout: float
                 ) -> np.ndarray:
    """Noisy uint16 depth in millimetres.

    Args:
        depth_m (np.ndarray): [T, H, W] clean depth in metres (0 = none).
        rng (np.random.Generator): Random stream.
        noise_mm (float): Noise standard deviation at 3 m (grows with the
            squared distance).
        hole_rate (float): Probability that a pixel is missing.
        edge_dropout (float): Probability that a pixel on the border of a
            measured region is missing (flying-pixel removal).

    Returns:
        np.ndarray: [T, H, W] uint16 millimetres, 0 = no measurement.
    """
    valid = depth_m > 0
    mm = depth_m * 1000.0
    sigma = noise_mm * (depth_m / 3.0) ** 2
    mm = mm + gaussian_noise(rng, depth_m.shape) * sigma
    keep = valid & (rng.random(depth_m.shape) >= hole_rate)
    edge = np.zeros_like(valid)
    rows = valid[:, 1:, :] != valid[:, :-1, :]
    cols = valid[:, :, 1:] != valid[:, :, :-1]
    edge[:, 1:, :] |= rows
    edge[:, :-1, :] |= rows
    edge[:, :, 1:] |= cols
    edge[:, :, :-1] |= cols
    keep &= ~(edge & (rng.random(depth_m.shape) < edge_dropout))
    return np.where(keep, np.clip(np.round(mm), 1, 65535), 0).astype(
        np.uint16)


def colour_sensor(rgb: np.ndarray, rng: np.random.Generator,
                  noise: float) -> np.ndarray:
    """Noisy uint8 frames from linear colours in [0, 1].

    Args:
        rgb (np.ndarray): [T, H, W, 3] float colours.
        rng (np.random.Generator): Random stream.
        noise (float): Noise standard deviation (fraction of full scale).

    Returns:
        np.ndarray: [T, H, W, 3] uint8 RGB.
    """
    noisy = rgb + gaussian_noise(rng, rgb.shape) * np.float32(noise)
    return np.clip(noisy * 255.0 + 0.5, 0, 255).astype(np.uint8)


def lighting(rng: np.random.Generator, T: int,
             gain_range: Tuple[float, float], flicker: float
             ) -> Tuple[np.ndarray, np.ndarray]:
    """Per-frame light gain [T] and a colour tint [3] of one video."""
    gain = rng.uniform(*gain_range)
    t = np.arange(T)
    wave = 1.0 + flicker * np.sin(2 * np.pi * t / rng.uniform(20, 60)
                                  + rng.uniform(0, 2 * np.pi))
    tint = 1.0 + rng.uniform(-0.08, 0.08, 3)
    return (gain * wave).astype(np.float32), tint.astype(np.float32)
