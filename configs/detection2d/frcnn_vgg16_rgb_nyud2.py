# RGB Fast R-CNN with VGG-16 on NYUD2 (19 classes): the "VGG*" teacher of
# Gupta et al. (CVPR 2016, Table 1 "supervision transfer adapted VGG* ->
# AlexNet"), an ImageNet VGG-16 fine-tuned for detection on NYUD2, whose
# trunk then supervises the HHA AlexNet in
# configs/supervision_transfer/rgb2hha_vgg16_alexnet_nyud2.py
# (model.teacher.checkpoint=<this run's checkpoint>; the trunk's keys are
# backbone.conv1_1.* ..., which the teacher reads with prefix backbone.).
# The schedule and data are the NYUD2 detectors' (./_base_/nyud2.py:
# shorter side 688, 2 images x 128 RoIs, SGD lr 0.001 / 10 at 30,000 of
# 40,000 iterations, momentum 0.9, weight decay 5e-4), as the paper trains
# every detector with the standard Fast R-CNN settings. Fast R-CNN's VGG-16
# model (Girshick, ICCV 2015):
# * trunk up to conv5_3 (stride 16, 512 channels: no pool5), a 7x7
#   RoIPool into fc6 / fc7 of 4,096 with dropout 0.5;
# * conv1_1 to conv2_2 frozen (Fast R-CNN fine-tunes from conv3_1 up) when
#   ImageNet weights are given; a random trunk trains every layer;
# * Caffe's normalisation, as the AlexNet detectors (frcnn_alexnet.py):
#   BGR, the BGR means subtracted, 0-255 pixels.
# ImageNet weights only from a local file named by FSAT_IMAGENET_VGG16
# (never downloaded; unset = random initialisation): Caffe's VGG-16 in
# torchvision's layout (features.N.* in conv order, conv1_1 reading BGR;
# classifier.0.* = fc6, classifier.3.* = fc7, copied into the RoI head by
# the hooks below). With torchvision's own VGG-16 weights (RGB, 0-1
# pixels) set the preprocessor to torchvision's mean / std and bgr_to_rgb
# False.
#   FSAT_IMAGENET_VGG16=vgg16.pth python tools/train.py \
#       configs/detection2d/frcnn_vgg16_rgb_nyud2.py
_base_ = ['./_base_/nyud2.py', './_base_/frcnn_alexnet.py']
imagenet_vgg16 = '{{$FSAT_IMAGENET_VGG16:none}}'
_imagenet = imagenet_vgg16 != 'none'
model = dict(
    backbone=dict(
        _delete_=True, type='VGGTrunk', depth=16, out_layers='conv5_3',
        frozen_layers=('conv1_1', 'conv1_2', 'conv2_1',
                       'conv2_2') if _imagenet else (),
        pretrained=imagenet_vgg16 if _imagenet else None),
    feat_stride=16,
    roi_head=dict(in_channels=512, roi_layer='RoIPool', roi_size=7,
                  fc_channels=4096, num_fcs=2, dropout=0.5),
    data_preprocessor=dict(type='Det2DDataPreprocessor',
                           **_base_.caffe_bgr_norm, pad_size_divisor=16))
custom_hooks = [
    dict(type='PretrainedWeightsHook', checkpoint=imagenet_vgg16,
         prefix='classifier.0.', target='roi_head.shared_fcs.0.'),
    dict(type='PretrainedWeightsHook', checkpoint=imagenet_vgg16,
         prefix='classifier.3.', target='roi_head.shared_fcs.3.'),
] if _imagenet else []
train_dataloader = dict(dataset=dict(modalities=('rgb', )))
val_dataloader = dict(dataset=dict(modalities=('rgb', )))
test_dataloader = val_dataloader
