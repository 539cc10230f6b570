# The inverted connections of Garcia et al.'s supplementary (Table 1,
# rows 8a, 13a, 15a) on the synthetic world: the RGB map gates the depth
# stream in step 2 and the hallucination stream in steps 3 and 4, against
# the paper's direction (depth gates RGB). Steps 1-4 of the paper's
# direction are taken over from configs/pipelines/hallucination_synth.py
# (run it first).
_base_ = ['./_base_/hallucination_synth_world.py']
_hall = 'configs/hallucination/'
stages = _base_.core_stages + [
    dict(name='step3', method='hallucination stream (step 3)',
         template=['seeded', 'step3']),
    dict(name='step4', method='RGB + hallucination (step 4)',
         template=['seeded', 'step4']),
    dict(name='step2_inv', method='inverted: RGB + depth (step 2)',
         template=['seeded', 'step2'],
         config=_hall + 'step2_inverted_synth.py'),
    dict(name='step3_inv', method='inverted: hallucination (step 3)',
         template='seeded', config=_hall + 'step3_inverted_synth.py',
         cfg_options={
             f'model.init_streams.{s}.checkpoint': '{step2_inv.checkpoint}'
             for s in ('rgb', 'depth', 'hallucination')}),
    dict(name='step4_inv', method='inverted: RGB + hallucination (step 4)',
         template='seeded', config=_hall + 'step4_inverted_synth.py',
         cfg_options={
             'model.init_streams.rgb.checkpoint': '{step2_inv.checkpoint}',
             'model.init_streams.hallucination.checkpoint':
             '{step3_inv.checkpoint}'}),
]
