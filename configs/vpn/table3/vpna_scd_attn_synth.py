# VPN++ Table 3 "SCD (attention weights), collaborative learning" on the
# synthetic Smarthome world (CS): VPN-A (vpna_synth.py, collaborative
# VPN*) with SCD between the student's non-local attention map, flattened
# and projected by E_A, and VPN*'s flattened attention map (t x m x n)
# instead of attention MSE (alpha = 50, one negative of another class per
# positive). The frozen-teacher variant: vpna_scd_attn_frozen_synth.py.
# Test time is RGB only (the student).
_base_ = ['../vpna_synth.py']
model = dict(
    connectors=dict(
        flat_attn=dict(
            type='FlattenConnector', out_channels={{_base_.attn_len}})),
    distill_losses=dict(
        _delete_=True,
        loss_scd=dict(
            type='SCDLoss',
            num_data='train_set',  # len(train_dataloader.dataset), at run time
            num_negatives=1,
            loss_weight=50.0,  # alpha; returns -alpha * L_SCD
            inputs=dict(
                feat_s=dict(feature='student.attn', connector='embed_attn'),
                feat_t=dict(feature='vpn.attn', connector='flat_attn'),
                labels='data.labels'))))
