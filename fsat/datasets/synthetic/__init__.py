# Copyright (c) fsat contributors. All rights reserved.
"""The embedded synthetic multimodal action world.

A procedural world of parametric human actions rendered as paired RGB
video, masked depth maps and 3-D skeletons, written in the on-disk
formats of NTU RGB+D and PKU-MMD so that the real loaders read it; the
``smarthome`` presets write RGB clips and LCR-Net skeletons of
fine-grained daily activities in Toyota Smarthome's format instead. See
``docs/synthetic_world.md``.

Example::

    from fsat.datasets.synthetic import generate_world
    world = generate_world('tiny', 'data/synthetic_tiny', seed=0)
    world['ntu']['count']   # number of NTU videos

The modules of this package import neither torch nor mmengine.
"""
from .actions import (
                      MAX_CLASSES_PER_HALF,
                      SOURCE_ID_OFFSET,
                      ActionClass,
                      build_class_table,
)
from .body import JOINT_NAMES, NTU_BONES, NTU_BONES_1BASED, PARENTS
from .camera import NTU_CAMERA_AZIMUTH, PKU_VIEW_AZIMUTH
from .generate import (
                      GENERATOR_VERSION,
                      WORLD_FILE,
                      WorldExistsError,
                      generate_world,
                      params_hash,
                      plan_ntu,
                      plan_pku,
                      read_world,
)
from .household import HOUSEHOLD_CLASSES, HouseholdClass
from .motion import PRIMITIVES, Motion
from .presets import (
                      PRESETS,
                      SmarthomePreset,
                      WorldPreset,
                      custom_preset,
                      get_preset,
)
from .protocols import (
                      NTU60_CS_TRAIN,
                      NTU120_CS_TRAIN,
                      ntu_name,
                      ntu_split,
                      parse_ntu_name,
)
from .smarthome import (
                      SMARTHOME_VERSION,
                      generate_smarthome_world,
                      plan_smarthome,
)
from .smarthome_writer import (
                      LCRNET_JOINTS,
                      SMARTHOME_CS_TRAIN,
                      SMARTHOME_CV,
                      SMARTHOME_SUBJECTS,
                      parse_smarthome_name,
                      smarthome_name,
                      smarthome_split,
)

__all__ = [
    'ActionClass', 'GENERATOR_VERSION', 'HOUSEHOLD_CLASSES',
    'HouseholdClass', 'JOINT_NAMES', 'LCRNET_JOINTS',
    'MAX_CLASSES_PER_HALF', 'Motion', 'NTU120_CS_TRAIN', 'NTU60_CS_TRAIN',
    'NTU_BONES', 'NTU_BONES_1BASED', 'NTU_CAMERA_AZIMUTH',
    'PARENTS', 'PKU_VIEW_AZIMUTH', 'PRESETS', 'PRIMITIVES',
    'SMARTHOME_CS_TRAIN', 'SMARTHOME_CV', 'SMARTHOME_SUBJECTS',
    'SMARTHOME_VERSION', 'SmarthomePreset',
    'SOURCE_ID_OFFSET', 'WORLD_FILE', 'WorldExistsError', 'WorldPreset',
    'build_class_table', 'custom_preset', 'generate_smarthome_world',
    'generate_world', 'get_preset', 'ntu_name', 'ntu_split', 'params_hash',
    'parse_ntu_name', 'parse_smarthome_name', 'plan_ntu', 'plan_pku',
    'plan_smarthome', 'read_world', 'smarthome_name', 'smarthome_split'
]
# NYUD2-format indoor world (rooms of box furniture, labeled MAT-file)
from .indoor import (  # noqa: E402
                      INDOOR_CLASSES,
                      INDOOR_NAMES,
                      INDOOR_PRESETS,
                      IndoorPreset,
                      get_indoor_preset,
                      plan_indoor,
                      render_view,
)
from .indoor_writer import INDOOR_VERSION, generate_nyud2_world  # noqa: E402

__all__ += [
    'INDOOR_CLASSES', 'INDOOR_NAMES', 'INDOOR_PRESETS', 'INDOOR_VERSION',
    'IndoorPreset', 'generate_nyud2_world', 'get_indoor_preset',
    'plan_indoor', 'render_view'
]
# JHMDB-format world (short trimmed clips, joints, puppet masks, splits)
from .jhmdb_writer import (  # noqa: E402
                      JHMDB_VERSION,
                      JHMDB_WORLD_CLASSES,
                      generate_jhmdb_world,
                      plan_jhmdb,
)
from .presets import JHMDB_PRESETS, JhmdbPreset  # noqa: E402

__all__ += [
    'JHMDB_PRESETS', 'JHMDB_VERSION', 'JHMDB_WORLD_CLASSES', 'JhmdbPreset',
    'generate_jhmdb_world', 'plan_jhmdb'
]
