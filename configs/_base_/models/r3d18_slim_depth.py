# The slim 3D-ResNet-18 as a depth student: depth replicated to 3 channels
# in 0..255 (ReplicateDepth), normalised to [-1, 1].
_base_ = ['./r3d18_slim.py']
model = dict(
    data_preprocessor=dict(mean=[127.5] * 3, std=[127.5] * 3))
