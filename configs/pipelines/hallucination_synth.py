# The hallucination network (Garcia et al., ECCV 2018) on the synthetic
# world (configs/hallucination/*_synth.py), Table 2's main rows: its four
# training steps, each starting from the checkpoint of the step before.
#   step 1: RGB and depth streams alone (the "RGB only" row);
#   step 2: RGB + depth with connections (the upper bound, depth at test);
#   step 3: frozen depth teaches the hallucination stream fed RGB;
#   step 4: RGB + hallucination fine-tuned on RGB: the final model.
#   python tools/run_pipeline.py \
#       configs/pipelines/hallucination_synth.py --jobs 2
# The ablations, the RGB control, the noise study and the inverted
# connections (hallucination_synth_{ablation,control,noise,inverted}.py)
# take these runs over.
_base_ = ['./_base_/hallucination_synth_world.py']
stages = _base_.core_stages + [
    dict(name='step3', method='hallucination stream (step 3)',
         template=['seeded', 'step3']),
    dict(name='step4', method='RGB + hallucination (step 4)',
         template=['seeded', 'step4']),
]
