# Hallucination network, step 2: the teacher. RGB and depth streams from
# their step-1 checkpoints, joined by the multiplicative connections (the
# depth map gates the RGB residual branch before the 2nd unit of each
# stage) and trained together with one cross-entropy on their averaged
# class scores. RGB + depth at test time: the upper bound of the method.
#   --cfg-options model.init_streams.rgb.checkpoint=<step1 rgb ckpt>
#                 model.init_streams.depth.checkpoint=<step1 depth ckpt>
# Real NTU RGB+D 60, cross-view (the cross-subject twin is
# step2_ntu60_cs.py); settings in _base_/ntu60_rgbd.py.
_base_ = ['./_base_/ntu60_rgbd.py']
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
_loaders = _base_.ntu_loaders['ntu60_xview']
train_dataloader = _loaders['rgb_depth_train']
val_dataloader = _loaders['rgb_depth_val']
test_dataloader = _loaders['rgb_depth_test']
