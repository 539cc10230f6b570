# FSAT transfer on the synthetic world: the frozen flow teacher (trained on
# the SOURCE half) supervises a depth student on unlabeled TARGET pairs of
# the cross-view training split; video-to-clip granularity (the student's
# clip matches the mean of the teacher's N clips), cosine distance, teacher
# features cached once. Variants: *_vc (video+clip), *_c2c, *_mse.
# The pipeline (or --cfg-options) sets the teacher checkpoint:
#   model.teacher.checkpoint=work_dirs/.../iter_2000.pth
_base_ = [
    '../_base_/models/r3d18_slim_depth.py',
    '../_base_/datasets/synthetic_ntu.py', '../_base_/schedules/sgd_iter.py'
]
teacher_config = '{{ fileDirname }}/../teachers/flow_r3d18_synth.py'
granularity = 'video'
_target = dict(
    benchmark='ntu60_xview', split='train',
    classes={{_base_.target_classes}})

model = dict(
    _delete_=True,
    type='FeatureSupervisedDistiller',
    student={{_base_.model}},
    teacher=dict(
        config=teacher_config, modality='flow_video', checkpoint=None),
    granularity=granularity,
    loss=dict(type='CosineDistanceLoss'),
    connector=None,  # both 128-d
    teacher_source='cache',
    student_modality='depth')

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    # iteration-based: an endless sampler (a DefaultSampler makes MMEngine
    # sleep 2 s at every pass over a small labeled set)
    sampler=dict(type='InfiniteSampler', shuffle=True),
    # tensors of a batch cross from the workers in one shared block
    collate_fn=dict(type='fsat.shared_collate'),
    dataset=dict(
        type='PairedModalityDataset',
        data_root={{_base_.data_root}},
        ntu=_target,
        with_label=False,
        # clips on the grid of the cached teacher clips (exact c2c pairs);
        # the RGB timeline is the reference
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
            ntu=_target,
            with_label=False,
            test_mode=True,
            modalities=dict(
                flow_video=dict(
                    source='flow',
                    sampling='video',
                    pipeline={{_base_.flow_test}}))))
]
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None

train_cfg = dict(max_iters=1000, val_interval=100000)
optim_wrapper = dict(optimizer=dict(lr=0.05, weight_decay=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, T_max=1000, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=1000, save_best=None))
