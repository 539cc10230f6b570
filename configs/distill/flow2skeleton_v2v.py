# FSAT transfer to the skeleton student (paper Table V): ST-GCN on whole
# sequences (no augmentation) matches the mean of the frozen flow teacher's
# features over all clips of the paired video (video-to-video), through a
# linear projection 256 -> 512; cosine distance; teacher features cached.
# Paper: SGD lr 0.1, momentum 0.9, wd 1e-5, batch 100, 120 epochs.
_base_ = [
    '../_base_/models/stgcn.py', '../_base_/datasets/ntu_rgbd.py',
    '../_base_/schedules/sgd_epoch.py'
]
teacher_config = 'configs/teachers/flow_r3d18_ntu120m60.py'
teacher_source = 'flow'
_train = dict(benchmark='ntu60_xview', split='train')
model = dict(
    _delete_=True,
    type='FeatureSupervisedDistiller',
    student={{_base_.model}},
    teacher=dict(
        config=teacher_config, modality='teacher_video', checkpoint=None),
    granularity='video',
    loss=dict(type='CosineDistanceLoss'),
    # ST-GCN's feature is the (person-averaged) input of its classifier
    student_feature=dict(path='cls_head.fc', source='input', dim=256),
    connector=dict(type='LinearConnector', in_channels=256,
                   out_channels=512),
    teacher_source='cache',
    student_modality='skeleton')

train_dataloader = dict(
    batch_size=25,  # x 4 GPUs = the paper's 100
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
        modalities=dict(
            skeleton=dict(
                sampling={{_base_.skeleton_sequence}},
                pipeline={{_base_.skeleton}}))))
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

train_cfg = dict(max_epochs=120, val_interval=100000)
optim_wrapper = dict(optimizer=dict(lr=0.1, weight_decay=1e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=120, eta_min=0)
]
default_hooks = dict(checkpoint=dict(interval=10, save_best=None))
