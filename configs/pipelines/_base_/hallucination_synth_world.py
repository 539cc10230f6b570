# What the hallucination pipelines (configs/pipelines/hallucination_synth
# *.py) share: the demo world (made before the first stage when missing),
# three seeds, top-1 on the cross-view test camera, and the four training
# steps of Garcia et al. (ECCV 2018) as templates, each starting from the
# checkpoint of the step before. Run hallucination_synth.py first: the
# others take its finished runs over (same signature, no retraining;
# docs/pipelines.md, "Sharing runs between pipelines").
# (no optical flow: the streams read RGB and depth)
prepare = [
    dict(type='synthetic_world', out='data/synthetic_demo', preset='demo')
]
sweeps = dict(seed=[0, 1, 2])
reuse_from = [
    f'work_dirs/hallucination_synth{suffix}'
    for suffix in ('', '_ablation', '_control', '_noise', '_inverted')
]
report_metric = 'acc/top1'
reference_method = 'RGB stream (step 1)'
_hall = 'configs/hallucination/'
templates = dict(
    seeded=dict(sweep=['seed'], cfg_options={'randomness.seed': '{seed}'}),
    # step 1: each stream alone, cross-entropy
    rgb=dict(config=_hall + 'step1_rgb_synth.py'),
    depth=dict(config=_hall + 'step1_depth_synth.py'),
    # step 2: RGB + depth with connections, from the step-1 streams
    step2=dict(
        config=_hall + 'step2_synth.py',
        cfg_options={
            'model.init_streams.rgb.checkpoint': '{rgb.checkpoint}',
            'model.init_streams.depth.checkpoint': '{depth.checkpoint}'}),
    # step 3: step 2's depth stream frozen, the hallucination stream
    # started from it (fed RGB)
    step3=dict(
        config=_hall + 'step3_synth.py',
        cfg_options={
            'model.init_streams.depth.checkpoint': '{step2.checkpoint}',
            'model.init_streams.hallucination.checkpoint':
            '{step2.checkpoint}'}),
    # step 4: step 2's RGB stream + step 3's hallucination stream, RGB only
    step4=dict(
        config=_hall + 'step4_synth.py',
        cfg_options={
            'model.init_streams.rgb.checkpoint': '{step2.checkpoint}',
            'model.init_streams.hallucination.checkpoint':
            '{step3.checkpoint}'}))
# the stages every table starts from (taken over when already finished)
core_stages = [
    dict(name='rgb', method='RGB stream (step 1)',
         template=['seeded', 'rgb']),
    dict(name='depth', method='depth stream (step 1)',
         template=['seeded', 'depth']),
    dict(name='step2', method='RGB + depth, connections (step 2)',
         template=['seeded', 'step2']),
]
