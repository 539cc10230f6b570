# Copyright (c) fsat contributors. All rights reserved.
"""Pinhole cameras of the synthetic world, with Kinect v2 conventions.

World frame: right-handed, metres, ``y`` up, floor at ``y = 0``; the
performer's standing spot is the origin and "the front" is ``+z``.

Camera space (what NTU calls camera-space ``x y z``): right-handed,
``x`` to the sensor's *left*, ``y`` up, ``z`` along the optical axis. As in
Kinect images, which are mirrored, a pixel's column grows with ``x``::

    u = cx + fx * x / z        (column, the ``depthX`` / ``colorX`` field)
    v = cy - fy * y / z        (row, the ``depthY`` / ``colorY`` field)

Pixel ``(row r, column c)`` covers ``[c - 0.5, c + 0.5) x [r - 0.5, r +
0.5)``, i.e. integer coordinates are pixel centres. Depth values are the
camera-space ``z`` in millimetres (Kinect's convention), not the distance
along the ray.
"""
import math
from dataclasses import dataclass
from typing import Tuple

import numpy as np

#: NTU camera id -> horizontal angle (degrees) of the camera around the
#: standing spot, counter-clockwise seen from above, 0 = the front (+z);
#: +45 is on the left of a performer who faces C001.
NTU_CAMERA_AZIMUTH = {1: 0.0, 2: -45.0, 3: 45.0}
#: PKU-MMD view -> horizontal angle (degrees), same convention; the left
#: camera ``L`` stands on the left of a performer facing ``M``.
PKU_VIEW_AZIMUTH = {'L': 45.0, 'M': 0.0, 'R': -45.0}
#: Offset (metres, along the depth camera's x axis) of the colour camera,
#: as between the two sensors of a Kinect v2.
RGB_BASELINE = 0.052
#: Height (metres) of the point every camera looks at.
AIM_HEIGHT = 1.05


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of a written frame size.

    Args:
        width (int): Frame width in pixels.
        height (int): Frame height in pixels.
        fx (float): Focal length in pixels (columns).
        fy (float): Focal length in pixels (rows).
        cx (float): Principal point column.
        cy (float): Principal point row.
    """

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_fov(cls, width: int, height: int,
                 hfov_deg: float) -> 'Intrinsics':
        """Square pixels, centred principal point, horizontal FOV."""
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(width, height, f, f, (width - 1) / 2.0,
                   (height - 1) / 2.0)

    def scaled(self, factor: int) -> 'Intrinsics':
        """The same camera sampled ``factor`` times more densely."""
        return Intrinsics(self.width * factor, self.height * factor,
                          self.fx * factor, self.fy * factor,
                          (self.cx + 0.5) * factor - 0.5,
                          (self.cy + 0.5) * factor - 0.5)

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return dict(width=self.width, height=self.height,
                    fx=round(self.fx, 6), fy=round(self.fy, 6),
                    cx=self.cx, cy=self.cy)


@dataclass(frozen=True)
class Camera:
    """A posed pinhole camera.

    Args:
        intrinsics (Intrinsics): Intrinsics of the written frames.
        rotation (np.ndarray): [3, 3] world-to-camera rotation; its rows
            are the camera axes (left, up, forward) in world coordinates.
        position (np.ndarray): [3] camera centre in world coordinates.
    """

    intrinsics: Intrinsics
    rotation: np.ndarray
    position: np.ndarray

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points [..., 3] -> camera-space points [..., 3]."""
        return (points - self.position) @ self.rotation.T

    def project(self, points_cam: np.ndarray
                ) -> Tuple[np.ndarray, np.ndarray]:
        """Camera-space points [..., 3] -> pixel coordinates (u, v)."""
        k = self.intrinsics
        z = np.maximum(points_cam[..., 2], 1e-6)
        u = k.cx + k.fx * points_cam[..., 0] / z
        v = k.cy - k.fy * points_cam[..., 1] / z
        return u, v

    def with_intrinsics(self, intrinsics: Intrinsics) -> 'Camera':
        """The same pose with other intrinsics."""
        return Camera(intrinsics, self.rotation, self.position)

    def to_dict(self) -> dict:
        """JSON-friendly extrinsics (world-to-camera ``R``, centre)."""
        return dict(rotation=(np.round(self.rotation, 6) + 0.0).tolist(),
                    position=(np.round(self.position, 6) + 0.0).tolist())


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World-to-camera rotation of a camera at ``position`` aimed at
    ``target``, with no roll (camera ``y`` in the vertical plane).

    Returns:
        np.ndarray: [3, 3] rotation with rows (left, up, forward).
    """
    forward = target - position
    forward = forward / np.linalg.norm(forward)
    left = np.cross((0.0, 1.0, 0.0), forward)
    left = left / np.linalg.norm(left)
    up = np.cross(forward, left)
    return np.stack([left, up, forward])


def rig_camera(azimuth_deg: float, distance: float, height: float,
               intrinsics: Intrinsics, colour: bool = False) -> Camera:
    """A camera on the circle around the standing spot.

    Args:
        azimuth_deg (float): Horizontal angle, see
            :data:`NTU_CAMERA_AZIMUTH`.
        distance (float): Horizontal distance to the spot (metres).
        height (float): Height of the camera (metres).
        intrinsics (Intrinsics): Intrinsics of the frames.
        colour (bool): The colour sensor (shifted by
            :data:`RGB_BASELINE`) instead of the depth sensor.

    Returns:
        Camera: The posed camera.
    """
    a = math.radians(azimuth_deg)
    position = np.array([distance * math.sin(a), height,
                         distance * math.cos(a)])
    rotation = look_at(position, np.array([0.0, AIM_HEIGHT, 0.0]))
    if colour:
        position = position + RGB_BASELINE * rotation[0]
    return Camera(intrinsics, rotation, position)
