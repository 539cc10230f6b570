# What the CPU-sized supervision-transfer twins share
# (../rgb2hha_r18_nyud2_synth.py, ../rgb2flow_r18_jhmdb_synth.py): the
# synthetic detectors' ResNet-18 trunk (its first 2 stages: stride 8, 128
# channels at layer2) as both the frozen RGB teacher and the student, a
# 1x1 convolution + ReLU + scale between them, the per-element mean of
# the squared distance (reduction='mean'; the paper's per-image sum with
# SGD needs a learning rate C*H*W times smaller), AdamW 1e-3 with a cosine
# decay for 1,000 iterations, 4 pairs a batch. A child names the
# student's modality, its preprocessor and its data.
_base_ = ['../../_base_/schedules/sgd_iter.py']
iters = 1000
train_cfg = dict(max_iters=iters, val_interval=iters)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.01),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=iters, eta_min=0)
]
# the best checkpoint by the held-out relative transfer error (MMEngine
# cannot infer a rule for transfer/* keys: it needs one)
default_hooks = dict(
    checkpoint=dict(interval=iters, save_best='transfer/rel_l2',
                    rule='less'),
    logger=dict(interval=50))
trunk = dict(type='ResNet', depth=18, pretrained=None, num_stages=2,
             strides=(1, 2), dilations=(1, 1), out_indices=(1, ),
             norm_eval=False)
# both modalities normalised as the detectors normalise them
det_norm = dict(type='Det2DDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], pad_size_divisor=8)
model = dict(
    type='SupervisionTransferDistiller',
    student=trunk,
    # the RGB detector's checkpoint (keys backbone.*), given at run time
    teacher=dict(model=trunk, checkpoint=None, prefix='backbone.',
                 modality='rgb'),
    student_layer=dict(path='layer2', dim=128),
    teacher_layer=dict(path='layer2', dim=128),
    # default adaptation: 1x1 conv 128 -> 128 + ReLU, learnable scale
    loss=dict(type='SquaredL2Loss', reduction='mean'))
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
