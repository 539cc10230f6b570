# VPN++ (Das et al., TPAMI 2021) Table 1 on the synthetic Toyota Smarthome
# world, cross-subject: which loss distils the frozen pose teacher's
# features into the RGB student (VPN-F)? Feature MSE, CRD (Tian et al.,
# memory banks) and SCD (the paper's), against the RGB student alone;
# the same embedding E_F, the same cached AGCN-J features (one teacher,
# seed 0) and loss weight for each, three seeds. Students are tested on
# RGB alone (video level).
#   python tools/run_pipeline.py configs/pipelines/vpn_synth_table1.py --jobs 2
_base_ = ['./_base_/vpn_synth_world.py']
_vpn = 'configs/vpn/'
stages = [
    dict(name='pose', config=_vpn + 'agcn_j_synth.py'),
    dict(name='rgb', method='RGB (I3D-NL)', template='seeded',
         config=_vpn + 'i3d_nl_rgb_synth.py'),
    dict(name='vpnf_mse', method='VPN-F, feature MSE',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_mse_synth.py'),
    dict(name='vpnf_crd', method='VPN-F, CRD',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_crd_synth.py'),
    dict(name='vpnf_scd', method='VPN-F, SCD',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_scd_synth.py'),
]
