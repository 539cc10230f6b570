# VPN++ Table 1 baseline on NTU RGB+D 60 CV: VPN-F with an MSE feature loss
# (FitNets-style) instead of SCD, between the L2-normalised E_F(V) and the
# frozen pose teacher's feature, weight 50 (the paper gives none; SCD's
# alpha). Otherwise as vpnf_scd_ntu60_cv.py.
# Test time is RGB only: the student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_ntu60_cv.py student.pth
_base_ = ['./_base_/ntu60_cv.py']
pose_teacher = dict(
    config='{{ fileDirname }}/agcn_j_ntu60_cv.py',
    modality='skeleton',
    checkpoint=None,  # the agcn_j_ntu60_cv.py run's checkpoint
    cached=True)
model = dict(
    type='MultiTeacherDistiller',
    student={{_base_.student}},
    student_modality='rgb',
    teachers=dict(pose=pose_teacher),
    taps=dict(
        student=dict(feat={{_base_.student_feat}}),
        pose=dict(feat={{_base_.pose_feat}})),
    connectors=dict(
        embed=[
            dict(
                type='FlattenConnector',
                out_channels={{_base_.student_dim}}),
            dict(
                type='LinearConnector',
                in_channels={{_base_.student_dim}},
                out_channels={{_base_.pose_dim}})
        ]),
    distill_losses=dict(
        loss_mse=dict(
            type='FeatureMSELoss',
            normalize=True,
            loss_weight=50.0,
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='embed'),
                feat_t='pose.feat'))))
train_dataloader = {{_base_.distill_rgb_train_dataloader}}
val_dataloader = {{_base_.distill_val_dataloader}}
test_dataloader = {{_base_.distill_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
custom_hooks = [{{_base_.pose_cache_hook}}]
