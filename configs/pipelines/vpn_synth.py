# VPN++ (Das et al., TPAMI 2021) on the synthetic Toyota Smarthome world,
# cross-subject: the rows of the paper's Tables 1, 2, 3 and 5 with the
# CPU-sized models of configs/vpn/*_synth.py, three seeds each. The pose
# teacher AGCN-J and VPN* (the frozen VPN-A variant's teacher) are trained
# once (seed 0); every other row trains per seed. Every student is tested
# on RGB alone (video level, the CS test subjects); AGCN-J on skeletons
# and VPN* on RGB + pose.
#   python tools/run_pipeline.py configs/pipelines/vpn_synth.py
# The world (tools/data/synthesize.py --preset smarthome, ~2,100 clips) is
# made before the first stage when missing.
prepare = [
    dict(
        type='synthetic_world',
        out='data/synthetic_smarthome',
        preset='smarthome')
]
sweeps = dict(seed=[0, 1, 2])
report_metric = 'acc/top1'
reference_method = 'RGB (I3D-NL)'
templates = dict(
    seeded=dict(sweep=['seed'], cfg_options={'randomness.seed': '{seed}'}),
    pose_teacher=dict(
        cfg_options={'model.teachers.pose.checkpoint': '{pose.checkpoint}'}))
_vpn = 'configs/vpn/'
stages = [
    dict(name='pose', method='3D poses (AGCN-J)',
         config=_vpn + 'agcn_j_synth.py'),
    dict(name='vpn_star', method='VPN* (RGB + poses, attention)',
         config=_vpn + 'vpn_star_synth.py'),
    dict(name='rgb', method='RGB (I3D-NL)', template='seeded',
         config=_vpn + 'i3d_nl_rgb_synth.py'),
    dict(name='vpnf_mse', method='VPN-F, MSE (Table 1)',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_mse_synth.py'),
    dict(name='vpnf_crd', method='VPN-F, CRD (Table 1)',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_crd_synth.py'),
    dict(name='vpnf', method='VPN-F (SCD)',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_scd_synth.py'),
    dict(name='vpna_frozen', method='VPN-A, frozen VPN* (Table 3)',
         template='seeded', config=_vpn + 'vpna_frozen_synth.py',
         cfg_options={'model.teachers.vpn.checkpoint':
                      '{vpn_star.checkpoint}'}),
    dict(name='vpna', method='VPN-A (collaborative)', template='seeded',
         config=_vpn + 'vpna_synth.py'),
    dict(name='vpnpp', method='VPN++', template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnpp_synth.py'),
]
