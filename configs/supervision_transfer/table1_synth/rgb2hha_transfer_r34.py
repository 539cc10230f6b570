# Supervision transfer of the Table 1 twin from the deeper RGB teacher
# (rgb_det_r34.py: ResNet-34 to stage 2) into the same ResNet-18 HHA
# student as rgb2hha_transfer.py: another architecture on each side, as
# Gupta et al.'s VGG -> AlexNet. Both taps are stride-8, 128-channel
# maps of the same input, so no padding is needed to match them (the
# paper pads AlexNet's conv1 for VGG); the adaptation (1x1 convolution +
# ReLU) and the learnable scale absorb the difference in feature norm.
# The teacher's checkpoint (keys backbone.*) is given at run time.
_base_ = ['./rgb2hha_transfer.py']
model = dict(teacher=dict(model=dict(depth=34)))
