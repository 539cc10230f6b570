# VPN++ Table 3 "SCD (feature level), collaborative learning" on the
# synthetic Smarthome world (CS): the VPN* teacher trained with the student
# (its own CE_T), and SCD (the paper's, one negative of another class per
# positive, alpha = 50) between the student's pooled feature map, embedded
# by E_F (linear), and VPN*'s pooled modulated feature map T_A(V, P)
# (f' = A * f + f) instead of attention MSE. The frozen-teacher variant:
# vpna_scd_feat_frozen_synth.py. Test time is RGB only (the student).
_base_ = ['../_base_/synth_smarthome_cs.py']
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
    teachers=dict(vpn=vpn_teacher),
    taps=dict(
        student=dict(feat={{_base_.student_feat}}),
        # VPN*'s head pools the modulated map f'
        vpn=dict(feat={{_base_.student_feat}})),
    connectors=dict(
        embed=[
            dict(
                type='FlattenConnector',
                out_channels={{_base_.student_dim}}),
            dict(
                type='LinearConnector',
                in_channels={{_base_.student_dim}},
                out_channels={{_base_.student_dim}})
        ],
        flat=dict(
            type='FlattenConnector', out_channels={{_base_.student_dim}})),
    distill_losses=dict(
        loss_scd=dict(
            type='SCDLoss',
            num_data='train_set',  # len(train_dataloader.dataset), at run time
            num_negatives=1,
            loss_weight=50.0,  # alpha; returns -alpha * L_SCD
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='embed'),
                feat_t=dict(feature='vpn.feat', connector='flat'),
                labels='data.labels'))))
train_dataloader = {{_base_.distill_paired_train_dataloader}}
val_dataloader = {{_base_.distill_val_dataloader}}
test_dataloader = {{_base_.distill_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
