# R-C3D initialised from the source-modality teacher (RGB/flow 3D-ResNet-18
# trained on NTU-120-minus-60, by default where tools/train.py puts the
# flow teacher's; the first convolution averaged over its input channels
# and repeated), then fine-tuned as the from-scratch row
# (paper Table VI, "pretraining").
#   python tools/train.py \
#       configs/detection/rc3d_r3d18_depth_pkummd_pretrain.py \
#       --cfg-options custom_hooks.0.checkpoint=<teacher checkpoint>
_base_ = ['./rc3d_r3d18_depth_pkummd.py']
custom_hooks = [
    dict(
        type='PretrainedWeightsHook',
        checkpoint='work_dirs/flow_r3d18_ntu120m60/epoch_100.pth',
        adapt_input_channels=True)
]
