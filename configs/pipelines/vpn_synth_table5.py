# VPN++ (Das et al., TPAMI 2021) Table 5 on the synthetic Toyota Smarthome
# world, cross-subject: RGB alone, 3D poses alone, their late fusion, VPN
# (RGB + poses with pose-driven attention, both at test time), the
# distilled RGB students VPN-F (SCD from the frozen pose teacher), VPN-A
# (attention MSE from the collaborative VPN*) and VPN++ (both teachers),
# and VPN++ + 3D poses (late fusion). Also the VPN and I3D-NL rows of
# Table 2 and the VPN++ row of Table 4. CPU-sized models of
# configs/vpn/*_synth.py, three seeds; each seed has its own pose teacher
# AGCN-J (the teacher of that seed's VPN-F and VPN++). Students are tested
# on RGB alone (video level); AGCN-J on skeletons, VPN on RGB + poses.
#   python tools/run_pipeline.py configs/pipelines/vpn_synth_table5.py --jobs 2
_base_ = ['./_base_/vpn_synth_world.py']
_vpn = 'configs/vpn/'
_fusion = _vpn + 'late_fusion_synth.py'
stages = [
    dict(name='rgb', method='RGB (I3D-NL)', template='seeded',
         config=_vpn + 'i3d_nl_rgb_synth.py'),
    dict(name='pose', method='3D poses (AGCN-J)', template='seeded',
         config=_vpn + 'agcn_j_synth.py'),
    dict(name='late_fusion', method='RGB + 3D poses (late fusion)',
         config=_fusion, sweep=['seed'], test_only=True,
         cfg_options={
             'model.streams.rgb.checkpoint': '{rgb.checkpoint}',
             'model.streams.pose.checkpoint': '{pose.checkpoint}'}),
    dict(name='vpn', method='VPN (RGB + 3D poses, attention)',
         template='seeded', config=_vpn + 'vpn_star_synth.py'),
    dict(name='vpnf', method='VPN-F', template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnf_scd_synth.py'),
    dict(name='vpna', method='VPN-A', template='seeded',
         config=_vpn + 'vpna_synth.py'),
    dict(name='vpnpp', method='VPN++', template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnpp_synth.py'),
    dict(name='vpnpp_pose', method='VPN++ + 3D poses (late fusion)',
         config=_fusion, sweep=['seed'], test_only=True,
         cfg_options={
             'model.streams.rgb.checkpoint': '{vpnpp.checkpoint}',
             'model.streams.rgb.prefix': 'student.',
             'model.streams.pose.checkpoint': '{pose.checkpoint}'}),
]
