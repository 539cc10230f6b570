# HHA Fast R-CNN with Caffe's AlexNet on NYUD2, the paper's "no init"
# (Gupta et al., CVPR 2016, Table 1): every layer starts at random and the
# detector trains for 100,000 iterations from lr 0.01, x0.1 every 30,000
# (the paper's numbers; momentum 0.9, weight decay 5e-4, 2 images x 128
# RoIs and the 688-px scale as the other NYUD2 detectors). The trunk's
# convolutions are drawn from N(0, 0.01^2) with zero biases, the Gaussian
# of Caffe's ImageNet AlexNet (the paper: "weight distributions typically
# used for training on ImageNet"); the fc layers keep PyTorch's default.
#   python tools/train.py configs/detection2d/frcnn_alexnet_hha_noinit_nyud2.py
_base_ = ['./frcnn_alexnet_hha_nyud2.py']
iters = 100000
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[30000, 60000, 90000], gamma=0.1)
]
model = dict(
    backbone=dict(
        pretrained=None, conv1_padding=0,
        init_cfg=dict(type='Normal', layer='Conv2d', std=0.01, bias=0.0)))
# no ImageNet fc6 / fc7 and no transfer checkpoint, whatever the
# environment says
custom_hooks = []
