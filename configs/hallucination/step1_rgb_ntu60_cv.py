# Hallucination network, step 1 (Garcia et al., ECCV 2018, Sec. 3.2), RGB
# stream: trained alone with cross-entropy from ImageNet weights (a local
# checkpoint named by FSAT_IMAGENET_R50; see _base_/ntu60_rgbd.py). Its
# checkpoint initialises step 2's RGB stream.
# Real NTU RGB+D 60, cross-view (the cross-subject twin is
# step1_rgb_ntu60_cs.py); settings in _base_/ntu60_rgbd.py.
_base_ = ['./_base_/ntu60_rgbd.py']
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(rgb={{_base_.stream}}),
        num_segments={{_base_.num_segments}}),
    heads=dict(rgb={{_base_.head}}),
    data_preprocessor={{_base_.rgb_preprocessor}})
_loaders = _base_.ntu_loaders['ntu60_xview']
train_dataloader = _loaders['rgb_train']
val_dataloader = _loaders['rgb_val']
test_dataloader = _loaders['rgb_test']
