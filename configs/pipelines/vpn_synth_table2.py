# VPN++ (Das et al., TPAMI 2021) Table 2 on the synthetic Toyota Smarthome
# world, cross-subject: does pose-driven attention help more than RGB
# self-attention? The slim I3D without attention, with a non-local block,
# and VPN (the same RGB backbone modulated by the spatio-temporal attention
# that the poses drive; poses at test time too). Three seeds each.
#   python tools/run_pipeline.py configs/pipelines/vpn_synth_table2.py --jobs 2
_base_ = ['./_base_/vpn_synth_world.py']
_vpn = 'configs/vpn/'
reference_method = 'I3D w/o attention'
stages = [
    dict(name='i3d', method='I3D w/o attention', template='seeded',
         config=_vpn + 'i3d_rgb_synth.py'),
    dict(name='i3d_nl', method='I3D w NL attention (self-attention)',
         template='seeded', config=_vpn + 'i3d_nl_rgb_synth.py'),
    dict(name='vpn', method='I3D w pose attention (VPN)',
         template='seeded', config=_vpn + 'vpn_star_synth.py'),
]
