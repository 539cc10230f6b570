# The embedded synthetic world (tools/data/synthesize.py) in the NTU RGB+D
# layout, with flow from tools/data/extract_flow.py in nturgb+d_flow/.
# Depth frames are 64x53 and RGB frames 96x54; the person stands in the
# centre, so a centre crop then a resize to 32x32 keeps all of them at CPU
# cost. RGB is the exception: a slim 3D CNN learns nothing from 32x32 RGB
# frames of this world (the limbs are under a pixel wide), so RGB clips keep
# 48x48 pixels of the centre, without the multi-scale corner crops (random
# crops and rescaling of the small person kept it near chance within 1,000
# iterations: 21% against 43% without; docs/synthetic_world.md).
# No horizontal flip: the world has left/right classes.
# The world (the folder tools/data/synthesize.py writes, holding ntu/ and
# pku_mmd/) is data/synthetic_demo below the working directory, or
# FSAT_SYNTH_ROOT=/path/to/world in the environment; --cfg-options
# data_root=<world>/ntu also works (docs/get_started.md).
data_root = '{{$FSAT_SYNTH_ROOT:data/synthetic_demo}}/ntu'
num_classes = 10  # K of the preset (demo: 10; tiny: 3)
target_classes = list(range(1, num_classes + 1))  # A001..A00K
source_classes = list(range(61, 61 + num_classes))  # A061..A(60+K)
input_size = 32
rgb_input_size = 48
# Flow and depth folders are decoded once into this disk cache (about 2 GB
# for the demo world) and clips are read from it: the JPEG/PNG files cost
# more CPU per clip than the slim networks (fsat/datasets/frame_cache.py).
# None reads the files every time.
frame_cache = 'work_dirs/frame_cache'

depth_train = [
    dict(type='LoadMaskedDepth', cache_root=frame_cache),
    dict(type='CenterCrop', crop_size=44),
    # the paper's multi-scale corner cropping
    dict(
        type='MultiScaleCrop',
        input_size=44,
        scales=(1, 0.875, 0.75),
        max_wh_scale_gap=1,
        num_fixed_crops=5),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='ReplicateDepth', mm_range=(500, 4500)),
    dict(type='FormatShape', input_format='NCTHW'),
]
depth_test = [
    dict(type='LoadMaskedDepth', cache_root=frame_cache),
    dict(type='CenterCrop', crop_size=44),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='ReplicateDepth', mm_range=(500, 4500)),
    dict(type='FormatShape', input_format='NCTHW'),
]
flow_train = [
    dict(type='LoadFlow', dequantize=False, cache_root=frame_cache),
    dict(type='CenterCrop', crop_size=54),
    dict(
        type='MultiScaleCrop',
        input_size=54,
        scales=(1, 0.875, 0.75),
        max_wh_scale_gap=1,
        num_fixed_crops=5),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
flow_test = [
    dict(type='LoadFlow', dequantize=False, cache_root=frame_cache),
    dict(type='CenterCrop', crop_size=54),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
rgb_train = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='CenterCrop', crop_size=rgb_input_size),
    dict(type='FormatShape', input_format='NCTHW'),
]
rgb_test = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='CenterCrop', crop_size=rgb_input_size),
    dict(type='FormatShape', input_format='NCTHW'),
]

# The RGB teachers' features of the unlabeled TARGET videos of the
# cross-view training cameras, computed once per teacher and cached on disk
# (fsat.engine.TeacherFeatureCacheHook); the RGB distillers list it in
# custom_hooks.
rgb_teacher_cache = dict(
    type='TeacherFeatureCacheHook',
    cache_root='work_dirs/teacher_cache',
    dataset=dict(
        type='PairedModalityDataset',
        data_root=data_root,
        ntu=dict(
            benchmark='ntu60_xview', split='train', classes=target_classes),
        with_label=False,
        test_mode=True,
        modalities=dict(
            rgb_video=dict(
                source='rgb', sampling='video', pipeline=rgb_test))))
