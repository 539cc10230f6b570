# VPN++ (Das et al., TPAMI 2021) Table 6 on the synthetic Toyota Smarthome
# world, cross-subject: what worse poses do to AGCN-J (poses alone), VPN
# (RGB + poses at test time) and VPN++ (poses at training time only). Two
# worlds with the same people, cameras and RGB bytes (the pose estimator
# has its own random stream) and two levels of LCR-Net-like pose noise:
# the `smarthome` preset's ("medium") and a "low" quality one with more
# jitter, drift, left/right swaps and missed frames, chosen before any run.
# Per world and seed: AGCN-J, VPN*, and VPN++ taught by that AGCN-J.
#   python tools/run_pipeline.py configs/pipelines/vpn_synth_table6.py --jobs 2
_base_ = ['./_base_/vpn_synth_world.py']
_vpn = 'configs/vpn/'
_low = 'data/synthetic_smarthome_lowpose'
reference_method = 'VPN++, medium poses'
prepare = [
    dict(
        type='synthetic_world',
        out='data/synthetic_smarthome',
        preset='smarthome'),
    dict(
        type='synthetic_world',
        out=_low,
        preset='smarthome',
        overrides=dict(
            pose2d_jitter=0.04,  # medium 0.015 of the person's height
            pose3d_jitter=0.08,  # 0.03 m
            pose3d_drift=0.10,  # 0.04 m
            pose_swap=0.4,  # 0.15
            pose_miss=0.6)),  # 0.25 stretches per 56 frames
]
_low_data = {
    f'{loader}.dataset.data_root': _low + '/smarthome'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
}
templates = dict(
    low=dict(cfg_options=_low_data),
    low_cache=dict(
        cfg_options={'custom_hooks.0.dataset.data_root': _low + '/smarthome'}),
    pose_low=dict(cfg_options={
        'model.teachers.pose.checkpoint': '{pose_low.checkpoint}'}))
stages = [
    dict(name='pose', method='AGCN-J, medium poses', template='seeded',
         config=_vpn + 'agcn_j_synth.py'),
    dict(name='vpn', method='VPN, medium poses', template='seeded',
         config=_vpn + 'vpn_star_synth.py'),
    dict(name='vpnpp', method='VPN++, medium poses',
         template=['seeded', 'pose_teacher'],
         config=_vpn + 'vpnpp_synth.py'),
    dict(name='pose_low', method='AGCN-J, low poses',
         template=['seeded', 'low'], config=_vpn + 'agcn_j_synth.py'),
    dict(name='vpn_low', method='VPN, low poses', template=['seeded', 'low'],
         config=_vpn + 'vpn_star_synth.py'),
    dict(name='vpnpp_low', method='VPN++, low poses',
         template=['seeded', 'low', 'low_cache', 'pose_low'],
         config=_vpn + 'vpnpp_synth.py'),
]
