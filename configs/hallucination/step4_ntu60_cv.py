# Hallucination network, step 4: the final model. The RGB stream of step 2
# and the hallucination stream of step 3, joined by the connections (the
# hallucinated map gates the RGB residual branch), fine-tuned with
# cross-entropy on their averaged scores from RGB alone. No depth stream:
# the checkpoint holds no depth weights and tests on RGB.
#   --cfg-options model.init_streams.rgb.checkpoint=<step2 ckpt>
#                 model.init_streams.hallucination.checkpoint=<step3 ckpt>
# Real NTU RGB+D 60, cross-view (the cross-subject twin is
# step4_ntu60_cs.py); settings in _base_/ntu60_rgbd.py.
_base_ = ['./_base_/ntu60_rgbd.py']
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(rgb={{_base_.stream}}, hallucination={{_base_.stream}}),
        connections=[
            dict(src='hallucination', dst='rgb',
                 stages={{_base_.connection_stages}})
        ],
        num_segments={{_base_.num_segments}}),
    heads=dict(rgb={{_base_.head}}, hallucination={{_base_.head}}),
    stream_inputs=dict(hallucination='rgb'),
    init_streams=dict(
        rgb=dict(checkpoint=None), hallucination=dict(checkpoint=None)),
    data_preprocessor={{_base_.rgb_preprocessor}})
_loaders = _base_.ntu_loaders['ntu60_xview']
train_dataloader = _loaders['rgb_train']
val_dataloader = _loaders['rgb_val']
test_dataloader = _loaders['rgb_test']
