# Hallucination network, step 2: the teacher. RGB and depth streams from
# their step-1 checkpoints, joined by the multiplicative connections (the
# depth map gates the RGB residual branch before the 2nd unit of each
# stage) and trained together with one cross-entropy on their averaged
# class scores. RGB + depth at test time: the upper bound of the method.
#   --cfg-options model.init_streams.rgb.checkpoint=<step1 rgb ckpt>
#                 model.init_streams.depth.checkpoint=<step1 depth ckpt>
_base_ = ['./_base_/synth_ntu_rgbd.py']
# training length (iterations of 8 videos, cosine decay to 0)
iters = 150
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters))
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(rgb={{_base_.stream}}, depth={{_base_.stream}}),
        connections=[
            dict(src='depth', dst='rgb',
                 stages={{_base_.connection_stages}})
        ],
        num_segments={{_base_.num_segments}}),
    heads=dict(rgb={{_base_.head}}, depth={{_base_.head}}),
    init_streams=dict(
        rgb=dict(checkpoint=None), depth=dict(checkpoint=None)),
    data_preprocessor={{_base_.rgb_depth_preprocessor}})
train_dataloader = {{_base_.rgb_depth_train_dataloader}}
val_dataloader = {{_base_.rgb_depth_val_dataloader}}
test_dataloader = {{_base_.rgb_depth_test_dataloader}}
