# Supervision transfer RGB -> optical flow (Gupta et al., CVPR 2016, Sec.
# 4.2) on the synthetic JHMDB-format world, the twin of
# ./rgb2flow_alexnet_ucf101.py: a flow ResNet-18 (its first 2 stages, the
# trunk of configs/detection2d/frcnn_r18_flow_jhmdb_synth.py) learns to
# reproduce, through a 1x1 convolution + ReLU + scale, the stride-8 map of
# a frozen RGB network on the RGB frame whose flow image (x, y,
# magnitude) it reads: f = squared L2 (SquaredL2Loss).
# The RGB network is the backbone of the RGB detector trained on this
# world (configs/detection2d/frcnn_r18_rgb_jhmdb_synth.py; prefix
# 'backbone.'), as the world has no ImageNet; its checkpoint is given at
# run time:
#   python tools/train.py \
#       configs/supervision_transfer/rgb2flow_r18_jhmdb_synth.py \
#       --cfg-options model.teacher.checkpoint=work_dirs/rgb/iter_2000.pth
# Then the flow detector starts from the transferred layers (a pipeline's
# init_from=dict(stage=..., prefix='student.', target='backbone.'), or
# PretrainedWeightsHook with the same arguments).
# The paired frames without labels: the world has no UCF-101, so its own
# 120 clips (videos/<class>/*.avi; flow extracted into flow/ with
#   python tools/data/extract_flow.py data/synthetic_jhmdb/videos \
#       data/synthetic_jhmdb/flow --pattern '*/*.avi' --method farneback)
# stand in, 5 frames per clip as the paper takes from UCF-101. The test
# clips are among them (unlabelled; no label is read here), so the flow
# trunk has seen the test frames' pixels, which the paper's UCF-101 source
# avoids. No validation (no held-out pairs).
# Sized for a 2-core CPU: the frames at their 240x320, AdamW 1e-3 with a
# cosine decay for 1,000 iterations and the per-element mean of the
# squared distance (reduction='mean'; the paper's per-image sum with SGD
# needs a learning rate C*H*W times smaller).
_base_ = ['./_base_/r18_synth.py']
data_root = '{{$FSAT_JHMDB_SYNTH_ROOT:data/synthetic_jhmdb}}'
frames_per_video = 5
val_cfg = None
test_cfg = None
model = dict(
    student_modality='flow',
    # with teacher_source='cache' the loaders may drop rgb
    data_preprocessor=dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(rgb={{_base_.det_norm}},
                           flow={{_base_.det_norm}}),
        optional=['rgb']))
train_dataloader = dict(
    dataset=dict(type='VideoFramePairsDataset', data_root=data_root,
                 video_glob='videos/**/*.avi',
                 frames_per_video=frames_per_video,
                 modalities=('rgb', 'flow'),
                 pipeline=[dict(type='PackDet2DInputs')]))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
