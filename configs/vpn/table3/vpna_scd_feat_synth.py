# VPN++ Table 3 "SCD (feature level), collaborative learning" on the
# synthetic Smarthome world (CS): VPN-A (vpna_synth.py, the VPN* teacher
# trained with the student, its own CE_T) with SCD (the paper's, one
# negative of another class per positive, alpha = 50) between the
# student's pooled feature map, embedded by E_F (linear), and VPN*'s pooled
# modulated feature map T_A(V, P) (f' = A * f + f) instead of attention
# MSE. The frozen-teacher variant: vpna_scd_feat_frozen_synth.py. Test time
# is RGB only (the student).
_base_ = ['../vpna_synth.py']
model = dict(
    taps=dict(
        _delete_=True,
        student=dict(feat={{_base_.student_feat}}),
        # VPN*'s head pools the modulated map f'
        vpn=dict(feat={{_base_.student_feat}})),
    connectors=dict(
        _delete_=True,
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
        _delete_=True,
        loss_scd=dict(
            type='SCDLoss',
            num_data='train_set',  # len(train_dataloader.dataset), at run time
            num_negatives=1,
            loss_weight=50.0,  # alpha; returns -alpha * L_SCD
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='embed'),
                feat_t=dict(feature='vpn.feat', connector='flat'),
                labels='data.labels'))))
