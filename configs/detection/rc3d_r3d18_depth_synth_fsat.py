# Synthetic twin of rc3d_r3d18_depth_pkummd_fsat.py: R-C3D initialised from
# the depth student of the video+clip transfer (its `student.` weights), by
# default where configs/pipelines/fsat_synth_detection.py writes it.
#   python tools/train.py configs/detection/rc3d_r3d18_depth_synth_fsat.py
_base_ = ['./rc3d_r3d18_depth_synth.py']
custom_hooks = [
    dict(
        type='PretrainedWeightsHook',
        checkpoint='work_dirs/fsat_synth_detection/transfer/single/'
        'iter_1000.pth',
        prefix='student.')
]
