# Table 2's ablations of the hallucination network on the synthetic world
# (run configs/pipelines/hallucination_synth.py first: its steps 1-3 are
# taken over, not trained again):
#   * step 3's loss: L_hall alone (Eq. 3, Hoffman et al.'s), L_GD alone
#     (Eq. 5) and the total L (Eq. 7), from the same step-2 model;
#   * connections: step 2 without them (row 9), step 3 without them
#     (row 14: the hallucination stream learns without the depth gates).
# The RGB control of equal training length is its own pipeline
# (hallucination_synth_control.py), so that each fits 30 minutes here.
_base_ = ['./_base_/hallucination_synth_world.py']
_hall = 'configs/hallucination/'
_no_connections = {'model.backbone.connections': []}
stages = _base_.core_stages + [
    dict(name='step2_plain', method='RGB + depth, no connections (step 2)',
         template=['seeded', 'step2'], cfg_options=_no_connections),
    dict(name='step3_hall', method='step 3, L_hall only (Eq. 3)',
         template=['seeded', 'step3'],
         config=_hall + 'step3_hall_only_synth.py'),
    dict(name='step3_gd', method='step 3, L_GD only (Eq. 5)',
         template=['seeded', 'step3'],
         config=_hall + 'step3_gd_only_synth.py'),
    dict(name='step3', method='step 3, total L (Eq. 7)',
         template=['seeded', 'step3']),
    dict(name='step3_plain', method='step 3, total L, no connections',
         template=['seeded', 'step3'], cfg_options=_no_connections),
]
