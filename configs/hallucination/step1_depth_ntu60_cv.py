# Hallucination network, step 1, depth stream (jet-coloured depth): trained
# alone with cross-entropy; initialises step 2's depth stream.
# Real NTU RGB+D 60, cross-view (the cross-subject twin is
# step1_depth_ntu60_cs.py); settings in _base_/ntu60_rgbd.py.
_base_ = ['./_base_/ntu60_rgbd.py']
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(depth={{_base_.stream}}),
        num_segments={{_base_.num_segments}}),
    heads=dict(depth={{_base_.head}}),
    data_preprocessor={{_base_.depth_preprocessor}})
_loaders = _base_.ntu_loaders['ntu60_xview']
train_dataloader = _loaders['depth_train']
val_dataloader = _loaders['depth_val']
test_dataloader = _loaders['depth_test']
