# Frame-level action detection on the JHMDB-format world (split 1): the
# RGB and the optical-flow Fast R-CNN of configs/detection2d, each from
# scratch, three seeds. This is the learnability check of the world that
# supervision transfer's Table 3 (random init vs transfer) is measured on;
# a detector that boxed the actor perfectly and guessed the class would
# score about 10 % (10 classes).
#   python tools/run_pipeline.py configs/pipelines/detection2d_jhmdb_synth.py \
#       --jobs 2
# Fixed recipe (the configs' AdamW 1e-3, cosine, 2,000 iterations): no
# recipe or length is chosen on validation here, and the test split is the
# only evaluation; the docs say so beside the table.
_base_ = ['./_base_/detection2d_seeded.py']
prepare = [
    dict(type='synthetic_world', out='data/synthetic_jhmdb', preset='jhmdb',
         flow='farneback')
]
_det = 'configs/detection2d/'
stages = [
    dict(name='rgb', method='RGB', template='seeded',
         config=_det + 'frcnn_r18_rgb_jhmdb_synth.py'),
    dict(name='flow', method='optical flow', template='seeded',
         config=_det + 'frcnn_r18_flow_jhmdb_synth.py'),
]
