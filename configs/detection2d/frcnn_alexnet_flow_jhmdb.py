# Optical-flow frame-level action detector with Caffe's AlexNet on JHMDB
# (21 classes, split 1; see the bases), Gupta et al.'s flow experiment
# (CVPR 2016, Table 3):
# * "supervision transfer": FSAT_FLOW_TRANSFER_CKPT names the checkpoint
#   of configs/supervision_transfer/rgb2flow_alexnet_ucf101.py; its
#   student's conv1-conv5 (keys student.*) go into the trunk before
#   training (PretrainedWeightsHook, prefix='student.',
#   target='backbone.'), fc6, fc7 and the classifier start at random;
#     FSAT_FLOW_TRANSFER_CKPT=work_dirs/rgb2flow/iter_100000.pth \
#         python tools/train.py configs/detection2d/frcnn_alexnet_flow_jhmdb.py
# * "no init" when it is unset: every layer at random (the paper gives no
#   schedule for it on JHMDB; this one is the bases').
# Flow images (x, y, magnitude) have 128 subtracted, as the transfer's
# student saw them (./_base_/frcnn_alexnet.py).
_base_ = ['./_base_/jhmdb.py', './_base_/frcnn_alexnet.py']
transfer_ckpt = '{{$FSAT_FLOW_TRANSFER_CKPT:none}}'
model = {{_base_.alexnet_flow_model}}
custom_hooks = [] if transfer_ckpt == 'none' else [
    dict(type='PretrainedWeightsHook', checkpoint=transfer_ckpt,
         prefix='student.', target='backbone.')
]
train_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.flow_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
