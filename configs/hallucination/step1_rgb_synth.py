# Hallucination network, step 1 (Garcia et al., ECCV 2018, Sec. 3.2), RGB
# stream: trained alone with cross-entropy on the synthetic world
# (_base_/synth_ntu_rgbd.py). From scratch: the world has no ImageNet
# (the paper initialises from ImageNet; the real configs read a local
# checkpoint). Its checkpoint initialises step 2's RGB stream.
_base_ = ['./_base_/synth_ntu_rgbd.py']
# training length (iterations of 8 videos, cosine decay to 0)
iters = 400
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters))
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(rgb={{_base_.stream}}),
        num_segments={{_base_.num_segments}}),
    heads=dict(rgb={{_base_.head}}),
    data_preprocessor={{_base_.rgb_preprocessor}})
train_dataloader = {{_base_.rgb_train_dataloader}}
val_dataloader = {{_base_.rgb_val_dataloader}}
test_dataloader = {{_base_.rgb_test_dataloader}}
