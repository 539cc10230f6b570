# VPN++ Table 1 baseline on Toyota Smarthome CV2: VPN-F with contrastive
# representation distillation (CRD, Tian et al.: its own embeddings and
# memory banks of the whole training set addressed by data.indices,
# weight 0.8 as in CRD) instead of SCD. Otherwise as vpnf_scd_smarthome_cv2.py.
# Test time is RGB only: the student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_smarthome_cv2.py student.pth
_base_ = ['./_base_/smarthome_cv2.py']
pose_teacher = dict(
    config='{{ fileDirname }}/agcn_j_smarthome_cv2.py',
    modality='skeleton',
    checkpoint=None,  # the agcn_j_smarthome_cv2.py run's checkpoint
    cached=True)
model = dict(
    type='MultiTeacherDistiller',
    student={{_base_.student}},
    student_modality='rgb',
    teachers=dict(pose=pose_teacher),
    taps=dict(
        student=dict(feat={{_base_.student_feat}}),
        pose=dict(feat={{_base_.pose_feat}})),
    distill_losses=dict(
        loss_crd=dict(
            type='CRDLoss',
            student_channels={{_base_.student_dim}},
            teacher_channels={{_base_.pose_dim}},
            num_data='train_set',  # len(train_dataloader.dataset), at run time
            num_negatives={{_base_.crd_negatives}},
            loss_weight=0.8,  # CRD's beta (Tian et al.)
            inputs=dict(
                feat_s='student.feat',
                feat_t='pose.feat',
                indices='data.indices'))))
train_dataloader = {{_base_.distill_rgb_train_dataloader}}
val_dataloader = {{_base_.distill_val_dataloader}}
test_dataloader = {{_base_.distill_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
custom_hooks = [{{_base_.pose_cache_hook}}]
