# 3D-ResNet-18 depth student: depth replicated to 3 channels in 0-255.
_base_ = ['./r3d18.py']
model = dict(
    data_preprocessor=dict(mean=[127.5] * 3, std=[127.5] * 3))
