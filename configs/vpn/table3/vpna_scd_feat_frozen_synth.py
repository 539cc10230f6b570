# VPN++ Table 3 "SCD (feature level), no collaborative learning" on the
# synthetic Smarthome world (CS): vpna_scd_feat_synth.py with a pre-trained,
# frozen VPN* teacher (vpn_star_synth.py; no CE_T). Set its checkpoint
# (--cfg-options model.teachers.vpn.checkpoint=...) to the
# vpn_star_synth.py run's checkpoint. Test time is RGB only (the student).
_base_ = ['./vpna_scd_feat_synth.py']
model = dict(
    teachers=dict(
        vpn=dict(
            _delete_=True,
            config='{{ fileDirname }}/../vpn_star_synth.py',
            modality=('rgb', 'skeleton'),
            checkpoint=None)))
