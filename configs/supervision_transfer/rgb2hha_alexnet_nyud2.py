# Supervision transfer RGB -> HHA on NYUD2 (Gupta, Hoffman, Malik, CVPR
# 2016, Sec. 4.1): an HHA AlexNet (Caffe's, conv1-pool5, random start)
# learns to reproduce, through a 1x1 convolution + ReLU (+ a learnable
# scale, init 1), the pool5 map of a frozen RGB AlexNet on the paired RGB
# frame: f = squared L2 summed over the map (SquaredL2Loss, reduction
# 'sum', the paper's per-image norm), no labels.
# The teacher, two variants of the paper's Table 1:
# * "supervision transfer": the ImageNet AlexNet of FSAT_IMAGENET_ALEXNET
#   (a local file, never downloaded; see
#   configs/detection2d/_base_/frcnn_alexnet.py), the default;
# * "supervision transfer adapted" (AlexNet*, the paper's choice for its
#   later experiments): the trunk of the RGB detector fine-tuned on NYUD2,
#   configs/detection2d/frcnn_alexnet_rgb_nyud2.py (prefix 'backbone.'):
#     python tools/train.py \
#         configs/supervision_transfer/rgb2hha_alexnet_nyud2.py \
#         --cfg-options model.teacher.checkpoint=work_dirs/rgb/iter_40000.pth
# Then configs/detection2d/frcnn_alexnet_hha_nyud2.py takes the student
# (FSAT_HHA_TRANSFER_CKPT=<this run's checkpoint>: prefix 'student.' into
# 'backbone.').
# Data: paired raw NYUD2 video frames of the training scenes (the paper
# samples one every 0.5-1 s, ~10k frames), RGB and HHA (e.g.
# tools/data/depth_to_hha.py) as <FSAT_NYUD2_ROOT>/frames/rgb/<id>.png
# and frames/hha/<id>.png (PairedImageFolderDataset: same relative path =
# a pair; other folders with --cfg-options
# train_dataloader.dataset.modalities.rgb=/abs/rgb ...); the labelled
# NYUD2 test images (the same root, HHA under hha/) report the held-out
# transfer error (transfer/rel_l2) at the end; nothing is chosen on them.
# The paper's numbers: pool5 -> pool5, 1x1 conv + ReLU, squared L2, 100,000
# transfer iterations, random start of the student. Ours (the paper gives
# no transfer solver): the frames at their recorded 480x640 (no resize;
# the detectors run at 688), 4 pairs a batch, no augmentation, and SGD
# (momentum 0.9) with exactly the steps of lr 0.01 and weight decay 5e-4
# (Caffe's ImageNet AlexNet values) on the per-element mean: the summed
# loss's gradients are C*H*W = 256*14*19 (the pool5 map of a 480x640
# frame) times the mean's, so lr = 0.01 / (C*H*W) and weight decay =
# 5e-4 * (C*H*W); lr / 10 after 75,000 iterations (Fast R-CNN's 3/4).
# Both modalities are normalised as the detectors normalise them (the
# released code's BGR means).
_base_ = ['../_base_/schedules/sgd_iter.py']
data_root = '{{$FSAT_NYUD2_ROOT:data/nyud2}}'
imagenet_alexnet = '{{$FSAT_IMAGENET_ALEXNET:none}}'
iters = 100000
# elements of the tapped map of one 480x640 frame (AlexNet pool5)
map_elements = 256 * 14 * 19
mean_lr = 0.01
mean_weight_decay = 5e-4
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=mean_lr / map_elements, momentum=0.9,
                   weight_decay=mean_weight_decay * map_elements),
    clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[75000], gamma=0.1)
]
# the best checkpoint by the held-out relative transfer error (MMEngine
# cannot infer a rule for transfer/* keys: it needs one)
default_hooks = dict(
    checkpoint=dict(interval=10000, max_keep_ckpts=1,
                    save_best='transfer/rel_l2', rule='less'),
    logger=dict(interval=50))
# the released code's normalisation of RGB and HHA (BGR means, 0-255)
caffe_bgr_norm = dict(bgr_to_rgb=True, mean=[102.98, 115.95, 122.77],
                      std=[1.0, 1.0, 1.0])
_norm = dict(type='Det2DDataPreprocessor', **caffe_bgr_norm)
model = dict(
    type='SupervisionTransferDistiller',
    student=dict(type='AlexNetTrunk', arch='caffe', in_channels=3,
                 conv1_padding=0),
    student_modality='hha',
    # ImageNet AlexNet; checkpoint=<frcnn_alexnet_rgb_nyud2's> for AlexNet*
    teacher=dict(
        model=dict(type='AlexNetTrunk', arch='caffe', pretrained=None
                   if imagenet_alexnet == 'none' else imagenet_alexnet),
        checkpoint=None, prefix='backbone.', modality='rgb'),
    student_layer='pool5',
    teacher_layer='pool5',
    # default adaptation: 1x1 conv 256 -> 256 + ReLU, learnable scale
    loss=dict(type='SquaredL2Loss', reduction='sum'),
    teacher_source='online',
    data_preprocessor=dict(type='PairedDataPreprocessor',
                           preprocessors=dict(rgb=_norm, hha=_norm),
                           optional=['rgb']))
_pipeline = [dict(type='PackDet2DInputs')]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='PairedImageFolderDataset', data_root=data_root,
                 modalities=dict(rgb='frames/rgb', hha='frames/hha'),
                 suffixes=('.png', '.jpg', '.jpeg', '.ppm'),
                 pipeline=_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='NYUD2DetectionDataset', data_root=data_root,
                 split='test', modalities=('rgb', 'hha'), hha_root='hha',
                 test_mode=True, pipeline=_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='TransferL2Metric')
test_evaluator = val_evaluator
