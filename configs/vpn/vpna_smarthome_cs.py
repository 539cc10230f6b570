# VPN-A on Toyota Smarthome CS (VPN++ Sec. 3.3, Tables 3 and 5): the VPN*
# teacher is trained collaboratively with the RGB student (in the
# optimiser, its own cross-entropy CE_T); the student's non-local attention
# map A_S, flattened and projected by E_A (FlattenConnector +
# LinearConnector) to the length of VPN*'s attention A_T (t x m x n), is
# pulled to it: L = CE_S + CE_T + beta * ||A_T+ - E_A(A_S)||^2 (both
# L2-normalised), beta 50. L_D's gradient reaches both networks (Eq. 3
# minimised jointly); teachers.vpn.distill_grad=False trains VPN* by CE_T
# alone. The frozen-teacher variant: vpna_frozen_smarthome_cs.py.
# Test time is RGB only: the student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_smarthome_cs.py student.pth
_base_ = ['./_base_/smarthome_cs.py']
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
        student=dict(attn={{_base_.nl_tap}}),
        vpn=dict(attn='coupler.attention')),
    connectors=dict(
        embed_attn=[
            dict(type='FlattenConnector', out_channels={{_base_.nl_len}}),
            dict(
                type='LinearConnector',
                in_channels={{_base_.nl_len}},
                out_channels={{_base_.attn_len}})
        ]),
    distill_losses=dict(
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
