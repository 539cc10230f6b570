# Copyright (c) fsat contributors. All rights reserved.
"""HHA encoding of depth maps (Gupta et al., ECCV 2014).

HHA turns one depth map into three uint8 channels: horizontal
**disparity**, **height** above the lowest point, and the **angle**
between each pixel's surface normal and the estimated direction of
gravity. The reference implementations are MATLAB
(``s-gupta/rcnn-depth``: ``saveHHA.m`` and ``processDepthImage.m``) and a
loop-heavy Python port (``charlesCXK/Depth2HHA-python``); neither fits our
stack (no MATLAB, and the port needs seconds per frame), so this module
re-implements the algorithm in vectorised numpy/OpenCV and reproduces the
port's published demo outputs (see ``tests/datasets/test_hha.py``).

The algorithm, step by step as in the references:

1. ``Z = 100 * depth`` in cm; back-project with the colour camera matrix
   on 1-based pixel grids: ``X = (u - cx) Z / fx``, ``Y = (v - cy) Z / fy``.
2. Normals by local least squares: in each square window of radius 3
   (``N1``) and 10 (``N2``), fit ``n . P = 1`` over the valid pixels, i.e.
   ``[X/Z, Y/Z, 1] n = 1/Z``. The 3x3 normal equations are summed with
   box filters (zero outside the image and at missing pixels) and solved
   in closed form (adjugate). The normal is flipped so that ``n . P >= 0``.
   A window without a valid pixel gives a NaN normal; one whose valid
   pixels lie on one image line defines no plane, and its normal is
   rounding noise, as in the references.
3. Gravity from ``N2``: starting at ``y = [0, 1, 0]``, 5 iterations with a
   45 degree threshold then 5 with 15 degrees; each takes the normals
   nearly parallel (``|n . y| > cos t``, floor) and nearly perpendicular
   (``|n . y| < sin t``, wall) to ``y`` and sets ``y`` to the eigenvector
   of the smallest eigenvalue of ``Nw Nw^T - Nf Nf^T``.
4. Rotate the points so that ``y`` becomes ``[0, 1, 0]`` (no rotation
   below 0.1 degree); height ``h = -Y_rot - min(-Y_rot)``, or
   ``h = -Y_rot + 130`` when that minimum is above -90 cm.
5. ``angle = acosd(clamp(N1 . y, -1, 1))``, NaN -> 180.
6. ``Z`` clamped to >= 100 cm; channels ``31000 / Z``, ``h`` and
   ``angle + 128 - 90`` are rounded half to even and saturated to uint8.

Units: :func:`depth_to_hha` takes depth in **metres**. Callers convert
their PNGs: NYUD2 toolbox / Gupta PNGs are uint16 mm (divide by 1000),
the Depth2HHA-python demo is in 0.1 mm (divide by 10000).
"""
import math
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

from .nyud2.gupta import GUPTA_CROP_LEFT, GUPTA_CROP_TOP

#: NYUD2 colour camera (Silberman's toolbox ``camera_params.m``): fx, fy,
#: cx, cy in pixels of the uncropped 480x640 image, 1-based coordinates.
NYU_COLOR_CAMERA = np.array([[5.1885790117450188e+02, 0., 0.],
                             [0., 5.1946961112127485e+02, 0.],
                             [0., 0., 1.]])
NYU_COLOR_CAMERA[:2, 2] = (3.2558244941119034e+02, 2.5373616633400465e+02)

#: ``(top, left)`` pixels removed by Gupta et al.'s 425x560 NYUD2 crop
#: (MATLAB rows 46:470 and columns 41:600, 1-based; the real raw depth of
#: image 1 is valid from 0-based row 45 and column 40 on); see
#: :func:`crop_camera_matrix` and :mod:`fsat.datasets.nyud2.gupta`.
GUPTA_CROP = (GUPTA_CROP_TOP, GUPTA_CROP_LEFT)

#: Units :class:`DepthToHHA` and ``tools/data/depth_to_hha.py`` accept, as
#: the number of stored steps per metre. Dividing (not multiplying by
#: 1e-3) is what the references do; the last bit matters where a window's
#: normal is ill-defined (see ``tests/datasets/test_hha.py``).
UNITS_PER_METRE = {'m': 1., 'mm': 1000., '0.1mm': 10000.}

_NORMAL_RADII = (3, 10)  # N1 (angle channel), N2 (gravity)
_GRAVITY_SCHEDULE = ((45., 5), (15., 5))  # (threshold in deg, iterations)


def crop_camera_matrix(camera_matrix: np.ndarray, top: int,
                       left: int) -> np.ndarray:
    """The camera matrix of an image cropped by ``top`` rows, ``left`` cols.

    Cropping moves the principal point: ``cx - left``, ``cy - top``. For
    Gupta et al.'s 425x560 NYUD2 crop use ``crop_camera_matrix(
    NYU_COLOR_CAMERA, *GUPTA_CROP)``.

    Args:
        camera_matrix (np.ndarray): 3x3 matrix of the uncropped image.
        top (int): Rows removed at the top.
        left (int): Columns removed on the left.

    Returns:
        np.ndarray: A new 3x3 float64 matrix.
    """
    out = _check_camera(camera_matrix).copy()
    out[0, 2] -= left
    out[1, 2] -= top
    return out


def _check_camera(camera_matrix: np.ndarray) -> np.ndarray:
    """Validate a 3x3 pinhole matrix, return it as float64."""
    k = np.asarray(camera_matrix, dtype=np.float64)
    if k.shape != (3, 3) or not np.all(np.isfinite(k)):
        raise ValueError(f'camera_matrix must be a finite 3x3 array, got '
                         f'shape {k.shape}')
    if not (k[0, 0] > 0 and k[1, 1] > 0):
        raise ValueError(f'camera_matrix must have positive fx and fy, got '
                         f'fx={k[0, 0]}, fy={k[1, 1]}')
    return k


def _check_inputs(depth: np.ndarray,
                  missing: Optional[np.ndarray]) -> Tuple[np.ndarray,
                                                          np.ndarray]:
    """Validate depth (metres) and mask; return float64 depth, bool mask.

    Non-finite (NaN) and zero depths are missing too; the returned depth
    is 0 there.
    """
    depth = np.asarray(depth)
    if depth.ndim != 2:
        raise ValueError(f'depth must be a 2-D (H, W) array, got shape '
                         f'{depth.shape}')
    if depth.shape[0] < 2 or depth.shape[1] < 2:
        raise ValueError(f'depth must be at least 2x2 pixels, got shape '
                         f'{depth.shape}')
    if not np.issubdtype(depth.dtype, np.floating):
        raise ValueError(
            f'depth must be a floating-point array in metres, got '
            f'{depth.dtype} (divide mm PNGs by 1000, 0.1 mm PNGs by 10000)')
    depth = depth.astype(np.float64)
    if np.isinf(depth).any():
        raise ValueError('depth has infinite values')
    if (depth < 0).any():
        raise ValueError(f'depth has negative values (min {depth.min()})')
    invalid = ~(depth > 0)  # 0 and NaN
    if missing is None:
        mask = invalid
    else:
        mask = np.asarray(missing)
        if mask.shape != depth.shape:
            raise ValueError(f'missing mask has shape {mask.shape}, depth '
                             f'has {depth.shape}')
        if mask.dtype != np.bool_:
            if not (np.issubdtype(mask.dtype, np.integer) and
                    np.isin(mask, (0, 1)).all()):
                raise ValueError(f'missing mask must be boolean (or 0/1), '
                                 f'got {mask.dtype}')
            mask = mask.astype(bool)
        mask = mask | invalid
    if mask.all():
        raise ValueError('depth has no valid pixel: every pixel is missing')
    return np.where(invalid, 0., depth), mask


def point_cloud(z_cm: np.ndarray,
                camera_matrix: np.ndarray) -> Tuple[np.ndarray, np.ndarray,
                                                    np.ndarray]:
    """Back-project a depth map on 1-based pixel grids.

    Args:
        z_cm (np.ndarray): (H, W) depth along the optical axis.
        camera_matrix (np.ndarray): 3x3 pinhole matrix.

    Returns:
        tuple[np.ndarray]: ``X, Y, Z`` (H, W) in the unit of ``z_cm``; ``Y``
        points down the image.
    """
    h, w = z_cm.shape
    u = np.arange(1, w + 1, dtype=np.float64)[None, :]
    v = np.arange(1, h + 1, dtype=np.float64)[:, None]
    x = (u - camera_matrix[0, 2]) * z_cm / camera_matrix[0, 0]
    y = (v - camera_matrix[1, 2]) * z_cm / camera_matrix[1, 1]
    return x, y, z_cm


def _window_sums(planes: np.ndarray, radius: int) -> np.ndarray:
    """Sum each (H, W) plane over (2r+1)^2 windows, zero outside.

    A separable filter with a kernel of ones adds the values directly, so
    a window of zeros sums to exactly 0 (running-sum box filters and
    integral images leave rounding residue there, which would turn the
    NaN normal of an empty window into a random one).
    """
    ones = np.ones(2 * radius + 1, dtype=np.float64)
    out = np.empty_like(planes)
    for i, plane in enumerate(planes):
        out[i] = cv2.sepFilter2D(plane, cv2.CV_64F, ones, ones,
                                 borderType=cv2.BORDER_CONSTANT)
    return out


def surface_normals(z_cm: np.ndarray, missing: np.ndarray,
                    camera_matrix: np.ndarray, radius: int) -> np.ndarray:
    """Least-squares normals over square windows, ignoring missing pixels.

    Fits ``n . P = 1`` to the valid points ``P`` of the ``(2r+1)^2`` window
    around every pixel (windows are clipped at the image border), scales
    ``n`` to unit length and orients it so that ``n . P >= 0`` at the
    pixel itself (``P`` is the point back-projected from ``z_cm`` there,
    missing or not).

    Args:
        z_cm (np.ndarray): (H, W) float64 depth in cm. Values at missing
            pixels are not fitted; they only orient those pixels' normals.
        missing (np.ndarray): (H, W) bool mask of pixels to ignore.
        camera_matrix (np.ndarray): 3x3 pinhole matrix.
        radius (int): Window radius in pixels.

    Returns:
        np.ndarray: (H, W, 3) float64 unit normals; NaN where the window
        holds no valid pixel.
    """
    x, y, z = point_cloud(z_cm, camera_matrix)
    valid = ~missing
    with np.errstate(divide='ignore', invalid='ignore'):
        inv_z = np.where(valid, 1. / z, 0.)
        a = np.where(valid, x / z, 0.)  # X/Z
        b = np.where(valid, y / z, 0.)  # Y/Z
        zz = z * z
        rhs_a = np.where(valid, x / zz, 0.)
        rhs_b = np.where(valid, y / zz, 0.)
    one = valid.astype(np.float64)
    # upper triangle of sum([a b 1]^T [a b 1]) and sum([a b 1]^T / Z)
    s = _window_sums(np.stack([a * a, a * b, a, b * b, b, one,
                               rhs_a, rhs_b, inv_z]), radius)
    s00, s01, s02, s11, s12, s22, t0, t1, t2 = s
    # adjugate of the symmetric matrix; adj @ t is det * the solution, and
    # only the direction matters
    c00 = s11 * s22 - s12 * s12
    c01 = s02 * s12 - s01 * s22
    c02 = s01 * s12 - s02 * s11
    c11 = s00 * s22 - s02 * s02
    c12 = s01 * s02 - s00 * s12
    c22 = s00 * s11 - s01 * s01
    n = np.stack([c00 * t0 + c01 * t1 + c02 * t2,
                  c01 * t0 + c11 * t1 + c12 * t2,
                  c02 * t0 + c12 * t1 + c22 * t2], axis=-1)
    with np.errstate(divide='ignore', invalid='ignore'):
        n /= np.sqrt(np.sum(n * n, axis=-1, keepdims=True))
        # face n.z >= 0, then n . P >= 0 (the second decides but for ties)
        sign = np.sign(n[..., 2:])
        n *= np.where(sign == 0, 1., sign)
        sign = np.sign(n[..., 0] * x + n[..., 1] * y + n[..., 2] * z)
    sign[(sign == 0) | np.isnan(sign)] = 1.
    n *= sign[..., None]
    return n


def gravity_direction(normals: np.ndarray,
                      schedule: Sequence[Tuple[float, int]] = (
                          _GRAVITY_SCHEDULE),
                      y0: Sequence[float] = (0., 1., 0.)) -> np.ndarray:
    """Estimate the gravity direction from a field of surface normals.

    Args:
        normals (np.ndarray): (H, W, 3) unit normals, NaN where unknown.
        schedule (Sequence[tuple]): ``(threshold_deg, iterations)`` pairs
            run in order. Defaults to 5 at 45 degrees, then 5 at 15.
        y0 (Sequence[float]): Initial direction (image "down").

    Returns:
        np.ndarray: (3,) unit vector, the ``y`` axis of the room in camera
        coordinates (pointing down, like the image rows).
    """
    n = normals.reshape(-1, 3)
    n = np.ascontiguousarray(n[~np.isnan(n[:, 0])].T)  # (3, M)
    y = np.asarray(y0, dtype=np.float64)
    for thresh_deg, iters in schedule:
        t = math.radians(thresh_deg)
        for _ in range(iters):
            sim = np.abs(y @ n)
            # +1 for a wall normal, -1 for a floor normal, 0 otherwise:
            # one product gives Nw Nw^T - Nf Nf^T
            weight = ((sim < math.sin(t)).astype(np.float64) -
                      (sim > math.cos(t)))
            if not weight.any():  # no floor and no wall: nothing to learn
                continue
            w, v = np.linalg.eigh((n * weight) @ n.T)
            new = v[:, np.argmin(w)]
            # keep the sign of the previous estimate (the reference would
            # multiply by sign(0) = 0 after an exact 90 degree jump)
            y = -new if y @ new < 0 else new
    return y


def _rotation_between(yi: np.ndarray, yf: np.ndarray) -> np.ndarray:
    """Rotation taking unit ``yi`` to ``yf`` about ``yi x yf`` (Rodrigues);
    the identity when they are within 0.1 degree."""
    yi = yi / np.linalg.norm(yi)
    yf = yf / np.linalg.norm(yf)
    phi = math.degrees(math.acos(float(np.clip(yi @ yf, -1., 1.))))
    if not abs(phi) > 0.1:
        return np.eye(3)
    ax = np.cross(yi, yf)
    ax = ax / np.linalg.norm(ax)
    phi = math.radians(phi)
    k = np.array([[0., -ax[2], ax[1]], [ax[2], 0., -ax[0]],
                  [-ax[1], ax[0], 0.]])
    return np.eye(3) + math.sin(phi) * k + (1. - math.cos(phi)) * (k @ k)


def depth_to_hha(depth_m: np.ndarray,
                 missing: Optional[np.ndarray] = None,
                 camera_matrix: Optional[np.ndarray] = None) -> np.ndarray:
    """Encode one depth map as HHA (disparity, height, angle).

    Args:
        depth_m (np.ndarray): (H, W) float depth in **metres**; 0 or NaN is
            missing. Convert stored PNGs first: ``png / 1000`` for mm (NYUD2
            toolbox, Gupta et al.), ``png / 10000`` for 0.1 mm.
        missing (np.ndarray, optional): (H, W) bool mask of pixels to leave
            out of the normal fits, e.g. ``raw_depth == 0`` when ``depth_m``
            is hole-filled (as Gupta et al. do). The pixels still get a
            disparity and a height from ``depth_m``. Defaults to
            ``depth_m == 0`` (zero/NaN depths are always missing).
        camera_matrix (np.ndarray, optional): 3x3 pinhole matrix of the
            image, 1-based pixel coordinates. Defaults to
            :data:`NYU_COLOR_CAMERA` (uncropped 480x640 NYUD2); for a
            cropped image shift the principal point with
            :func:`crop_camera_matrix`.

    Returns:
        np.ndarray: (H, W, 3) uint8 in channel order disparity
        (``31000 / max(Z_cm, 100)``), height (cm above the lowest point, or
        + 130 cm), angle (degrees to gravity + 38; 218 where no normal).
        Write it with ``cv2.imwrite(path, hha[..., ::-1])`` to get the usual
        PNG whose RGB is (disparity, height, angle).

    Raises:
        ValueError: On a depth that is not a 2-D float array, has negative
            or infinite values or no valid pixel, a mask of another shape,
            or a bad camera matrix.
    """
    k = _check_camera(NYU_COLOR_CAMERA if camera_matrix is None else
                      camera_matrix)
    depth, missing = _check_inputs(depth_m, missing)
    z = depth * 100.
    # the reference fits the normals to (z / 100) * 100, which can differ
    # from z in the last bit
    z_fit = (z / 100.) * 100.
    n1 = surface_normals(z_fit, missing, k, _NORMAL_RADII[0])
    n2 = surface_normals(z_fit, missing, k, _NORMAL_RADII[1])
    if np.isnan(n2[..., 0]).all():
        raise ValueError('depth has too few valid pixels to fit surface '
                         'normals to')
    y_dir = gravity_direction(n2)

    x, y, z = point_cloud(z, k)
    r = _rotation_between(np.array([0., 1., 0.]), y_dir)
    # y of R^T p: the rotated point's height axis
    height = -(r[0, 1] * x + r[1, 1] * y + r[2, 1] * z)
    low = height.min()
    height -= low if low <= -90 else -130.

    with np.errstate(invalid='ignore'):
        cos = np.clip(n1[..., 0] * y_dir[0] + n1[..., 1] * y_dir[1] +
                      n1[..., 2] * y_dir[2], -1., 1.)
    angle = np.degrees(np.arccos(cos))
    angle[np.isnan(angle)] = 180.

    hha = np.stack([31000. / np.maximum(z, 100.), height,
                    angle + (128. - 90.)], axis=-1)
    return np.clip(np.rint(hha), 0, 255).astype(np.uint8)


@TRANSFORMS.register_module()
class DepthToHHA(BaseTransform):
    """Encode depth frames as HHA images (Gupta et al., ECCV 2014).

    Each frame goes through :func:`depth_to_hha`: disparity, height above
    the lowest point and angle to gravity as uint8 channels, with the
    frame's own pixels ``<= 0`` as the missing mask (as for
    :class:`ReplicateDepth` and :class:`JetDepth`; e.g. pixels that
    :class:`SpeckleNoise` made negative). The encoding looks at the whole
    frame (gravity, lowest point), so it should run before crops and
    resizes, on frames in their camera's geometry. About 0.3 s per 480x640
    frame on one core: for training, prefer converting once with
    ``tools/data/depth_to_hha.py``.

    Required keys: ``imgs`` (list of (H, W) depth arrays, ``unit`` each).
    Modified keys: ``imgs`` (list of uint8 (H, W, 3) arrays in channel
    order disparity, height, angle; RGB when written as PNG by
    ``depth_to_hha.py``).

    Args:
        unit (str): Unit of the depth values: ``'mm'`` (Kinect/NTU frames,
            NYUD2 PNGs), ``'0.1mm'`` or ``'m'``. Defaults to ``'mm'``.
        camera_matrix (Sequence, optional): 3x3 pinhole matrix of the
            frames (1-based pixels). Defaults to the NYUD2 colour camera,
            which only fits uncropped 480x640 NYUD2 frames: pass your
            sensor's intrinsics otherwise.
    """

    def __init__(self, unit: str = 'mm',
                 camera_matrix: Optional[Sequence] = None) -> None:
        if unit not in UNITS_PER_METRE:
            raise ValueError(f'unit must be one of {sorted(UNITS_PER_METRE)}, '
                             f'got {unit!r}')
        self.unit = unit
        self.camera_matrix = _check_camera(
            NYU_COLOR_CAMERA if camera_matrix is None else camera_matrix)

    def encode(self, depth: np.ndarray) -> np.ndarray:
        """One (H, W) depth frame in ``unit`` -> uint8 (H, W, 3) HHA."""
        depth = np.asarray(depth, dtype=np.float64)
        if depth.ndim == 3 and depth.shape[2] == 1:
            depth = depth[..., 0]
        depth = np.maximum(depth, 0.) / UNITS_PER_METRE[self.unit]
        return depth_to_hha(depth, camera_matrix=self.camera_matrix)

    def transform(self, results: Dict) -> Dict:
        """Encode every frame."""
        results['imgs'] = [self.encode(img) for img in results['imgs']]
        return results

    def __repr__(self) -> str:
        k = self.camera_matrix
        return (f'{self.__class__.__name__}(unit={self.unit!r}, fx={k[0, 0]:g}'
                f', fy={k[1, 1]:g}, cx={k[0, 2]:g}, cy={k[1, 2]:g})')


def read_depth_image(path: str, unit: str) -> np.ndarray:
    """Read a single-channel depth image and convert it to metres.

    Args:
        path (str): A 16-bit PNG (or a float32 TIFF/EXR OpenCV can read).
        unit (str): Unit of the stored values, a key of
            :data:`UNITS_PER_METRE` (``'m'``, ``'mm'`` or ``'0.1mm'``).

    Returns:
        np.ndarray: (H, W) float64 depth in metres, 0 where missing.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it is not an image, has several channels, or is
            8-bit (an 8-bit PNG is a visualisation, not depth).
    """
    if unit not in UNITS_PER_METRE:
        raise ValueError(f'unit must be one of {sorted(UNITS_PER_METRE)}, '
                         f'got {unit!r}')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such depth image')
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'{path}: not an image OpenCV can read')
    if img.ndim != 2:
        raise ValueError(f'{path}: a depth image has 1 channel, this one '
                         f'has {img.shape[2]}')
    if img.dtype not in (np.uint16, np.float32, np.float64):
        raise ValueError(f'{path}: depth must be 16-bit (or float), got '
                         f'{img.dtype}; an 8-bit PNG is not a depth map')
    return img.astype(np.float64) / UNITS_PER_METRE[unit]


def convert_depth_file(depth_path: str,
                       out_path: str,
                       unit: str,
                       raw_path: Optional[str] = None,
                       camera_matrix: Optional[np.ndarray] = None,
                       skip_existing: bool = True) -> str:
    """Encode one depth image as an HHA PNG, atomically.

    The PNG's RGB channels are (disparity, height, angle), as in Gupta et
    al.'s and Depth2HHA-python's files. It is written to a temporary file
    beside ``out_path`` and renamed, so an interrupted run never leaves a
    truncated PNG that a resumed run would skip.

    Args:
        depth_path (str): The depth image (see :func:`read_depth_image`).
        out_path (str): The HHA PNG to write.
        unit (str): Unit of the stored depth values.
        raw_path (str, optional): Raw (unfilled) depth of the same frame;
            its zero pixels are the missing mask. Defaults to the zero
            pixels of ``depth_path``.
        camera_matrix (np.ndarray, optional): See :func:`depth_to_hha`.
        skip_existing (bool): Leave an existing ``out_path`` alone.
            Defaults to True.

    Returns:
        str: ``'done'`` or ``'skipped'``.
    """
    if skip_existing and osp.exists(out_path):
        return 'skipped'
    depth = read_depth_image(depth_path, unit)
    missing = None
    if raw_path is not None:
        raw = read_depth_image(raw_path, unit)
        if raw.shape != depth.shape:
            raise ValueError(f'{raw_path}: raw depth is {raw.shape}, '
                             f'{depth_path} is {depth.shape}')
        missing = raw == 0
    try:
        hha = depth_to_hha(depth, missing, camera_matrix)
    except ValueError as e:
        raise ValueError(f'{depth_path}: {e}') from None
    write_hha_png(out_path, hha)
    return 'done'


def write_hha_png(out_path: str, hha: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 HHA image as a PNG whose RGB channels are
    (disparity, height, angle), atomically: a temporary file beside
    ``out_path`` (its folder made if missing) is renamed, so an interrupted
    run never leaves a truncated PNG that a resumed run would skip."""
    folder = osp.dirname(osp.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(out_path)}.{os.getpid()}.png')
    try:
        if not cv2.imwrite(tmp, np.ascontiguousarray(hha[..., ::-1])):
            raise OSError(f'{out_path}: OpenCV could not write the PNG')
        os.replace(tmp, out_path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
