# The embedded synthetic world (tools/data/synthesize.py) in the NTU RGB+D
# layout, with flow from tools/data/extract_flow.py in nturgb+d_flow/.
# Depth frames are 64x53 and RGB frames 96x54; the person stands in the
# centre, so a centre crop then a resize to 32x32 keeps all of them at CPU
# cost. No horizontal flip: the world has left/right classes.
data_root = 'data/synthetic_demo/ntu'
num_classes = 10  # K of the preset (demo: 10; tiny: 3)
target_classes = list(range(1, num_classes + 1))  # A001..A00K
source_classes = list(range(61, 61 + num_classes))  # A061..A(60+K)
input_size = 32

depth_train = [
    dict(type='LoadMaskedDepth'),
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
    dict(type='LoadMaskedDepth'),
    dict(type='CenterCrop', crop_size=44),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='ReplicateDepth', mm_range=(500, 4500)),
    dict(type='FormatShape', input_format='NCTHW'),
]
flow_train = [
    dict(type='LoadFlow', dequantize=False),
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
    dict(type='LoadFlow', dequantize=False),
    dict(type='CenterCrop', crop_size=54),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
rgb_train = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
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
rgb_test = [
    dict(type='DecordInit'),
    dict(type='DecordDecode'),
    dict(type='CenterCrop', crop_size=54),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
]
