# The AlexNet Fast R-CNN of Gupta et al. (CVPR 2016) for the real NYUD2 /
# JHMDB configs: listed as a second base after ./nyud2.py or ./jhmdb.py
# (which hold the paper's schedule: 40,000 iterations, lr 0.001 / 10 at
# 30,000, momentum 0.9, weight decay 5e-4, 2 images x 128 RoIs, shorter
# side 688 on NYUD2), a config takes one of the models below as `model`;
# their `_delete_` swaps the bases' ResNet-50 for Caffe's AlexNet.
# * Trunk: AlexNetTrunk(arch='caffe') up to conv5 (stride 16, 256
#   channels); 6x6 RoIPool of each proposal on conv5 into fc6 / fc7 of
#   4,096 (+ dropout 0.5), as Caffe's AlexNet Fast R-CNN.
# * Normalisation: the released detector code's for every 3-channel image
#   (RGB and, with the same values, HHA): channels reversed to BGR, the BGR
#   means (102.98, 115.95, 122.77) subtracted, no scaling (Caffe's ImageNet
#   models see 0-255 pixels). The paper does not say how HHA is
#   normalised; this is the released code's choice, which keeps copied RGB
#   filters ("copy from RGB") in the range they were trained for. Flow
#   images (x, y, magnitude; 128 = no motion) have 128 subtracted (ours).
# * ImageNet weights only from a local file named by FSAT_IMAGENET_ALEXNET
#   (never downloaded; unset = random initialisation): Caffe's BVLC AlexNet
#   converted to a torchvision-layout state dict (features.N.* in conv
#   order, conv1 reading BGR; classifier.1.* = fc6, classifier.4.* = fc7).
#   The trunk takes conv1-conv5 from it; `imagenet_fc_hooks` copy fc6 /
#   fc7 into the RoI head (a file with the trunk's own keys needs
#   --cfg-options custom_hooks.0.prefix=fc6. custom_hooks.1.prefix=fc7.).
#   With torchvision's own AlexNet weights use arch='torchvision' and its
#   RGB mean / std instead.
imagenet_alexnet = '{{$FSAT_IMAGENET_ALEXNET:none}}'
# Caffe's BGR pixel means (the released code's, for RGB and HHA)
caffe_bgr_norm = dict(bgr_to_rgb=True, mean=[102.98, 115.95, 122.77],
                      std=[1.0, 1.0, 1.0])
flow_norm = dict(mean=[128.0, 128.0, 128.0], std=[1.0, 1.0, 1.0])
_alexnet_backbone = dict(
    _delete_=True, type='AlexNetTrunk', arch='caffe', in_channels=3,
    conv1_padding=0, out_layers='conv5', pretrained=None)
_alexnet_roi_head = dict(in_channels=256, roi_layer='RoIPool', roi_size=6,
                         fc_channels=4096, num_fcs=2, dropout=0.5)
# randomly initialised trunk (a transfer checkpoint or "no init")
alexnet_model_random = dict(
    backbone=_alexnet_backbone,
    feat_stride=16,
    roi_head=_alexnet_roi_head,
    data_preprocessor=dict(type='Det2DDataPreprocessor', **caffe_bgr_norm,
                           pad_size_divisor=16))
# ImageNet conv1-conv5 (when FSAT_IMAGENET_ALEXNET names a file)
alexnet_model = dict(
    alexnet_model_random,
    backbone=dict(
        _alexnet_backbone,
        pretrained=None if imagenet_alexnet == 'none' else imagenet_alexnet))
# a flow detector (flow normalisation, random trunk)
alexnet_flow_model = dict(
    alexnet_model_random,
    data_preprocessor=dict(type='Det2DDataPreprocessor', **flow_norm,
                           pad_size_divisor=16))
# ImageNet fc6 / fc7 into the RoI head's two fc layers
imagenet_fc_hooks = [] if imagenet_alexnet == 'none' else [
    dict(type='PretrainedWeightsHook', checkpoint=imagenet_alexnet,
         prefix='classifier.1.', target='roi_head.shared_fcs.0.'),
    dict(type='PretrainedWeightsHook', checkpoint=imagenet_alexnet,
         prefix='classifier.4.', target='roi_head.shared_fcs.3.'),
]
