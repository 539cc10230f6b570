# VPN++ Table 3 "MSE (attention weights), no collaborative learning" on
# Toyota Smarthome CS: VPN-A with a pre-trained, frozen VPN* teacher
# (vpn_star_smarthome_cs.py) and no CE_T; otherwise as vpna_smarthome_cs.py.
# Set the teacher checkpoint (--cfg-options model.teachers.vpn.checkpoint=...)
# to the vpn_star_smarthome_cs.py run's checkpoint. Test time is RGB only: the
# student is exported and tested alone,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_smarthome_cs.py student.pth
_base_ = ['./_base_/smarthome_cs.py']
vpn_teacher = dict(
    config='{{ fileDirname }}/vpn_star_smarthome_cs.py',
    modality=('rgb', 'skeleton'),
    checkpoint=None)
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
