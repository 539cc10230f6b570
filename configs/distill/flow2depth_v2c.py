# FSAT transfer on NTU RGB+D 60 (cross-view training split, no labels): the
# frozen flow teacher trained on NTU-120-minus-60 supervises a 3D-ResNet-18
# depth student; video-to-clip (the student's clip matches the mean of the
# teacher's N = floor(T/16) clips), cosine distance, teacher features cached
# once. Paper: SGD lr 0.1, momentum 0.9, wd 1e-3, batch 128, 400 epochs,
# all layers. Variants: flow2depth_{c2c,vc,v2c_mse}.py, rgb2depth_*.py.
#   tools/dist_train.sh configs/distill/flow2depth_v2c.py 8 \
#       --cfg-options model.teacher.checkpoint=work_dirs/flow_teacher/best.pth
_base_ = [
    '../_base_/models/r3d18_depth.py', '../_base_/datasets/ntu_rgbd.py',
    '../_base_/schedules/sgd_epoch.py'
]
teacher_config = '{{ fileDirname }}/../teachers/flow_r3d18_ntu120m60.py'
teacher_source = 'flow'
granularity = 'video'
_train = dict(benchmark='ntu60_xview', split='train')
model = dict(
    _delete_=True,
    type='FeatureSupervisedDistiller',
    student={{_base_.model}},
    teacher=dict(
        config=teacher_config, modality='teacher_video', checkpoint=None),
    granularity=granularity,
    loss=dict(type='CosineDistanceLoss'),
    connector=None,  # both 512-d
    teacher_source='cache',
    student_modality='depth')

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # tensors of a batch cross from the workers in one shared block
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=_train,
        with_label=False,
        # student clips on the grid of the cached teacher clips
        clip_align='grid',
        modalities=dict(
            depth=dict(sampling='clip', pipeline={{_base_.depth_train}}))))
custom_hooks = [
    dict(
        type='TeacherFeatureCacheHook',
        cache_root='work_dirs/teacher_cache',
        dataset=dict(
            type='PairedModalityDataset',
            data_root={{_base_.data_root}},
            ntu=_train,
            with_label=False,
            test_mode=True,
            modalities=dict(
                teacher_video=dict(
                    source=teacher_source,
                    sampling='video',
                    pipeline={{_base_.flow_test}}))))
]
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None

train_cfg = dict(max_epochs=400, val_interval=100000)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=400, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=20, save_best=None))
