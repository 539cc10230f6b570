# RGB frame-level action detector with Caffe's AlexNet on JHMDB (21
# classes, split 1; see the bases), fine-tuned from ImageNet (conv1-conv5
# into the trunk, fc6 / fc7 into the RoI head, from the file named by
# FSAT_IMAGENET_ALEXNET; unset = random).
#   FSAT_IMAGENET_ALEXNET=alexnet.pth python tools/train.py \
#       configs/detection2d/frcnn_alexnet_rgb_jhmdb.py
_base_ = ['./_base_/jhmdb.py', './_base_/frcnn_alexnet.py']
model = {{_base_.alexnet_model}}
custom_hooks = {{_base_.imagenet_fc_hooks}}
train_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.rgb_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
