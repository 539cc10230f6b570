# The 3D-ResNeXt-101 RGB teacher (2048-d feature) teaching the 512-d
# 3D-ResNet-18 depth student: a linear projection of the student feature to
# the teacher's size (the FSAT paper's rule when the dimensions differ).
_base_ = ['./rgb2depth_v2c.py']
teacher_config = '{{ fileDirname }}/../teachers/rgb_resnext101_ntu120m60.py'
model = dict(
    teacher=dict(config=teacher_config),
    connector=dict(
        _delete_=True,
        type='LinearConnector',
        in_channels=512,
        out_channels=2048))
