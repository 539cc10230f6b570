# Hallucination network, step 4: the final model. The RGB stream of step 2
# and the hallucination stream of step 3, joined by the connections (the
# hallucinated map gates the RGB residual branch), fine-tuned with
# cross-entropy on their averaged scores from RGB alone. No depth stream:
# the checkpoint holds no depth weights and tests on RGB.
#   --cfg-options model.init_streams.rgb.checkpoint=<step2 ckpt>
#                 model.init_streams.hallucination.checkpoint=<step3 ckpt>
_base_ = ['./_base_/synth_ntu_rgbd.py']
# training length (iterations of 8 videos, cosine decay to 0)
iters = 150
train_cfg = dict(max_iters=iters, val_interval=iters)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=iters))
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
train_dataloader = {{_base_.rgb_train_dataloader}}
val_dataloader = {{_base_.rgb_val_dataloader}}
test_dataloader = {{_base_.rgb_test_dataloader}}
