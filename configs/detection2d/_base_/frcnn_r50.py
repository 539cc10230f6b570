# The Fast R-CNN of the real NYUD2 / JHMDB configs, in the setting of
# Gupta et al. (CVPR 2016, Sec. 4.1 "Baseline detection model"): every
# layer fine-tuned, 2 images x 128 RoIs a batch (25 % foreground), SGD lr
# 0.001 (momentum 0.9, weight decay 5e-4) for 40,000 iterations, lr / 10
# after 30,000, shorter image side 688 px, box regression, precomputed
# proposals (MCG for NYUD2; the user's proposal file, see LoadProposalFile).
# The paper's trunk is AlexNet (fc6/fc7 of 4,096); this one is mmaction2's
# 2-D ResNet-50 up to its 3rd stage (stride 16) with two fc layers of
# 1,024, ImageNet-initialised from a local torchvision-format checkpoint
# named by FSAT_IMAGENET_R50 (never downloaded; without it the trunk
# starts from scratch). AlexNet/VGG trunks come with supervision transfer.
_base_ = ['../../_base_/schedules/sgd_iter.py']
iters = 40000
short_side = 688
max_size = 1100
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[30000], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=10000, max_keep_ckpts=1),
                     logger=dict(interval=50))
imagenet_r50 = '{{$FSAT_IMAGENET_R50:none}}'
_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])

# num_classes: NYUD2's 19 (the dataset bases set theirs)
model = dict(
    type='FastRCNN2D',
    backbone=dict(
        type='ResNet', depth=50,
        pretrained=None if imagenet_r50 == 'none' else imagenet_r50,
        torchvision_pretrain=True, out_indices=(2, ), norm_eval=True),
    feat_stride=16,
    roi_head=dict(type='RoIBoxHead2D', in_channels=1024, num_classes=19,
                  roi_size=7, fc_channels=1024, num_rois=128,
                  fg_fraction=0.25),
    data_preprocessor=dict(type='Det2DDataPreprocessor', **_norm,
                           pad_size_divisor=16))
