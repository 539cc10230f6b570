# VPN++'s training recipe (Das et al., TPAMI 2021, Sec. 4.1): SGD, learning
# rate 0.01, momentum 0.9, the learning rate divided by 10 every 10 epochs;
# 4 GPUs x 4 clips (the dataset files' batch_size=4 is per GPU). The paper
# gives no weight decay nor epoch count: 1e-4 (mmaction2's I3D) and 30
# epochs (three decays) are ours, as is the gradient clipping (norm 40).
# The pose teacher AGCN-J follows 2s-AGCN (Shi et al., CVPR 2019): SGD with
# Nesterov momentum 0.9, lr 0.1, weight decay 1e-4, 50 epochs, lr / 10 at
# epochs 30 and 40, batch 64 (the agcn_j_* configs use pose_*).
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_begin=1,
                 val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[10, 20], gamma=0.1)
]
pose_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50,
                      val_begin=1, val_interval=5)
pose_optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4))
pose_param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 40], gamma=0.1)
]
pose_batch_size = 16  # per GPU; 4 GPUs give 2s-AGCN's 64
