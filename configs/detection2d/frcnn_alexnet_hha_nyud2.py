# HHA (depth) Fast R-CNN with Caffe's AlexNet on NYUD2 (19 classes), Gupta
# et al.'s setting (see the bases), in two of the paper's initialisations
# (Table 1), chosen by environment variables when the config is read:
# * "supervision transfer": FSAT_HHA_TRANSFER_CKPT names the checkpoint of
#   configs/supervision_transfer/rgb2hha_alexnet_nyud2.py (or
#   rgb2hha_vgg16_alexnet_nyud2.py): its student's conv1-conv5 (keys
#   student.*) go into the trunk before training (PretrainedWeightsHook,
#   prefix='student.', target='backbone.'; a pipeline stage does the same
#   with init_from=dict(stage=..., prefix='student.', target='backbone.'));
#   fc6, fc7 and the classifier start at random, as in the paper.
#     FSAT_HHA_TRANSFER_CKPT=work_dirs/rgb2hha/iter_100000.pth \
#         python tools/train.py configs/detection2d/frcnn_alexnet_hha_nyud2.py
#   The student of the VGG-16 -> AlexNet transfer pads conv1 by 7 (the
#   released HHA detector's padding); add
#     --cfg-options model.backbone.conv1_padding=7
# * "copy from RGB" (Gupta et al., ECCV 2014), when FSAT_HHA_TRANSFER_CKPT
#   is unset: the ImageNet RGB AlexNet of FSAT_IMAGENET_ALEXNET, conv1-conv5
#   into the trunk (the 3-channel HHA takes the RGB filters unchanged) and
#   fc6 / fc7 into the RoI head.
# With neither variable the trunk starts at random: the paper's "no init"
# is ./frcnn_alexnet_hha_noinit_nyud2.py (its own, longer schedule).
# HHA is normalised as the released code does (the RGB BGR means, see
# ./_base_/frcnn_alexnet.py).
_base_ = ['./_base_/nyud2.py', './_base_/frcnn_alexnet.py']
transfer_ckpt = '{{$FSAT_HHA_TRANSFER_CKPT:none}}'
if transfer_ckpt == 'none':
    model = {{_base_.alexnet_model}}
    custom_hooks = {{_base_.imagenet_fc_hooks}}
else:
    model = {{_base_.alexnet_model_random}}
    custom_hooks = [
        dict(type='PretrainedWeightsHook', checkpoint=transfer_ckpt,
             prefix='student.', target='backbone.')
    ]
train_dataloader = dict(dataset=dict(modalities=('hha', )))
val_dataloader = dict(dataset=dict(modalities=('hha', )))
test_dataloader = val_dataloader
