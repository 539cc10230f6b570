# The hallucination network (Garcia et al., ECCV 2018) on the synthetic
# world (configs/hallucination/*_synth.py): its four training steps, each
# starting from the checkpoint of the step before (init_streams).
#   step 1: RGB and depth streams alone (the "RGB only" row);
#   step 2: RGB + depth with connections (the upper bound, depth at test);
#   step 3: frozen depth teaches the hallucination stream fed RGB;
#   step 4: RGB + hallucination fine-tuned on RGB: the final model.
#   python tools/run_pipeline.py \
#       configs/pipelines/hallucination_synth.py --jobs 2
_hall = 'configs/hallucination/'
prepare = [
    dict(
        type='synthetic_world',
        out='data/synthetic_demo',
        preset='demo')
]
sweeps = dict(seed=[0, 1, 2])
report_metric = 'acc/top1'
reference_method = 'RGB stream (step 1)'
_seeded = dict(sweep=['seed'], cfg_options={'randomness.seed': '{seed}'})
templates = dict(seeded=_seeded)
stages = [
    dict(name='rgb', method='RGB stream (step 1)', template='seeded',
         config=_hall + 'step1_rgb_synth.py'),
    dict(name='depth', method='depth stream (step 1)', template='seeded',
         config=_hall + 'step1_depth_synth.py'),
    dict(name='step2', method='RGB + depth, connections (step 2)',
         template='seeded', config=_hall + 'step2_synth.py',
         cfg_options={
             'model.init_streams.rgb.checkpoint': '{rgb.checkpoint}',
             'model.init_streams.depth.checkpoint': '{depth.checkpoint}'}),
    dict(name='step3', method='hallucination stream (step 3)',
         template='seeded', config=_hall + 'step3_synth.py',
         cfg_options={
             'model.init_streams.depth.checkpoint': '{step2.checkpoint}',
             'model.init_streams.hallucination.checkpoint':
             '{step2.checkpoint}'}),
    dict(name='step4', method='RGB + hallucination (step 4)',
         template='seeded', config=_hall + 'step4_synth.py',
         cfg_options={
             'model.init_streams.rgb.checkpoint': '{step2.checkpoint}',
             'model.init_streams.hallucination.checkpoint':
             '{step3.checkpoint}'}),
]
