# VPN-F on NTU RGB+D 60 CS (VPN++ Sec. 3.2, Tables 1 and 5): the frozen pose
# teacher AGCN-J (agcn_j_ntu60_cs.py) supervises the RGB student's linear
# embedding E_F of its pooled feature with the supervised contrastive
# distillation loss SCD (one negative of another class per positive),
# next to the student's cross-entropy: L = CE_S - alpha * L_SCD, alpha 50.
# The teacher's pooled features of every training video are computed once
# into a cache (pose_cache_hook), so the training batches are RGB only.
# Set the teacher checkpoint (--cfg-options
# model.teachers.pose.checkpoint=...) to the agcn_j_ntu60_cs.py run's
# checkpoint. Test time is RGB only: the student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_ntu60_cs.py student.pth
_base_ = ['./_base_/ntu60_cs.py']
pose_teacher = dict(
    config='{{ fileDirname }}/agcn_j_ntu60_cs.py',
    modality='skeleton',
    checkpoint=None,  # the agcn_j_ntu60_cs.py run's checkpoint
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
        loss_scd=dict(
            type='SCDLoss',
            num_data='train_set',  # len(train_dataloader.dataset), at run time
            num_negatives=1,
            loss_weight=50.0,  # alpha; returns -alpha * L_SCD
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='embed'),
                feat_t='pose.feat',
                labels='data.labels'))))
train_dataloader = {{_base_.distill_rgb_train_dataloader}}
val_dataloader = {{_base_.distill_val_dataloader}}
test_dataloader = {{_base_.distill_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
custom_hooks = [{{_base_.pose_cache_hook}}]
