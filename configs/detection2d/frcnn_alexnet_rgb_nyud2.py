# RGB Fast R-CNN with Caffe's AlexNet on NYUD2 (19 classes), Gupta et
# al.'s setting (see the bases): every layer fine-tuned from ImageNet
# (conv1-conv5 into the trunk, fc6 / fc7 into the RoI head, from the file
# named by FSAT_IMAGENET_ALEXNET; unset = random). Its checkpoint is the
# "adapted" teacher (AlexNet*) of
# configs/supervision_transfer/rgb2hha_alexnet_nyud2.py.
#   FSAT_IMAGENET_ALEXNET=alexnet.pth python tools/train.py \
#       configs/detection2d/frcnn_alexnet_rgb_nyud2.py
_base_ = ['./_base_/nyud2.py', './_base_/frcnn_alexnet.py']
model = {{_base_.alexnet_model}}
custom_hooks = {{_base_.imagenet_fc_hooks}}
train_dataloader = dict(dataset=dict(modalities=('rgb', )))
val_dataloader = dict(dataset=dict(modalities=('rgb', )))
test_dataloader = val_dataloader
