# Copyright (c) fsat contributors. All rights reserved.
"""The NYUD2-format synthetic indoor world: rooms of box furniture.

The action world of this package has no furniture and no per-pixel
object labels, and NYU Depth V2 itself cannot be shipped, so this module
renders small indoor scenes that look like NYUD2 frames to its readers
and its detection pipeline: per image an RGB picture, a filled depth map
and a raw depth map with the holes of a Kinect v1, per-pixel labels and
instance numbers, all at NYUD2's 480x640 with its colour camera.

**World.** A room is an axis-aligned box (metres, ``y`` up, floor at
``y = 0``): floor, four walls and a ceiling, each with its own material.
Furniture stands on the floor, each piece built from a few boxes with the
geometry typical of its class (:data:`INDOOR_CLASSES`): beds with a
mattress and headboard, bookshelves with shelves and blocks of books,
chairs with legs and a back, dressers and night stands with drawer
fronts, sofas with a back and arms, tables with four legs, and monitors
standing on tables and dressers. Sizes are drawn from class ranges, so
absolute size (visible in depth) tells e.g. a dresser from a night
stand. Wall-standing classes stand with their back to a wall, chairs and
tables anywhere. Flat pictures hang on the walls (label ``picture``, not a
detection class).

**Appearance is not class-specific.** Every object draws two random
materials (colour and one of six procedural patterns: plain, stripes in
either direction, checker, value noise, planks) from one distribution for
all classes; which part takes which material is fixed per class (e.g. a
mattress versus its bed frame). RGB shows shapes through shading: a
directional light, a ceiling point light and ambient light, a random
white balance, vignetting, sensor noise and a slight blur.

**Camera.** NYUD2's colour camera (:data:`fsat.datasets.hha.
NYU_COLOR_CAMERA`: fx 518.86, fy 519.47, cx 325.58, cy 253.74, 1-based
pixel coordinates) at 480x640, standing 0.3-0.8 m in front of a wall,
1.0-1.6 m above the floor, looking into the room with a random yaw, a
downward pitch and a small roll. Camera space is x right, y down, z
forward; depth is the camera-space ``z`` in metres, as NYUD2's depths
and :func:`fsat.datasets.hha.depth_to_hha` expect.

**Rasteriser.** One ray per pixel centre (0-based column ``j`` is
``u = j + 1``), intersected with the room's inner faces and with every
box (slab test in the box's frame), vectorised over the pixels inside
the box's projected rectangle; the nearest hit wins (a z-buffer).

**Depth sensor.** ``depths`` is the clean render. ``rawDepths`` imitates
a Kinect v1 registered to the colour camera: noise growing with ``z**2``,
millimetre steps, and zeros (missing) beyond the sensor's range, in the
projector's shadow beside depth discontinuities, on dark or grazing
surfaces, in a few specular blobs and in a border band (top and left
mostly, as in NYUD2's raw depths, where the depth camera does not cover
the colour image).

**Labels.** ``labels`` index :data:`INDOOR_NAMES` (1-based, 0 never
occurs), which holds the raw NYUD2 spellings of all 19 detection classes
(so the 19-class mapping of :mod:`fsat.datasets.nyud2.detection` finds
every name) plus ``wall``, ``floor``, ``ceiling`` and ``picture``.
``instances`` number the visible objects of each label 1, 2, ... in each
image, as in the real file (an object is a ``(label, instance)`` pair).

Everything is drawn from :func:`.rng.make_rng` streams keyed by the world
seed and the scene (room, furniture, cameras) or view (light, materials'
noise, sensor), so an image does not depend on the order or process in
which images are rendered. The writer is :mod:`.indoor_writer`.
"""
import functools
import math
from dataclasses import dataclass, fields
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .rng import make_rng
from .sensors import gaussian_noise

__all__ = [
    'INDOOR_CLASSES', 'INDOOR_NAMES', 'INDOOR_PRESETS', 'INDOOR_SCENE_TYPES',
    'IndoorPreset', 'IndoorView', 'get_indoor_preset', 'look_at_pose',
    'plan_indoor', 'raycast_boxes', 'render_view'
]

#: NYUD2 colour camera (fx, fy, cx, cy; 1-based pixels of the 480x640
#: image), the values of :data:`fsat.datasets.hha.NYU_COLOR_CAMERA`
#: (repeated here: this package imports neither torch nor mmengine).
NYU_INTRINSICS = (5.1885790117450188e+02, 5.1946961112127485e+02,
                  3.2558244941119034e+02, 2.5373616633400465e+02)
#: (height, width) of NYUD2's labeled images.
IMAGE_SIZE = (480, 640)

#: The detection classes the world renders (Gupta et al.'s spelling, as
#: :data:`fsat.datasets.nyud2.NYUD2_DET_CLASSES`).
INDOOR_CLASSES: Tuple[str, ...] = ('bed', 'bookshelf', 'chair', 'dresser',
                                   'monitor', 'night-stand', 'sofa',
                                   'table')
#: Class -> the raw NYUD2 name its pixels are labeled with.
_RAW = {'night-stand': 'night stand'}
#: The ``names`` table written to the labeled file: all 19 raw detection
#: names (:data:`fsat.datasets.nyud2.NYUD2_DET_RAW_NAMES`) and the room's
#: structure, sorted. Label id ``k`` is ``INDOOR_NAMES[k - 1]``.
INDOOR_NAMES: Tuple[str, ...] = tuple(sorted((
    'bathtub', 'bed', 'bookshelf', 'box', 'ceiling', 'chair', 'counter',
    'desk', 'door', 'dresser', 'floor', 'garbage bin', 'lamp', 'monitor',
    'night stand', 'picture', 'pillow', 'sink', 'sofa', 'table',
    'television', 'toilet', 'wall')))
_LABEL = {name: i + 1 for i, name in enumerate(INDOOR_NAMES)}

#: Floor-standing classes; monitors stand on tables and dressers.
_FLOOR_CLASSES = ('bed', 'bookshelf', 'chair', 'dresser', 'night-stand',
                  'sofa', 'table')
#: Scene type -> relative frequency of each floor class (same order).
INDOOR_SCENE_TYPES: Dict[str, Tuple[float, ...]] = {
    'bedroom': (3., 1., 1., 2., 3., .5, .5),
    'living_room': (.3, 2., 2., 1., .5, 3., 2.),
    'office': (.2, 2., 3., 1., .5, .5, 3.),
}
#: At most this many objects of a class per room.
_MAX_PER_ROOM = {'bed': 2, 'sofa': 2}
#: Classes that stand with their back against a wall.
_AGAINST_WALL = ('bed', 'bookshelf', 'dresser', 'night-stand', 'sofa')
#: Classes a monitor may stand on.
_MONITOR_HOSTS = ('dresser', 'table')


@dataclass(frozen=True)
class IndoorPreset:
    """Parameters of the NYUD2-format indoor world.

    Ranges are ``(min, max)`` of uniform draws. Sizes in metres, angles
    in degrees.

    Args:
        name (str): Preset name, recorded in ``world.json``.
        num_train (int): Images of the training split.
        num_test (int): Images of the test split.
        views_per_scene (tuple): Images per room (camera poses); a room's
            images are all in one split, as NYUD2's scenes.
        objects_per_room (tuple): Floor-standing objects tried per room
            (fewer when they do not fit).
        room_width (tuple): Room extent along x.
        room_depth (tuple): Room extent along z.
        room_height (tuple): Ceiling height.
        camera_height (tuple): Camera height above the floor.
        camera_pitch (tuple): Camera pitch (negative looks down).
        camera_roll (float): Half range of the camera roll.
        camera_yaw (float): Half range of the yaw around the direction
            into the room.
        pictures_per_room (tuple): Pictures hung on the walls.
        monitor_prob (float): Chance that a table or dresser carries a
            monitor.
        textured_prob (float): Chance that a material has a pattern.
        ambient (tuple): Ambient light level.
        light_gain (tuple): Overall exposure factor.
        rgb_noise (float): Standard deviation of the RGB noise (0-1).
        depth_noise (float): Raw depth noise: standard deviation
            ``depth_noise * z**2`` (m).
        max_range (tuple): Range of the depth sensor (m); farther pixels
            are missing in the raw depth.
        shadow (bool): Projector shadows beside depth discontinuities.
        dark_dropout (float): Chance that a dark-surface pixel is missing
            (in smooth patches).
        grazing_cos (float): Pixels whose surface is seen at a cosine
            below this are missing.
        specular_blobs (float): Mean number of missing elliptical blobs.
        border (bool): Missing band along the image border.
    """

    name: str = 'nyud2'
    num_train: int = 200
    num_test: int = 160
    views_per_scene: Tuple[int, int] = (1, 3)
    objects_per_room: Tuple[int, int] = (4, 8)
    room_width: Tuple[float, float] = (3.2, 6.0)
    room_depth: Tuple[float, float] = (3.5, 7.0)
    room_height: Tuple[float, float] = (2.4, 3.0)
    camera_height: Tuple[float, float] = (1.0, 1.6)
    camera_pitch: Tuple[float, float] = (-25.0, -5.0)
    camera_roll: float = 4.0
    camera_yaw: float = 30.0
    pictures_per_room: Tuple[int, int] = (0, 3)
    monitor_prob: float = 0.5
    textured_prob: float = 0.6
    ambient: Tuple[float, float] = (0.25, 0.5)
    light_gain: Tuple[float, float] = (0.75, 1.2)
    rgb_noise: float = 0.012
    depth_noise: float = 1.4e-3
    max_range: Tuple[float, float] = (6.0, 9.0)
    shadow: bool = True
    dark_dropout: float = 0.7
    grazing_cos: float = 0.1
    specular_blobs: float = 2.0
    border: bool = True

    def __post_init__(self) -> None:
        checks = (
            (self.num_train >= 1 and self.num_test >= 1,
             'num_train and num_test must be >= 1'),
            (1 <= self.views_per_scene[0] <= self.views_per_scene[1],
             'views_per_scene must be (min, max) with 1 <= min <= max'),
            (0 <= self.objects_per_room[0] <= self.objects_per_room[1],
             'objects_per_room must be (min, max) with 0 <= min <= max'),
            (self.room_width[0] >= 2.5 and self.room_depth[0] >= 2.5,
             'room_width and room_depth must be >= 2.5 m'),
            (self.camera_height[1] < self.room_height[0] - 0.2,
             'camera_height must stay 0.2 m below room_height'),
            (0 <= self.monitor_prob <= 1 and 0 <= self.textured_prob <= 1
             and 0 <= self.dark_dropout <= 1,
             'probabilities must be in [0, 1]'),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f'indoor preset {self.name!r}: {message}')
        for f in fields(self):
            value = getattr(self, f.name)
            if (isinstance(value, tuple) and len(value) == 2
                    and value[0] > value[1]):
                raise ValueError(f'indoor preset {self.name!r}: {f.name}='
                                 f'{value} must be (min, max)')

    @property
    def num_images(self) -> int:
        """Images of the world (train + test)."""
        return self.num_train + self.num_test

    def to_dict(self) -> dict:
        """JSON-friendly form (tuples become lists)."""
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in (getattr(self, f.name), )}


#: Named presets: ``nyud2`` (360 images, 200 train / 160 test) and
#: ``nyud2_tiny`` (6 images, for unit tests).
INDOOR_PRESETS: Dict[str, IndoorPreset] = {
    'nyud2': IndoorPreset(),
    'nyud2_tiny': IndoorPreset(name='nyud2_tiny', num_train=4, num_test=2,
                               views_per_scene=(1, 2)),
}


def get_indoor_preset(preset, **overrides) -> IndoorPreset:
    """Look up an indoor preset by name (or pass one through).

    Args:
        preset (str | IndoorPreset): A name of :data:`INDOOR_PRESETS` or a
            preset.
        **overrides: Fields to replace (the name becomes
            ``<name>-custom``).

    Raises:
        ValueError: For an unknown name or field.
    """
    from dataclasses import replace
    if isinstance(preset, str):
        if preset not in INDOOR_PRESETS:
            raise ValueError(f'unknown indoor preset {preset!r}; choose one '
                             'of: ' + ', '.join(sorted(INDOOR_PRESETS)))
        preset = INDOOR_PRESETS[preset]
    if not overrides:
        return preset
    known = [f.name for f in fields(IndoorPreset) if f.name != 'name']
    for key in overrides:
        if key not in known:
            raise ValueError(f'unknown indoor world parameter {key!r}; '
                             'known: ' + ', '.join(known))
    return replace(preset, name=f'{preset.name}-custom', **overrides)


# --------------------------------------------------------------- the plan
@dataclass(frozen=True)
class IndoorView:
    """One image of the world.

    Args:
        index (int): 0-based image index in the labeled file.
        scene (str): Room name, e.g. ``'bedroom_0003'``.
        scene_type (str): A key of :data:`INDOOR_SCENE_TYPES`.
        view (int): 0-based view of the room.
        num_views (int): Views of the room.
        split (str): ``'train'`` or ``'test'``.
    """

    index: int
    scene: str
    scene_type: str
    view: int
    num_views: int
    split: str

    @property
    def key(self) -> str:
        """How errors name the view."""
        return f'{self.index:04d} ({self.scene} view {self.view})'


def plan_indoor(preset: IndoorPreset, seed: int) -> List[IndoorView]:
    """Every image of the world, in file order.

    Rooms get 1..``views_per_scene`` views; each split is filled with
    whole rooms (the last one of a split may have fewer views), so the
    splits share no room; then the rooms are shuffled, which interleaves
    train and test images in the file (as in NYUD2's ``splits.mat``).
    Rooms are named ``<type>_%04d``, numbered per type in file order.
    """
    rng = make_rng(seed, 'indoor-plan')
    types = sorted(INDOOR_SCENE_TYPES)
    rooms = []
    for split, count in (('train', preset.num_train),
                         ('test', preset.num_test)):
        left = count
        while left > 0:
            k = int(rng.integers(preset.views_per_scene[0],
                                 preset.views_per_scene[1] + 1))
            k = min(k, left)
            rooms.append((split, types[int(rng.integers(len(types)))], k))
            left -= k
    order = rng.permutation(len(rooms))
    views, numbers = [], {t: 0 for t in types}
    for r in order:
        split, scene_type, k = rooms[r]
        numbers[scene_type] += 1
        scene = f'{scene_type}_{numbers[scene_type]:04d}'
        for view in range(k):
            views.append(IndoorView(len(views), scene, scene_type, view, k,
                                    split))
    return views


# --------------------------------------------------------------- geometry
def _yaw_matrix(yaw: float) -> np.ndarray:
    """Rotation about +y taking local +z (an object's front) to
    ``(sin yaw, 0, cos yaw)``."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0., s], [0., 1., 0.], [-s, 0., c]])


def look_at_pose(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Camera-to-world rotation of a camera with the given angles.

    Args:
        yaw (float): Heading in radians; 0 looks along +z, pi/2 along +x.
        pitch (float): Radians, negative looks down.
        roll (float): Radians about the optical axis.

    Returns:
        np.ndarray: 3x3 matrix whose columns are the camera's x (right),
        y (down) and z (forward) axes in the world.
    """
    f = np.array([math.sin(yaw) * math.cos(pitch), math.sin(pitch),
                  math.cos(yaw) * math.cos(pitch)])
    r = np.cross(f, [0., 1., 0.])
    r /= np.linalg.norm(r)
    d = np.cross(f, r)
    c, s = math.cos(roll), math.sin(roll)
    r, d = c * r + s * d, -s * r + c * d
    return np.stack([r, d, f], axis=1)


@functools.lru_cache(maxsize=2)
def _camera_rays(intrinsics: Tuple[float, float, float, float],
                 size: Tuple[int, int]) -> np.ndarray:
    """(H, W, 3) float32 camera-space ray directions with z = 1 through
    the pixel centres (0-based column j is u = j + 1)."""
    fx, fy, cx, cy = intrinsics
    h, w = size
    rays = np.empty((h, w, 3), np.float32)
    rays[..., 0] = ((np.arange(1, w + 1) - cx) / fx)[None, :]
    rays[..., 1] = ((np.arange(1, h + 1) - cy) / fy)[:, None]
    rays[..., 2] = 1.
    rays.setflags(write=False)
    return rays


@dataclass
class Boxes:
    """Oriented boxes (rotated about y) of a scene.

    Attributes:
        centers (np.ndarray): (B, 3) world centres.
        halves (np.ndarray): (B, 3) half extents along the local axes.
        yaws (np.ndarray): (B,) rotation about y (radians).
        objects (np.ndarray): (B,) int index of the box's object.
        materials (np.ndarray): (B,) int index into the materials.
    """

    centers: np.ndarray
    halves: np.ndarray
    yaws: np.ndarray
    objects: np.ndarray
    materials: np.ndarray

    def __len__(self) -> int:
        return len(self.yaws)

    def corners(self, b: int) -> np.ndarray:
        """(8, 3) world corners of box ``b``."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1)
                          for sz in (-1, 1)], np.float64)
        return (signs * self.halves[b]) @ _yaw_matrix(
            self.yaws[b]).T + self.centers[b]


#: The 12 edges of a box, as pairs of :meth:`Boxes.corners` indices.
_EDGES = [(a, a ^ bit) for a in range(8) for bit in (1, 2, 4) if a < a ^ bit]
_NEAR = 1e-3


def _box_rect(corners: np.ndarray, origin: np.ndarray, rot: np.ndarray,
              intrinsics, size) -> Optional[Tuple[int, int, int, int]]:
    """Pixel rectangle ``(r0, r1, c0, c1)`` (exclusive ends, one pixel of
    margin) holding the projection of a box, or None when it is out of
    view. A box crossing the camera plane is clipped there first: its
    projection is that of its corners in front and of the points where
    its edges cross the plane ``z = 1 mm``."""
    h, w = size
    cam = (corners - origin) @ rot  # camera coordinates
    front = cam[:, 2] > _NEAR
    if not front.any():
        return None
    points = [cam[front]]
    if not front.all():
        for a, b in _EDGES:
            if front[a] != front[b]:
                s = (_NEAR - cam[a, 2]) / (cam[b, 2] - cam[a, 2])
                points.append((cam[a] + s * (cam[b] - cam[a]))[None])
    pts = np.concatenate(points)
    fx, fy, cx, cy = intrinsics
    u = fx * pts[:, 0] / pts[:, 2] + cx - 1.  # 0-based columns
    v = fy * pts[:, 1] / pts[:, 2] + cy - 1.
    c0 = int(max(math.floor(u.min()) - 1, 0))
    c1 = int(min(math.ceil(u.max()) + 2, w))
    r0 = int(max(math.floor(v.min()) - 1, 0))
    r1 = int(min(math.ceil(v.max()) + 2, h))
    if c0 >= c1 or r0 >= r1:
        return None
    return r0, r1, c0, c1


def raycast_boxes(origin: np.ndarray, rot: np.ndarray,
                  room: Sequence[float], boxes: Boxes,
                  intrinsics=NYU_INTRINSICS,
                  size: Tuple[int, int] = IMAGE_SIZE) -> Dict[str, object]:
    """Cast one ray per pixel into a room of boxes (a z-buffer).

    Args:
        origin (np.ndarray): (3,) camera centre in the world, inside the
            room.
        rot (np.ndarray): 3x3 camera-to-world rotation
            (:func:`look_at_pose`).
        room (Sequence[float]): ``(width, height, depth)``: the room spans
            ``[0, width] x [0, height] x [0, depth]``.
        boxes (Boxes): The boxes in the room.
        intrinsics (tuple): ``(fx, fy, cx, cy)``, 1-based pixels.
        size (tuple): ``(height, width)`` of the image.

    Returns:
        dict: ``depth`` (H, W) float32 camera-space z (m); ``hit`` (H, W)
        int32: the box index, or ``-1 - face`` for the room's faces
        (face ``2 * axis + (1 if the far side)``: 0/1 walls x = 0 /
        width, 2 floor, 3 ceiling, 4/5 walls z = 0 / depth);
        ``normal`` (H, W, 3) float32 world normals facing the camera;
        ``uv`` (H, W, 2) float32 surface coordinates (m) for textures;
        ``points`` (H, W, 3) float32 world hit points.
    """
    origin = np.asarray(origin, np.float64)
    rot = np.asarray(rot, np.float64)
    rays = _camera_rays(tuple(float(v) for v in intrinsics), tuple(size))
    dirs = rays @ rot.T.astype(np.float32)  # world, camera z = 1
    h, w = size
    # room: the ray leaves through the nearest far side of the 3 slabs
    depth = np.full((h, w), np.inf, np.float32)
    hit = np.zeros((h, w), np.int32)
    with np.errstate(divide='ignore', invalid='ignore'):
        for axis in range(3):
            d = dirs[..., axis]
            hi = np.float32(room[axis] - origin[axis])
            lo = np.float32(-origin[axis])
            t = np.where(d > 0, hi / d, lo / d)
            t[d == 0] = np.inf
            closer = t < depth
            depth[closer] = t[closer]
            hit[closer] = -1 - (2 * axis + (d[closer] > 0))
        local_axis = np.zeros((h, w), np.int8)
        rects = {}
        for b in range(len(boxes)):
            rect = _box_rect(boxes.corners(b), origin, rot, intrinsics, size)
            if rect is None:
                continue
            r0, r1, c0, c1 = rects[b] = rect
            rmat = _yaw_matrix(boxes.yaws[b]).astype(np.float32)
            ld = dirs[r0:r1, c0:c1] @ rmat  # R^T d, per pixel
            lo = (origin - boxes.centers[b]) @ rmat.astype(np.float64)
            half = boxes.halves[b].astype(np.float32)
            inv = np.float32(1.) / ld
            t1 = (-half - lo.astype(np.float32)) * inv
            t2 = (half - lo.astype(np.float32)) * inv
            tmin = np.minimum(t1, t2)
            near = tmin.max(axis=-1)
            far = np.maximum(t1, t2).min(axis=-1)
            zbuf = depth[r0:r1, c0:c1]
            sel = (near <= far) & (near > 1e-4) & (near < zbuf)
            if not sel.any():
                continue
            zbuf[sel] = near[sel]
            hit[r0:r1, c0:c1][sel] = b
            local_axis[r0:r1, c0:c1][sel] = tmin.argmax(axis=-1)[sel]
    points = origin.astype(np.float32) + dirs * depth[..., None]
    normal = np.zeros((h, w, 3), np.float32)
    uv = np.zeros((h, w, 2), np.float32)
    for face in range(6):
        axis, far_side = divmod(face, 2)
        m = hit == -1 - face
        normal[m, axis] = -1. if far_side else 1.
        others = [a for a in range(3) if a != axis]
        uv[m] = points[m][:, others]
    for b, (r0, r1, c0, c1) in rects.items():
        m = np.zeros((h, w), bool)
        m[r0:r1, c0:c1] = hit[r0:r1, c0:c1] == b
        if not m.any():
            continue
        rmat = _yaw_matrix(boxes.yaws[b])
        local = (points[m] - boxes.centers[b]) @ rmat
        axis = local_axis[m].astype(np.int64)
        rows = np.arange(len(axis))
        sign = np.sign(local[rows, axis])
        sign[sign == 0] = 1.
        n_local = np.zeros_like(local)
        n_local[rows, axis] = sign
        normal[m] = n_local @ rmat.T
        # the face's two other local axes, offset per box
        others = np.array([[1, 2], [0, 2], [0, 1]])[axis]
        uv[m] = local[rows[:, None], others] + 0.37 * b
    return dict(depth=depth, hit=hit, normal=normal, uv=uv, points=points)


# ------------------------------------------------------------- furniture
def _u(rng: np.random.Generator, pair) -> float:
    return float(rng.uniform(pair[0], pair[1]))


def _part(parts: list, center, half, slot: int) -> None:
    parts.append((np.asarray(center, float), np.abs(np.asarray(half,
                                                               float)),
                  slot))


def _furniture(cls: str, rng: np.random.Generator) -> Tuple[list, tuple]:
    """Parts of one object in its frame (origin at the floor centre of its
    footprint, front towards +z) and its footprint ``(width, depth)``.

    Each part is ``(center, half, slot)``; slot 0/1 are the object's two
    materials, 2+ a material of its own (books).
    """
    parts: list = []
    if cls == 'bed':
        w, d = _u(rng, (0.9, 1.9)), _u(rng, (1.9, 2.2))
        hb, mt = _u(rng, (0.2, 0.35)), _u(rng, (0.15, 0.28))
        hh, th = _u(rng, (0.8, 1.3)), _u(rng, (0.05, 0.1))
        _part(parts, (0, hb / 2, 0), (w / 2, hb / 2, d / 2), 0)
        _part(parts, (0, hb + mt / 2, 0.03), (w / 2 - 0.03, mt / 2,
                                              d / 2 - 0.07), 1)
        _part(parts, (0, hh / 2, -d / 2 + th / 2), (w / 2, hh / 2, th / 2),
              0)
        if rng.random() < 0.4:
            fh = _u(rng, (0.4, 0.6))
            _part(parts, (0, fh / 2, d / 2 - th / 2), (w / 2, fh / 2,
                                                       th / 2), 0)
    elif cls == 'bookshelf':
        w, d, hgt = _u(rng, (0.6, 1.2)), _u(rng, (0.25, 0.4)), _u(
            rng, (1.2, 2.1))
        t = _u(rng, (0.018, 0.03))
        _part(parts, (-w / 2 + t / 2, hgt / 2, 0), (t / 2, hgt / 2, d / 2),
              0)
        _part(parts, (w / 2 - t / 2, hgt / 2, 0), (t / 2, hgt / 2, d / 2),
              0)
        _part(parts, (0, hgt - t / 2, 0), (w / 2, t / 2, d / 2), 0)
        plinth = _u(rng, (0.05, 0.1))
        _part(parts, (0, plinth / 2, 0), (w / 2 - t, plinth / 2, d / 2),
              0)
        _part(parts, (0, hgt / 2, -d / 2 + 0.006), (w / 2 - t, hgt / 2,
                                                    0.006), 1)
        n_shelves = max(int(round((hgt - plinth) / _u(rng, (0.3, 0.4)))),
                        2)
        step = (hgt - plinth - t) / n_shelves
        inner = w - 2 * t
        for k in range(n_shelves):
            y0 = plinth + k * step
            if k:
                _part(parts, (0, y0, 0), (w / 2 - t, t / 2, d / 2 - 0.01),
                      0)
            # blocks of books standing on the shelf, own colours
            x = -inner / 2 + 0.01
            while rng.random() < 0.8:
                bw = _u(rng, (0.08, 0.45)) * inner
                if x + bw > inner / 2 - 0.01:
                    break
                bh = _u(rng, (0.55, 0.9)) * (step - t)
                bd = _u(rng, (0.6, 0.9)) * (d - 0.02)
                _part(parts, (x + bw / 2, y0 + t / 2 + bh / 2,
                              -d / 2 + 0.012 + bd / 2),
                      (bw / 2, bh / 2, bd / 2), 2 + len(parts))
                x += bw + _u(rng, (0.0, 0.12))
    elif cls == 'chair':
        w, d = _u(rng, (0.4, 0.52)), _u(rng, (0.4, 0.5))
        sh, st = _u(rng, (0.42, 0.5)), _u(rng, (0.03, 0.08))
        lt, bh, bt = _u(rng, (0.025, 0.05)), _u(rng, (0.35, 0.55)), _u(
            rng, (0.025, 0.06))
        for sx in (-1, 1):
            for sz in (-1, 1):
                _part(parts, (sx * (w / 2 - lt / 2), (sh - st) / 2,
                              sz * (d / 2 - lt / 2)),
                      (lt / 2, (sh - st) / 2, lt / 2), 0)
        _part(parts, (0, sh - st / 2, 0), (w / 2, st / 2, d / 2), 1)
        _part(parts, (0, sh + bh / 2, -d / 2 + bt / 2),
              (w / 2, bh / 2, bt / 2), 1 if rng.random() < 0.5 else 0)
    elif cls in ('dresser', 'night-stand'):
        if cls == 'dresser':
            w, d, hgt = _u(rng, (0.8, 1.6)), _u(rng, (0.42, 0.6)), _u(
                rng, (0.7, 1.2))
            rows = int(rng.integers(3, 6))
            cols = 2 if w > 1.1 and rng.random() < 0.6 else 1
            legs = 0.
        else:
            w, d, hgt = _u(rng, (0.38, 0.6)), _u(rng, (0.33, 0.48)), _u(
                rng, (0.45, 0.68))
            rows, cols = int(rng.integers(1, 3)), 1
            legs = _u(rng, (0.08, 0.16)) if rng.random() < 0.5 else 0.
        body = hgt - legs
        _part(parts, (0, legs + body / 2, -0.01), (w / 2, body / 2,
                                                   d / 2 - 0.01), 0)
        if legs:
            for sx in (-1, 1):
                for sz in (-1, 1):
                    _part(parts, (sx * (w / 2 - 0.03), legs / 2,
                                  sz * (d / 2 - 0.03)),
                          (0.02, legs / 2, 0.02), 0)
        gap, top = 0.015, 0.04
        # night stands: drawers in the upper part, an open shelf below
        span = body - top - gap if cls == 'dresser' else (body - top) * (
            0.5 if rows == 1 else 0.75)
        fh = span / rows - gap
        fw = (w - gap * (cols + 1)) / cols
        for r in range(rows):
            for c in range(cols):
                x = -w / 2 + gap + fw / 2 + c * (fw + gap)
                y = legs + body - top - (r + 0.5) * (fh + gap)
                _part(parts, (x, y, d / 2 - 0.0075),
                      (fw / 2, fh / 2, 0.0125), 1)
    elif cls == 'sofa':
        w, d = _u(rng, (1.4, 2.4)), _u(rng, (0.8, 1.0))
        sh, bh, bt = _u(rng, (0.38, 0.48)), _u(rng, (0.75, 0.95)), _u(
            rng, (0.15, 0.25))
        aw, ah = _u(rng, (0.1, 0.22)), _u(rng, (0.55, 0.7))
        feet = _u(rng, (0.03, 0.1))
        cushion = 0.12
        _part(parts, (0, feet + (sh - cushion - feet) / 2, 0),
              (w / 2, (sh - cushion - feet) / 2, d / 2), 0)
        _part(parts, (0, sh - cushion / 2, bt / 2),
              (w / 2 - aw, cushion / 2, d / 2 - bt / 2), 1)
        _part(parts, (0, feet + (bh - feet) / 2, -d / 2 + bt / 2),
              (w / 2, (bh - feet) / 2, bt / 2), 0)
        for sx in (-1, 1):
            _part(parts, (sx * (w / 2 - aw / 2), feet + (ah - feet) / 2, 0),
                  (aw / 2, (ah - feet) / 2, d / 2), 0)
            for sz in (-1, 1):
                _part(parts, (sx * (w / 2 - 0.05), feet / 2,
                              sz * (d / 2 - 0.05)),
                      (0.025, feet / 2, 0.025), 1)
    elif cls == 'table':
        w, d, hgt = _u(rng, (0.8, 1.8)), _u(rng, (0.6, 1.0)), _u(
            rng, (0.7, 0.78))
        tt, lt = _u(rng, (0.025, 0.06)), _u(rng, (0.04, 0.08))
        inset = _u(rng, (0.02, 0.12))
        _part(parts, (0, hgt - tt / 2, 0), (w / 2, tt / 2, d / 2), 0)
        slot = 0 if rng.random() < 0.5 else 1
        for sx in (-1, 1):
            for sz in (-1, 1):
                _part(parts, (sx * (w / 2 - inset - lt / 2),
                              (hgt - tt) / 2,
                              sz * (d / 2 - inset - lt / 2)),
                      (lt / 2, (hgt - tt) / 2, lt / 2), slot)
    elif cls == 'monitor':
        w, ph, pt = _u(rng, (0.45, 0.7)), _u(rng, (0.28, 0.42)), _u(
            rng, (0.02, 0.05))
        neck = _u(rng, (0.08, 0.15))
        d = 0.18
        _part(parts, (0, 0.008, 0), (0.11, 0.008, 0.08), 0)
        _part(parts, (0, neck / 2 + 0.016, -0.03), (0.025, neck / 2 + 0.016,
                                                    0.012), 0)
        _part(parts, (0, neck + ph / 2, 0), (w / 2, ph / 2, pt / 2), 0)
        _part(parts, (0, neck + ph / 2, pt / 2 + 0.002),
              (w / 2 - 0.015, ph / 2 - 0.015, 0.003), 1)
    else:  # pragma: no cover - the class list is fixed
        raise ValueError(f'no furniture template for class {cls!r}')
    return parts, (w, d)


def _footprint(pos: np.ndarray, yaw: float, size) -> np.ndarray:
    """(4, 2) xz corners of an object's footprint."""
    w, d = size
    r = _yaw_matrix(yaw)[np.ix_([0, 2], [0, 2])]
    local = np.array([[-w, -d], [w, -d], [w, d], [-w, d]]) / 2
    return local @ r.T + pos


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two convex polygons (k, 2) overlap (separating axes)."""
    for poly in (a, b):
        edges = np.roll(poly, -1, axis=0) - poly
        for ex, ez in edges:
            axis = np.array([-ez, ex])
            pa, pb = a @ axis, b @ axis
            if pa.max() <= pb.min() or pb.max() <= pa.min():
                return False
    return True


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6.) % 6
    f = h * 6. - math.floor(h * 6.)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v),
                     (v, p, q)][i])


def _material(rng: np.random.Generator, preset: IndoorPreset,
              light: bool = False) -> tuple:
    """A random material: (colour, second colour, pattern, frequency)."""
    if light:  # walls and ceilings: pale colours
        c1 = _hsv_to_rgb(rng.random(), _u(rng, (0., 0.3)), _u(rng,
                                                             (0.55, 0.95)))
    else:
        c1 = _hsv_to_rgb(rng.random(), _u(rng, (0.05, 0.75)),
                         _u(rng, (0.08, 0.95)))
    if rng.random() < 0.7:
        c2 = c1 * _u(rng, (0.55, 0.9))
    else:
        c2 = _hsv_to_rgb(rng.random(), _u(rng, (0.05, 0.75)),
                         _u(rng, (0.08, 0.95)))
    pattern = int(rng.integers(1, 6)) if rng.random() < \
        preset.textured_prob else 0
    freq = _u(rng, (2., 12.))
    return c1, c2, pattern, freq


@dataclass
class Room:
    """A furnished room and its camera poses.

    Attributes:
        size (tuple): ``(width, height, depth)`` (m).
        boxes (Boxes): Every box of the furniture and pictures.
        object_names (list): Per object, its raw NYUD2 name.
        materials (list): Materials; 0..5 are the room's faces (face
            order of :func:`raycast_boxes`).
        cameras (list): Per view, ``(origin, rotation)``.
    """

    size: Tuple[float, float, float]
    boxes: Boxes
    object_names: List[str]
    materials: List[tuple]
    cameras: List[Tuple[np.ndarray, np.ndarray]]


def _place_cameras(rng, preset: IndoorPreset, size, k: int) -> list:
    width, _, depth = size
    cameras = []
    for _ in range(k):
        wall = int(rng.integers(4))  # 0: x=0, 1: x=width, 2: z=0, 3: z=d
        off = _u(rng, (0.3, 0.8))
        if wall < 2:
            x = off if wall == 0 else width - off
            z = _u(rng, (0.25, 0.75)) * depth
        else:
            z = off if wall == 2 else depth - off
            x = _u(rng, (0.25, 0.75)) * width
        origin = np.array([x, _u(rng, preset.camera_height), z])
        # look towards the room's centre, then turn
        to_centre = np.array([width / 2 - x, depth / 2 - z])
        yaw = math.atan2(to_centre[0], to_centre[1]) + math.radians(
            _u(rng, (-preset.camera_yaw, preset.camera_yaw)))
        rot = look_at_pose(
            yaw, math.radians(_u(rng, preset.camera_pitch)),
            math.radians(_u(rng, (-preset.camera_roll, preset.camera_roll))))
        cameras.append((origin, rot))
    return cameras


def make_room(preset: IndoorPreset, seed: int, scene: str, scene_type: str,
              num_views: int) -> Room:
    """Build one room (furniture, pictures, materials, camera poses)."""
    rng = make_rng(seed, 'indoor-room', scene)
    size = (_u(rng, preset.room_width), _u(rng, preset.room_height),
            _u(rng, preset.room_depth))
    width, height, depth = size
    cameras = _place_cameras(rng, preset, size, num_views)
    keep_out = [_footprint(c[0][[0, 2]], 0., (0.9, 0.9)) for c in cameras]
    wall_mat = _material(rng, preset, light=True)
    materials = [wall_mat if rng.random() < 0.8 else _material(
        rng, preset, light=True) for _ in range(4)]
    materials.insert(2, _material(rng, preset))  # floor
    materials.insert(3, _material(rng, preset, light=True)[:2] + (0, 1.))
    centers, halves, yaws, owners, mats = [], [], [], [], []
    names: List[str] = []
    footprints: List[np.ndarray] = []
    tops: List[Tuple[np.ndarray, float, tuple, float]] = []

    def add(cls_name: str, parts: list, pos: np.ndarray, yaw: float,
            base: float = 0.) -> None:
        obj = len(names)
        names.append(_RAW.get(cls_name, cls_name))
        slots = {0: len(materials), 1: len(materials) + 1}
        materials.extend([_material(rng, preset), _material(rng, preset)])
        rmat = _yaw_matrix(yaw)
        for center, half, slot in parts:
            if slot not in slots:
                slots[slot] = len(materials)
                materials.append(_material(rng, preset))
            centers.append(np.array([pos[0], base, pos[1]]) + rmat @ center)
            halves.append(half)
            yaws.append(yaw)
            owners.append(obj)
            mats.append(slots[slot])

    weights = np.array(INDOOR_SCENE_TYPES[scene_type])
    counts = {c: 0 for c in _FLOOR_CLASSES}
    n_objects = int(rng.integers(preset.objects_per_room[0],
                                 preset.objects_per_room[1] + 1))
    for _ in range(n_objects):
        avail = np.array([counts[c] < _MAX_PER_ROOM.get(c, 99)
                          for c in _FLOOR_CLASSES])
        p = weights * avail
        cls = _FLOOR_CLASSES[int(rng.choice(len(p), p=p / p.sum()))]
        parts, foot = _furniture(cls, rng)
        for _try in range(30):
            if cls in _AGAINST_WALL:
                wall = int(rng.integers(4))
                gap = _u(rng, (0.0, 0.05))
                if wall < 2:
                    along, span = depth, foot[0]
                    t = _u(rng, (span / 2 + 0.05, along - span / 2 - 0.05))
                    x = foot[1] / 2 + gap
                    pos = np.array([x if wall == 0 else width - x, t])
                    yaw = math.pi / 2 if wall == 0 else -math.pi / 2
                else:
                    along, span = width, foot[0]
                    t = _u(rng, (span / 2 + 0.05, along - span / 2 - 0.05))
                    z = foot[1] / 2 + gap
                    pos = np.array([t, z if wall == 2 else depth - z])
                    yaw = 0. if wall == 2 else math.pi
                yaw += math.radians(_u(rng, (-3., 3.)))
            else:
                pos = np.array([_u(rng, (0.4, width - 0.4)),
                                _u(rng, (0.4, depth - 0.4))])
                yaw = (_u(rng, (0., 2 * math.pi)) if cls == 'chair' else
                       int(rng.integers(4)) * math.pi / 2 +
                       math.radians(_u(rng, (-15., 15.))))
            poly = _footprint(pos, yaw, foot)
            inside = (poly[:, 0].min() > 0.01 and poly[:, 0].max() < width
                      - 0.01 and poly[:, 1].min() > 0.01
                      and poly[:, 1].max() < depth - 0.01)
            if inside and not any(_overlap(poly, other) for other in
                                  footprints + keep_out):
                break
        else:
            continue
        footprints.append(_footprint(pos, yaw, (foot[0] + 0.1,
                                                foot[1] + 0.1)))
        counts[cls] += 1
        add(cls, parts, pos, yaw)
        if cls in _MONITOR_HOSTS:
            top = max(c[1] + h[1] for c, h, _ in parts)
            tops.append((pos, yaw, foot, top))
    for pos, yaw, foot, top in tops:
        if rng.random() >= preset.monitor_prob:
            continue
        parts, mfoot = _furniture('monitor', rng)
        room_x = _u(rng, (-0.3, 0.3)) * max(foot[0] - mfoot[0], 0.)
        room_z = _u(rng, (-0.3, 0.3)) * max(foot[1] - mfoot[1], 0.)
        offset = _yaw_matrix(yaw)[np.ix_([0, 2], [0, 2])] @ [room_x, room_z]
        add('monitor', parts, pos + offset,
            yaw + math.radians(_u(rng, (-35., 35.))), base=top)
    n_pictures = int(rng.integers(preset.pictures_per_room[0],
                                  preset.pictures_per_room[1] + 1))
    for _ in range(n_pictures):
        wall = int(rng.integers(4))
        pw, ph, pt = _u(rng, (0.3, 1.0)), _u(rng, (0.25, 0.8)), _u(
            rng, (0.01, 0.04))
        along = depth if wall < 2 else width
        t = _u(rng, (pw / 2 + 0.05, along - pw / 2 - 0.05))
        yc = min(_u(rng, (1.1, 1.8)), height - ph / 2 - 0.05)
        if wall < 2:
            pos = np.array([pt / 2 if wall == 0 else width - pt / 2, t])
            yaw = math.pi / 2 if wall == 0 else -math.pi / 2
        else:
            pos = np.array([t, pt / 2 if wall == 2 else depth - pt / 2])
            yaw = 0. if wall == 2 else math.pi
        add('picture', [(np.array([0., yc, 0.]),
                         np.array([pw / 2, ph / 2, pt / 2]), 0)], pos, yaw)
    boxes = Boxes(
        centers=np.array(centers, np.float64).reshape(-1, 3),
        halves=np.array(halves, np.float64).reshape(-1, 3),
        yaws=np.array(yaws, np.float64),
        objects=np.array(owners, np.int64),
        materials=np.array(mats, np.int64))
    return Room(size, boxes, names, materials, cameras)


# ------------------------------------------------------------- appearance
def _smooth_field(rng: np.random.Generator, size, cells: int) -> np.ndarray:
    """(H, W) float32 smooth noise in [0, 1] from a ``cells``-wide grid."""
    h, w = size
    grid = rng.random((max(cells * h // w, 2), cells)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _albedo(materials: List[tuple], mat: np.ndarray, uv: np.ndarray,
            tile: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 surface colour from per-pixel material ids."""
    c1 = np.array([m[0] for m in materials], np.float32)
    c2 = np.array([m[1] for m in materials], np.float32)
    pattern = np.array([m[2] for m in materials])[mat]
    freq = np.array([m[3] for m in materials], np.float32)[mat]
    u, v = uv[..., 0] * freq, uv[..., 1] * freq
    mix = np.zeros(mat.shape, np.float32)
    n = tile.shape[0]
    for kind in range(1, 6):
        m = pattern == kind
        if not m.any():
            continue
        uu, vv = u[m], v[m]
        if kind == 1:
            val = (np.sin(2 * np.pi * uu) > 0).astype(np.float32)
        elif kind == 2:
            val = (np.sin(2 * np.pi * vv) > 0).astype(np.float32)
        elif kind == 3:
            val = ((np.floor(uu) + np.floor(vv)) % 2).astype(np.float32)
        elif kind == 4:
            val = tile[(vv * 4).astype(np.int64) % n,
                       (uu * 4).astype(np.int64) % n]
        else:  # planks: boards along v with per-board streaks
            board = np.floor(uu).astype(np.int64)
            val = 0.6 * tile[(board * 7) % n, (vv * 2).astype(np.int64) % n]
            val += 0.4 * (np.abs(uu - np.floor(uu) - 0.5) > 0.47)
        mix[m] = val
    return c1[mat] * (1 - mix[..., None]) + c2[mat] * mix[..., None]


def _instances(hit: np.ndarray, room: Room) -> Tuple[np.ndarray,
                                                     np.ndarray, list]:
    """Per-pixel label ids, instance numbers and the visible objects."""
    labels = np.zeros(hit.shape, np.uint16)
    instances = np.zeros(hit.shape, np.uint8)
    face_label = [_LABEL['wall'], _LABEL['wall'], _LABEL['floor'],
                  _LABEL['ceiling'], _LABEL['wall'], _LABEL['wall']]
    next_id: Dict[str, int] = {}
    for face in range(6):
        m = hit == -1 - face
        if m.any():
            labels[m] = face_label[face]
            name = INDOOR_NAMES[face_label[face] - 1]
            next_id[name] = next_id.get(name, 0) + 1
            instances[m] = next_id[name]
    objects = []
    owner = np.where(hit >= 0, room.boxes.objects[np.maximum(hit, 0)], -1)
    present = np.unique(owner[owner >= 0])
    for obj in present:
        name = room.object_names[obj]
        next_id[name] = next_id.get(name, 0) + 1
        m = owner == obj
        labels[m] = _LABEL[name]
        instances[m] = next_id[name]
        objects.append(dict(object=int(obj), name=name,
                            instance=next_id[name],
                            pixels=int(np.count_nonzero(m))))
    return labels, instances, objects


def _raw_depth(depth: np.ndarray, albedo: np.ndarray, cos_view: np.ndarray,
               rng: np.random.Generator,
               preset: IndoorPreset) -> np.ndarray:
    """Kinect-v1-like raw depth: noise and holes (0 = missing)."""
    h, w = depth.shape
    fx = NYU_INTRINSICS[0]
    missing = depth > _u(rng, preset.max_range)
    if preset.shadow:
        # the projector (7.5 cm to the side) cannot light a surface just
        # beside a nearer one: a pixel is in shadow when a nearer pixel
        # within k columns to its left is k or more pixels of disparity
        # closer
        disparity = fx * 0.075 / np.maximum(depth, 1e-3)
        for k in (1, 2, 4, 8, 16, 32, 64):
            kernel = np.ones((1, k + 1), np.uint8)
            near = cv2.dilate(disparity, kernel, anchor=(k, 0),
                              borderType=cv2.BORDER_REPLICATE)
            missing |= near - disparity >= k
    gap = (cv2.dilate(depth, np.ones((3, 3), np.uint8)) -
           cv2.erode(depth, np.ones((3, 3), np.uint8)))
    edges = gap > 0.04 * depth
    missing |= edges & (_smooth_field(rng, (h, w), 40) < 0.6)
    lum = albedo @ np.array([0.299, 0.587, 0.114], np.float32)
    dark = lum < 0.09
    missing |= dark & (_smooth_field(rng, (h, w), 24) <
                       preset.dark_dropout)
    missing |= cos_view < preset.grazing_cos
    blobs = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.poisson(preset.specular_blobs))):
        centre = (int(rng.integers(w)), int(rng.integers(h)))
        axes = (int(rng.integers(3, 26)), int(rng.integers(3, 18)))
        cv2.ellipse(blobs, centre, axes, float(rng.uniform(0, 180)), 0, 360,
                    1, -1)
    missing |= blobs > 0
    if preset.border:
        top, left = int(rng.integers(38, 45)), int(rng.integers(32, 41))
        bottom, right = int(rng.integers(4, 12)), int(rng.integers(4, 12))
        missing[:top] = True
        missing[h - bottom:] = True
        missing[:, :left] = True
        missing[:, w - right:] = True
    noisy = depth + preset.depth_noise * depth * depth * gaussian_noise(
        rng, depth.shape)
    raw = np.round(noisy * 1000.) / 1000.
    raw[missing | (raw <= 0)] = 0.
    return raw.astype(np.float32)


def render_view(preset: IndoorPreset, seed: int, view: IndoorView,
                room: Optional[Room] = None) -> Dict[str, object]:
    """Render one image of the world.

    Args:
        preset (IndoorPreset): The world's parameters.
        seed (int): The world seed.
        view (IndoorView): The image (:func:`plan_indoor`).
        room (Room, optional): The view's room, when already built
            (:func:`make_room` with the view's scene).

    Returns:
        dict: ``rgb`` (480, 640, 3) uint8, ``depth`` and ``raw_depth``
        (480, 640) float32 metres (0 = missing in ``raw_depth``),
        ``labels`` (uint16, into :data:`INDOOR_NAMES`), ``instances``
        (uint8), ``objects`` (the visible objects: ``object``, ``name``,
        ``instance``, ``pixels``, ``corners`` (K, 8, 3) camera-space
        corners of its boxes), ``origin`` and ``rotation`` of the camera.
    """
    if room is None:
        room = make_room(preset, seed, view.scene, view.scene_type,
                         view.num_views)
    origin, rot = room.cameras[view.view]
    cast = raycast_boxes(origin, rot, room.size, room.boxes)
    depth, hit = cast['depth'], cast['hit']
    rng = make_rng(seed, 'indoor-view', view.scene, view.view)
    size = depth.shape
    mat = np.where(hit >= 0, room.boxes.materials[np.maximum(hit, 0)],
                   -1 - hit)
    tile = cv2.GaussianBlur(rng.random((64, 64)).astype(np.float32),
                            (0, 0), 1.2)
    tile = (tile - tile.min()) / max(float(np.ptp(tile)), 1e-6)
    albedo = _albedo(room.materials, mat, cast['uv'], tile)
    normal = cast['normal']
    # lighting: a directional light from above, a ceiling point light
    sun = np.array([_u(rng, (-1, 1)), _u(rng, (0.6, 1.5)),
                    _u(rng, (-1, 1))])
    sun /= np.linalg.norm(sun)
    lamp = np.array([_u(rng, (0.3, 0.7)) * room.size[0],
                     room.size[1] - 0.1, _u(rng, (0.3, 0.7)) * room.size[2]])
    to_lamp = lamp.astype(np.float32) - cast['points']
    dist = np.linalg.norm(to_lamp, axis=-1)
    ambient = _u(rng, preset.ambient)
    shade = (ambient + _u(rng, (0.3, 0.6)) *
             np.maximum(normal @ sun.astype(np.float32), 0.) +
             _u(rng, (0.3, 0.7)) * np.maximum(
                 np.sum(normal * to_lamp, -1) / np.maximum(dist, 1e-3), 0.)
             / (1. + (dist / 2.5)**2))
    rgb = albedo * shade[..., None] * _u(rng, preset.light_gain)
    rgb *= (1. + rng.uniform(-0.08, 0.08, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
    r2 = ((xx - size[1] / 2)**2 + (yy - size[0] / 2)**2) / (
        (size[1] / 2)**2 + (size[0] / 2)**2)
    rgb *= (1. - _u(rng, (0.1, 0.3)) * r2)[..., None]
    rgb += preset.rgb_noise * gaussian_noise(rng, rgb.shape)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 0.6)
    rgb = np.clip(np.rint(rgb * 255.), 0, 255).astype(np.uint8)
    # cosine between the surface normal and the viewing ray
    rays = cast['points'] - origin.astype(np.float32)
    cos_view = np.abs(np.sum(normal * rays, -1)) / np.maximum(
        np.linalg.norm(rays, axis=-1), 1e-6)
    raw = _raw_depth(depth, albedo, cos_view, rng, preset)
    labels, instances, objects = _instances(hit, room)
    for obj in objects:
        boxes = np.nonzero(room.boxes.objects == obj['object'])[0]
        corners = np.stack([room.boxes.corners(b) for b in boxes])
        obj['corners'] = (corners - origin) @ rot
    return dict(rgb=rgb, depth=depth.astype(np.float32), raw_depth=raw,
                labels=labels, instances=instances, objects=objects,
                origin=origin, rotation=rot)
