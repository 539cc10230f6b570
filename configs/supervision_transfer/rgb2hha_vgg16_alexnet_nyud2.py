# Supervision transfer RGB VGG-16 -> HHA AlexNet on NYUD2 (Gupta et al.,
# CVPR 2016, Table 1 "VGG* -> AlexNet"; its best HHA network): as
# ./rgb2hha_alexnet_nyud2.py (data, loss, normalisation, evaluation), with
# a frozen VGG-16 teacher tapped at pool5 (512 channels; the adaptation is
# a 1x1 convolution 256 -> 512 + ReLU, then the learnable scale the paper
# adds for VGG -> AlexNet) and 150,000 transfer iterations (the paper's).
# The teacher: the ImageNet VGG-16 of FSAT_IMAGENET_VGG16 (a local
# torchvision-layout state dict converted from Caffe's VGG-16, BGR input;
# never downloaded; unset = random), or, as the paper's VGG* (fine-tuned
# for detection on NYUD2), the trunk of a VGG-16 FastRCNN2D checkpoint
# (VGGTrunk(out_layers='conv5_3'), keys backbone.*):
#   python tools/train.py \
#       configs/supervision_transfer/rgb2hha_vgg16_alexnet_nyud2.py \
#       --cfg-options model.teacher.checkpoint=work_dirs/rgb_vgg/latest.pth
# Spatial sizes: the paper adjusts AlexNet's padding so that both pool5
# maps have one size. On the 480x640 training frames VGG-16's pool5 is
# 15x20 (480/32 x 640/32, the same with floor or Caffe's ceil rounding:
# every map size down to pool4 is even), Caffe's AlexNet with its conv1
# unpadded gives 14x19, and conv1 padding p gives 15x20 for every p in
# 4..15 (conv1 (480 + 2p - 11) // 4 + 1 = 121, pool1 60, pool2 30, pool5 15
# at p = 7; 161, 80, 40, 20 on 640). We take 7, the released HHA
# AlexNet's, which also matches VGG-16 on 224x224 and 227x227 images
# (7x7). Its detector then pads conv1 by 7 too: train
# configs/detection2d/frcnn_alexnet_hha_nyud2.py with
#   --cfg-options model.backbone.conv1_padding=7
# Ours: as in ./rgb2hha_alexnet_nyud2.py, lr and weight decay are those of
# lr 0.01 / weight decay 5e-4 on the per-element mean, here of the
# 512x15x20 map; lr / 10 after 112,500 iterations (3/4).
_base_ = ['./rgb2hha_alexnet_nyud2.py']
imagenet_vgg16 = '{{$FSAT_IMAGENET_VGG16:none}}'
iters = 150000
conv1_padding = 7
# elements of the tapped map of one 480x640 frame (VGG-16 pool5)
map_elements = 512 * 15 * 20
mean_lr = 0.01
mean_weight_decay = 5e-4
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(lr=mean_lr / map_elements,
                   weight_decay=mean_weight_decay * map_elements))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[112500], gamma=0.1)
]
model = dict(
    student=dict(conv1_padding=conv1_padding),
    # ImageNet VGG-16; checkpoint=<a VGG-16 detector's> for VGG*
    teacher=dict(
        model=dict(_delete_=True, type='VGGTrunk', depth=16,
                   out_layers='pool5', pretrained=None
                   if imagenet_vgg16 == 'none' else imagenet_vgg16)))
