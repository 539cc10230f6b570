# The paper's larger teacher: 3D-ResNeXt-101 (cardinality 32; Hara et al.,
# used for Kinetics in FSAT) on RGB clips of NTU-120-minus-60. Its
# pre-classifier feature is 2048-d: students of 512-d need a projection
# (connector) in transfer, see configs/distill/rgb2depth_v2c_resnext101.py.
_base_ = ['./rgb_r3d18_ntu120m60.py']
model = dict(
    backbone=dict(
        _delete_=True, type='ResNeXt3d', depth=101, in_channels=3,
        cardinality=32),
    cls_head=dict(in_channels=2048))
train_dataloader = dict(batch_size=8)
