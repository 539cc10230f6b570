# The synthetic Toyota Smarthome world of the VPN++ pipelines
# (configs/pipelines/vpn_synth_*.py): made before the first stage when
# missing (tools/data/synthesize.py --preset smarthome, ~2,100 clips, about
# 2 min on 2 cores), and what every VPN++ table shares: three seeds, the
# CS test subjects, top-1 at video level, the RGB models' configs.
# Every run trains on nine of the eleven CS training subjects and is
# validated on the other two (3 and 4; configs/vpn/_base_/
# synth_smarthome_cs.py); the shared recipe (AdamW, 8 frames every 6th,
# 1,500 iterations) was chosen there, on validation, before any
# distillation run (docs/reproducing.md, "VPN++").
prepare = [
    dict(
        type='synthetic_world',
        out='data/synthetic_smarthome',
        preset='smarthome')
]
sweeps = dict(seed=[0, 1, 2])
# the tables share rows (e.g. RGB, AGCN-J, VPN): a run finished by another
# VPN++ table with the same signature is taken over, not trained again
# (docs/pipelines.md, "Sharing runs between pipelines"); this pipeline's
# own work dir in the list is ignored
reuse_from = [
    f'work_dirs/vpn_synth_table{n}' for n in (1, 2, 3, 5, 6)
] + ['work_dirs/vpn_synth_weights', 'work_dirs/vpn_synth_weights_crd']
report_metric = 'acc/top1'
reference_method = 'RGB (I3D-NL)'
_vpn = 'configs/vpn/'
templates = dict(
    seeded=dict(sweep=['seed'], cfg_options={'randomness.seed': '{seed}'}),
    pose_teacher=dict(
        cfg_options={'model.teachers.pose.checkpoint': '{pose.checkpoint}'}))
