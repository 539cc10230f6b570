# NTU RGB+D 60 / 120 in the official layout below data_root (see
# docs/datasets.md): nturgb+d_rgb/<name>_rgb.avi, nturgb+d_depth_masked/
# <name>/MDepth-%08d.png, nturgb+d_skeletons/<name>.skeleton, and flow
# written by tools/data/extract_flow.py into nturgb+d_flow/<name>/.
# Inputs follow the FSAT paper (Thoker & Snoek, ICPR 2020, sec. IV-C):
# 16x112x112 clips, multi-scale corner cropping, resize to 112, horizontal
# flip p=0.5 (flow x negated); skeletons are whole sequences without
# augmentation.
# Decoding 1080p H.264 costs ~0.5 s per clip: transcode the RGB videos to a
# short side of 128-256 first, or cache the teacher's features (the distill
# configs do); see docs/datasets.md, "Loading speed".
# Link the dataset to data/nturgbd (the OpenMMLab convention) or set
# NTU_ROOT=/path/to/nturgbd in the environment.
data_root = '{{$NTU_ROOT:data/nturgbd}}'
input_size = 112
# Decoded flow/depth folders are not cached by default (hundreds of GB for
# NTU); set a folder to trade disk for CPU (fsat/datasets/frame_cache.py).
frame_cache = None
_corner_crop = [
    dict(type='Resize', scale=(-1, 128)),
    dict(
        type='MultiScaleCrop',
        input_size=input_size,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1,
        num_fixed_crops=5),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FlowAwareFlip', flip_ratio=0.5),
]
_centre = [
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=input_size),
]
_format = [dict(type='FormatShape', input_format='NCTHW')]

rgb_train = [dict(type='DecordInit'), dict(type='DecordDecode')
             ] + _corner_crop + _format
rgb_test = [dict(type='DecordInit'), dict(type='DecordDecode')
            ] + _centre + _format
flow_train = [dict(type='LoadFlow', dequantize=False, cache_root=frame_cache)
              ] + _corner_crop + _format
flow_test = [dict(type='LoadFlow', dequantize=False, cache_root=frame_cache)
             ] + _centre + _format
# depth maps are replicated to 3 channels (millimetres 500-4500 -> 0-255)
depth_train = [dict(type='LoadMaskedDepth', cache_root=frame_cache)
               ] + _corner_crop + [
                   dict(type='ReplicateDepth', mm_range=(500, 4500))
               ] + _format
depth_test = [dict(type='LoadMaskedDepth', cache_root=frame_cache)
              ] + _centre + [dict(type='ReplicateDepth', mm_range=(500, 4500))
                             ] + _format
skeleton = [
    dict(type='LoadSkeleton'),
    dict(type='FillSkeletonGaps'),
    dict(type='CenterSkeleton'),
    dict(type='SkeletonDecode'),
    dict(type='FormatGCNInput', num_person=2),
]
# whole sequences, zero-padded to NTU's longest (300 frames)
skeleton_sequence = dict(mode='sequence', length=300, pad='zero')
# benchmarks: target NTU-60 cross-view ('ntu60_xview'), source
# NTU-120-minus-60 ('ntu120_minus_60': classes 61-120 relabelled 0..59,
# cross-subject); both have 60 classes
num_classes = 60
