# VPN++ (Das et al., TPAMI 2021) Table 3 on the synthetic Toyota Smarthome
# world, cross-subject: how to distil VPN*'s pose-driven attention into the
# RGB student. SCD on VPN*'s modulated features (feature level), SCD on the
# attention maps, and attention MSE (VPN-A), each with a frozen pre-trained
# VPN* (one, seed 0) or a collaborative one trained with the student, three
# seeds each. Students are tested on RGB alone (video level).
#   python tools/run_pipeline.py configs/pipelines/vpn_synth_table3.py --jobs 2
_base_ = ['./_base_/vpn_synth_world.py']
_vpn = 'configs/vpn/'
_t3 = _vpn + 'table3/'
reference_method = 'MSE (attention weights), collaborative (VPN-A)'
templates = dict(
    frozen_vpn=dict(cfg_options={
        'model.teachers.vpn.checkpoint': '{vpn_star.checkpoint}'}))
stages = [
    dict(name='vpn_star', config=_vpn + 'vpn_star_synth.py'),
    dict(name='scd_feat_frozen', method='SCD (feature level), frozen VPN*',
         template=['seeded', 'frozen_vpn'],
         config=_t3 + 'vpna_scd_feat_frozen_synth.py'),
    dict(name='scd_feat', method='SCD (feature level), collaborative',
         template='seeded', config=_t3 + 'vpna_scd_feat_synth.py'),
    dict(name='scd_attn_frozen',
         method='SCD (attention weights), frozen VPN*',
         template=['seeded', 'frozen_vpn'],
         config=_t3 + 'vpna_scd_attn_frozen_synth.py'),
    dict(name='scd_attn', method='SCD (attention weights), collaborative',
         template='seeded', config=_t3 + 'vpna_scd_attn_synth.py'),
    dict(name='mse_attn_frozen',
         method='MSE (attention weights), frozen VPN*',
         template=['seeded', 'frozen_vpn'],
         config=_vpn + 'vpna_frozen_synth.py'),
    dict(name='mse_attn',
         method='MSE (attention weights), collaborative (VPN-A)',
         template='seeded', config=_vpn + 'vpna_synth.py'),
]
