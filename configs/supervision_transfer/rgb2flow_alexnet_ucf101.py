# Supervision transfer RGB -> optical flow on UCF-101 videos (Gupta,
# Hoffman, Malik, CVPR 2016, Sec. 4.2): a flow AlexNet (Caffe's,
# conv1-pool5, random start) learns to reproduce, through a 1x1
# convolution + ReLU (+ a learnable scale, init 1), the pool5 map of a
# frozen ImageNet RGB AlexNet (FSAT_IMAGENET_ALEXNET, a local file; see
# configs/detection2d/_base_/frcnn_alexnet.py) on the RGB frame whose flow
# it reads: f = squared L2 summed over the map (SquaredL2Loss, reduction
# 'sum'). UCF-101's labels are never read: its train videos are only a
# source of RGB / flow pairs, 5 frames per video (the paper's), the
# centres of 5 equal segments (VideoFramePairsDataset).
# Layout (mmaction2's): <FSAT_UCF101_ROOT>/videos/<Class>/<video>.avi,
# annotations/trainlist01.txt (split 1's train videos, ~9.5k), flow from
#   python tools/data/extract_flow.py data/ucf101/videos data/ucf101/flow \
#       --pattern '*/*.avi' --workers 8
# (at the frame size: no --short-side) into <root>/flow/<video>/.
# Then configs/detection2d/frcnn_alexnet_flow_jhmdb.py takes the student
# (FSAT_FLOW_TRANSFER_CKPT=<this run's checkpoint>: prefix 'student.' into
# 'backbone.'). A teacher fine-tuned for detection (not the paper's choice
# for flow): --cfg-options model.teacher.checkpoint=<an RGB AlexNet
# detector's checkpoint> (prefix 'backbone.').
# The paper's numbers: pool5 -> pool5, 1x1 conv + ReLU, squared L2, 5
# frames per train video, random start of the student. Ours (the paper
# gives no transfer solver or length for flow): 100,000 iterations (its
# NYUD2 AlexNet -> AlexNet count), the frames at their 240x320 (no resize),
# 4 pairs a batch, no augmentation, SGD (momentum 0.9) with exactly the
# steps of lr 0.01 and weight decay 5e-4 on the per-element mean of the
# 256x7x9 pool5 map (lr = 0.01 / (C*H*W), weight decay = 5e-4 * (C*H*W)),
# lr / 10 after 75,000; RGB normalised as the RGB detectors, flow images
# (x, y, magnitude) with 128 (no motion) subtracted, as the flow detector.
# No validation: the transfer has no held-out pairs here.
_base_ = ['../_base_/schedules/sgd_iter.py']
# the videos folder (UCF-101's class folders); flow and annotations
# beside it
data_root = '{{$FSAT_UCF101_ROOT:data/ucf101}}/videos'
imagenet_alexnet = '{{$FSAT_IMAGENET_ALEXNET:none}}'
iters = 100000
frames_per_video = 5
# elements of the tapped map of one 240x320 frame (AlexNet pool5)
map_elements = 256 * 7 * 9
mean_lr = 0.01
mean_weight_decay = 5e-4
train_cfg = dict(max_iters=iters, val_interval=iters)
val_cfg = None
test_cfg = None
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=mean_lr / map_elements, momentum=0.9,
                   weight_decay=mean_weight_decay * map_elements),
    clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[75000], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=10000, max_keep_ckpts=1),
                     logger=dict(interval=50))
# as the AlexNet detectors (configs/detection2d/_base_/frcnn_alexnet.py)
caffe_bgr_norm = dict(bgr_to_rgb=True, mean=[102.98, 115.95, 122.77],
                      std=[1.0, 1.0, 1.0])
flow_norm = dict(mean=[128.0, 128.0, 128.0], std=[1.0, 1.0, 1.0])
model = dict(
    type='SupervisionTransferDistiller',
    student=dict(type='AlexNetTrunk', arch='caffe', in_channels=3,
                 conv1_padding=0),
    student_modality='flow',
    teacher=dict(
        model=dict(type='AlexNetTrunk', arch='caffe', pretrained=None
                   if imagenet_alexnet == 'none' else imagenet_alexnet),
        checkpoint=None, prefix='backbone.', modality='rgb'),
    student_layer='pool5',
    teacher_layer='pool5',
    # default adaptation: 1x1 conv 256 -> 256 + ReLU, learnable scale
    loss=dict(type='SquaredL2Loss', reduction='sum'),
    teacher_source='online',
    data_preprocessor=dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(
            rgb=dict(type='Det2DDataPreprocessor', **caffe_bgr_norm),
            flow=dict(type='Det2DDataPreprocessor', **flow_norm)),
        optional=['rgb']))
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='VideoFramePairsDataset',
        data_root=data_root,
        # relative to data_root (the videos folder)
        ann_file='../annotations/trainlist01.txt',
        flow_root=data_root + '/../flow',
        frames_per_video=frames_per_video,
        modalities=('rgb', 'flow'),
        pipeline=[dict(type='PackDet2DInputs')]))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
