# R-C3D initialised from the feature-supervised depth student (FSAT's
# transfer checkpoint, by default where tools/train.py puts that of
# configs/distill/flow2depth_v2c.py: its `student.` weights), then
# fine-tuned as the from-scratch row (paper Table VI, "feature-supervised").
#   python tools/train.py configs/detection/rc3d_r3d18_depth_pkummd_fsat.py \
#       --cfg-options custom_hooks.0.checkpoint=<transfer checkpoint>
_base_ = ['./rc3d_r3d18_depth_pkummd.py']
custom_hooks = [
    dict(
        type='PretrainedWeightsHook',
        checkpoint='work_dirs/flow2depth_v2c/epoch_400.pth',
        prefix='student.')
]
