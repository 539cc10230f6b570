# Supervision transfer (Gupta et al., CVPR 2016) on the synthetic
# NYUD2-format world: an HHA ResNet-18 (its first 2 stages, the trunk of
# configs/detection2d/frcnn_r18_hha_nyud2_synth.py) learns to reproduce,
# through a 1x1 convolution + ReLU + scale, the stride-8 map of a frozen
# RGB network on the paired RGB image: f = squared L2 (SquaredL2Loss).
# The RGB network is the backbone of the RGB detector trained on this world
# (configs/detection2d/frcnn_r18_rgb_nyud2_synth.py): the paper's
# "supervision transfer adapted" (its teacher fine-tuned for detection on
# the target data), as the world has no ImageNet. Its checkpoint is given
# at run time:
#   python tools/train.py \
#       configs/supervision_transfer/rgb2hha_r18_nyud2_synth.py \
#       --cfg-options model.teacher.checkpoint=work_dirs/rgb/iter_800.pth
# Then the HHA detector starts from the transferred layers
# (a pipeline's init_from=dict(stage=..., prefix='student.',
# target='backbone.'), or PretrainedWeightsHook with the same arguments).
# The paired images without labels: the world's training rooms (the paper
# uses ~10k raw video frames of the training scenes; the world has only
# its 200 labelled training views). The test views report the held-out
# transfer error (transfer/rel_l2); nothing is chosen on them.
# Sized for a 2-core CPU: half-size images (shorter side 240), AdamW 1e-3
# with a cosine decay for 1,000 iterations and the per-element mean of the
# squared distance (reduction='mean'; the paper's per-image sum with SGD
# needs a learning rate C*H*W times smaller).
_base_ = ['./_base_/r18_synth.py']
data_root = '{{$FSAT_NYUD2_SYNTH_ROOT:data/synthetic_nyud2}}'
short_side = 240
model = dict(
    student_modality='hha',
    # rgb may be absent from a batch: with teacher_source='cache' the
    # teacher's maps come from the cache and the loaders can drop it
    data_preprocessor=dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(rgb={{_base_.det_norm}}, hha={{_base_.det_norm}}),
        optional=['rgb']))
_pipeline = [
    dict(type='Det2DResize', short_side=short_side),
    dict(type='PackDet2DInputs'),
]
_dataset = dict(type='NYUD2DetectionDataset', data_root=data_root,
                modalities=('rgb', 'hha'), hha_root='hha',
                pipeline=_pipeline)
train_dataloader = dict(dataset=dict(_dataset, split='train'))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='test', test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='TransferL2Metric')
test_evaluator = val_evaluator
