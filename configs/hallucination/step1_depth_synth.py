# Hallucination network, step 1, depth stream (jet-coloured depth): trained
# alone with cross-entropy; initialises step 2's depth stream.
_base_ = ['./_base_/synth_ntu_rgbd.py']
# training length (iterations of 8 videos, cosine decay to 0)
iters = 200
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters))
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(depth={{_base_.stream}}),
        num_segments={{_base_.num_segments}}),
    heads=dict(depth={{_base_.head}}),
    data_preprocessor={{_base_.depth_preprocessor}})
train_dataloader = {{_base_.depth_train_dataloader}}
val_dataloader = {{_base_.depth_val_dataloader}}
test_dataloader = {{_base_.depth_test_dataloader}}
