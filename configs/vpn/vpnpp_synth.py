# VPN++ on the synthetic Smarthome world (CS) (Sec. 3.4, Tables 4 and 5): both
# teachers at once, the frozen pose teacher AGCN-J (feature level, SCD; its
# features cached) and the collaborative VPN* (attention level, L_D):
#   L = CE_S + CE_T - alpha * L_SCD + beta * L_D,  alpha = beta = 50,
# SGD lr 0.01, momentum 0.9. SCDLoss returns -alpha * L_SCD (L_SCD is a
# log-likelihood to maximise), so every term is added. Batches carry the
# RGB clip and the skeleton of the same frames (for VPN*).
# Set the pose teacher's checkpoint (--cfg-options
# model.teachers.pose.checkpoint=...) to the agcn_j_synth.py run's checkpoint.
# Test time is RGB only: the student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_synth.py student.pth
_base_ = ['./_base_/synth_smarthome_cs.py']
pose_teacher = dict(
    config='{{ fileDirname }}/agcn_j_synth.py',
    modality='skeleton',
    checkpoint=None,  # the agcn_j_synth.py run's checkpoint
    cached=True)
vpn_teacher = dict(
    model={{_base_.vpn_star}},
    modality=('rgb', 'skeleton'),
    checkpoint=None,
    trainable=True,  # collaborative: trained with the student
    with_loss=True,  # CE_T, logged as vpn.loss_cls
    loss_weight=1.0)
model = dict(
    type='MultiTeacherDistiller',
    student={{_base_.student}},
    student_modality='rgb',
    teachers=dict(pose=pose_teacher, vpn=vpn_teacher),
    taps=dict(
        student=dict(feat={{_base_.student_feat}}, attn={{_base_.nl_tap}}),
        pose=dict(feat={{_base_.pose_feat}}),
        vpn=dict(attn='coupler.attention')),
    connectors=dict(
        embed=[
            dict(
                type='FlattenConnector',
                out_channels={{_base_.student_dim}}),
            dict(
                type='LinearConnector',
                in_channels={{_base_.student_dim}},
                out_channels={{_base_.pose_dim}})
        ],
        embed_attn=[
            dict(type='FlattenConnector', out_channels={{_base_.nl_len}}),
            dict(
                type='LinearConnector',
                in_channels={{_base_.nl_len}},
                out_channels={{_base_.attn_len}})
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
                labels='data.labels')),
        loss_attn=dict(
            type='AttentionMSELoss',
            loss_weight=50.0,  # beta
            inputs=dict(
                attn_s=dict(feature='student.attn', connector='embed_attn'),
                attn_t='vpn.attn'))))
train_dataloader = {{_base_.distill_paired_train_dataloader}}
val_dataloader = {{_base_.distill_val_dataloader}}
test_dataloader = {{_base_.distill_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
custom_hooks = [{{_base_.pose_cache_hook}}]
