# Temporal action detection on the synthetic world (paper Table VI): R-C3D
# on the PKU-MMD-format depth sequences, cross-subject, trained on 1/4, 1/2
# or all of the training sequences (x 3 views), with three initialisations
# of its 3D-ResNet-18: from scratch, the flow teacher's weights
# (pretraining; first convolution adapted to depth), and the depth student
# of FSAT's video+clip transfer (feature-supervised). Metric: mAP at tIoU
# 0.5 (ActivityNet protocol) on the validation sequences, buffers merged by
# class-wise NMS.
#   python tools/run_pipeline.py configs/pipelines/fsat_synth_detection.py
# the demo world and its flow (made when missing), the few-label templates
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py'
]
sweeps = dict(budget=[0.25, 0.5, 1.0], seed=[0, 1, 2])
report_metric = 'tdet/activitynet/mAP@0.5'
budget_format = '{:.0%} of videos'
budget_label = 'training sequences'

_detector = 'configs/detection/rc3d_r3d18_depth_synth.py'
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_synth.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2depth_vc_synth.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='from scratch',
        template='video_fraction',
        config=_detector),
    dict(
        name='pretrain',
        method='flow-teacher pretraining',
        template='video_fraction',
        config=_detector,
        init_from=dict(stage='teacher', adapt_input_channels=True)),
    dict(
        name='fsat',
        method='feature-supervised (video+clip)',
        template='video_fraction',
        config=_detector,
        init_from=dict(stage='transfer', prefix='student.')),
]
