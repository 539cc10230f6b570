# Hallucination network, step 3: the student. The depth stream of step 2,
# frozen (weights and batch-norm statistics), reads depth; the
# hallucination stream, initialised with the same depth weights, reads RGB
# and receives the depth stream's connections. Loss (paper Eq. 7):
# (1 - alpha) L_GD + alpha L_hall with alpha = lambda = 0.5, T = 10;
# L_GD's soft labels are the frozen depth stream's, L_hall compares the
# last stage's maps (sigmoid, squared L2). No plain cross-entropy: L_GD
# holds the hard labels.
#   --cfg-options model.init_streams.depth.checkpoint=<step2 ckpt>
#                 model.init_streams.hallucination.checkpoint=<step2 ckpt>
# Real NTU RGB+D 60, cross-view (the cross-subject twin is
# step3_ntu60_cs.py); settings in _base_/ntu60_rgbd.py.
_base_ = ['./_base_/ntu60_rgbd.py']
alpha = 0.5
model = dict(
    type='MultiStreamRecognizer',
    backbone=dict(
        type='CrossStreamResNet',
        streams=dict(
            depth={{_base_.stream}}, hallucination={{_base_.stream}}),
        connections=[
            dict(src='depth', dst='hallucination',
                 stages={{_base_.connection_stages}})
        ],
        num_segments={{_base_.num_segments}}),
    heads=dict(depth={{_base_.head}}, hallucination={{_base_.head}}),
    stream_inputs=dict(hallucination='rgb'),
    frozen_streams=['depth'],
    init_streams=dict(
        depth=dict(checkpoint=None),
        hallucination=dict(checkpoint=None, from_stream='depth')),
    fused_streams=[],
    predict_streams=['hallucination'],
    # tested as step 4 uses it: from RGB alone, the depth gates cut
    predict_connections=False,
    distill_losses=dict(
        loss_gd=dict(
            type='GeneralizedDistillationLoss',
            lambda_soft=0.5,
            temperature=10.0,
            loss_weight=1 - alpha,
            inputs=dict(
                logits_s='hallucination.logits',
                logits_t='depth.logits',
                labels='data.labels')),
        loss_hall=dict(
            type='HallucinationLoss',
            loss_weight=alpha,
            inputs=dict(
                feat_s='hallucination.feat', feat_t='depth.feat'))),
    # depth while training; RGB alone at test (predict_connections=False)
    data_preprocessor=dict(
        _base_.rgb_depth_preprocessor, optional=['depth']))
_loaders = _base_.ntu_loaders['ntu60_xview']
train_dataloader = _loaders['rgb_depth_train']
val_dataloader = _loaders['rgb_val']
test_dataloader = _loaders['rgb_test']
