# R-C3D on the PKU-MMD-format sequences of the embedded synthetic world
# (TARGET classes, full depth with the room, 3 views per sequence),
# cross-subject: the synthetic twin of rc3d_r3d18_depth_pkummd.py, sized for
# a CPU. The slim 3D-ResNet-18 (the demo's depth student) on 32x32 frames,
# buffers of 128 frames (16 feature steps) with 50 % overlap, anchors of 2 to
# 10 steps (16 to 80 frames; the world's instances last 40 to 80 frames),
# narrower heads, and an SGD recipe that trains from scratch on a CPU in a
# few minutes (the paper's lr 1e-4 for 8 epochs fine-tunes a network that
# a GPU trained for days). The same recipe for every initialisation.
#   python tools/train.py configs/detection/rc3d_r3d18_depth_synth.py
_base_ = ['./rc3d_r3d18_depth_pkummd.py']
# the world's pku_mmd/ folder (FSAT_SYNTH_ROOT: see synthetic_ntu.py)
data_root = '{{$FSAT_SYNTH_ROOT:data/synthetic_demo}}/pku_mmd'
num_classes = 10
buffer_len = 128
input_size = 32
frame_cache = 'work_dirs/frame_cache'

model = dict(
    in_channels=128,
    backbone=dict(base_channels=16),
    proposal_head=dict(
        feat_channels=128,
        anchor_scales=(2, 3, 4, 5, 6, 7, 8, 10),
        num_samples=64,
        train_proposals=200,
        test_proposals=50),
    classifier_head=dict(
        num_classes=num_classes,
        hidden_channels=256,
        num_samples=32,
        dropout=0.2))

train_pipeline = [
    dict(type='LoadMaskedDepth', cache_root=frame_cache),
    dict(type='CenterCrop', crop_size=44),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='ReplicateDepth', mm_range=(500, 4500)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackDetectionInputs'),
]
test_pipeline = train_pipeline
_dataset = dict(
    data_root=data_root,
    num_classes=num_classes,
    buffer_len=buffer_len,
    # the generator writes inclusive end frames (docs/synthetic_world.md)
    inclusive_end=True)
train_dataloader = dict(
    num_workers=2,
    persistent_workers=False,
    dataset=dict(_dataset, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2, dataset=dict(_dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader
# ActivityNet protocol (tdet/activitynet/mAP@...), as in the results kept in
# docs/results/fsat_synth_detection.json; protocol='pku_mmd' for the
# PKU-MMD one the real-data configs use
val_evaluator = dict(num_classes=num_classes, protocol='activitynet')
test_evaluator = val_evaluator

# the paper's schedule (8 epochs, x0.1 for the last 2), a CPU learning rate
optim_wrapper = dict(optimizer=dict(lr=0.01, weight_decay=1e-4))
default_hooks = dict(logger=dict(interval=10))
