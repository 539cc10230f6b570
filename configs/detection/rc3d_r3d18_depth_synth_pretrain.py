# Synthetic twin of rc3d_r3d18_depth_pkummd_pretrain.py: R-C3D initialised
# from the flow teacher (first convolution adapted to depth), by default
# where configs/pipelines/fsat_synth_detection.py writes it.
#   python tools/train.py \
#       configs/detection/rc3d_r3d18_depth_synth_pretrain.py
_base_ = ['./rc3d_r3d18_depth_synth.py']
custom_hooks = [
    dict(
        type='PretrainedWeightsHook',
        checkpoint='work_dirs/fsat_synth_detection/teacher/single/'
        'iter_2000.pth',
        adapt_input_channels=True)
]
