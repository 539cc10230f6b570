# A CPU-sized 3D-ResNet-18 (Hara et al.'s layout, widths 16/32/64/128,
# 2.1 M parameters) for the synthetic world at 16x32x32: the same network
# as configs/_base_/models/r3d18.py with base_channels=16.
_base_ = ['./r3d18.py']
model = dict(
    backbone=dict(base_channels=16),
    cls_head=dict(in_channels=128, dropout_ratio=0.5))
