# The RGB detector of detection2d_jhmdb_synth.py trained 3x longer, as
# detection2d_jhmdb_synth_long.py trains the optical-flow detector: 6,000
# iterations instead of the config's 2,000, the cosine decay stretched to
# match, three seeds, split 1. That pipeline left RGB at 2,000 iterations,
# so its table said nothing about RGB against flow at equal length; this
# one measures RGB at 6,000 (docs/detection.md, "RGB at 6,000
# iterations").
#   python tools/run_pipeline.py \
#       configs/pipelines/detection2d_jhmdb_synth_long_rgb.py --jobs 3
# (--jobs 3 on 2 cores: the three seeds at once, one thread each.)
# Fixed recipe, the flow pipeline's length, no validation split.
_base_ = ['./_base_/detection2d_long.py']
prepare = [
    dict(type='synthetic_world', out='data/synthetic_jhmdb', preset='jhmdb')
]
stages = [
    dict(name='rgb_6k', method='RGB, 6,000 iterations', template='seeded',
         config='configs/detection2d/frcnn_r18_rgb_jhmdb_synth.py',
         cfg_options={{_base_.long_cfg_options}}),
]
reference_method = 'RGB, 6,000 iterations'
