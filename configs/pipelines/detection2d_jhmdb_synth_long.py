# The optical-flow detector of detection2d_jhmdb_synth.py trained 3x
# longer: 6,000 iterations (about 4.5 epochs of the 84 training clips'
# frames) instead of the config's 2,000, the cosine decay stretched to
# match, three seeds, split 1. At 2,000 iterations the flow detector is
# barely above the ~10 % that a detector boxing the actor perfectly and
# guessing the class would score (docs/detection.md); a single 6,000-
# iteration run (seed 0, 2026-12-01) reached 21.2 %. This pipeline
# measures that length over seeds: 112 min with --jobs 2 on 2 cores
# (2026-12-02, the three new runs 52-61 min each on one thread).
#   python tools/run_pipeline.py \
#       configs/pipelines/detection2d_jhmdb_synth_long.py --jobs 2
# Fixed recipe, no validation split (as detection2d_jhmdb_synth.py): the
# length was not chosen on the test numbers of this pipeline; the docs
# say which earlier single run suggested it.
_base_ = ['./_base_/detection2d_long.py']
prepare = [
    dict(type='synthetic_world', out='data/synthetic_jhmdb', preset='jhmdb',
         flow='farneback')
]
_det = 'configs/detection2d/'
# the 2,000-iteration RGB and flow runs of detection2d_jhmdb_synth.py
# (same configs and seeds, so the same signatures) are taken over, not
# trained again, for the paired comparison
reuse_from = ['work_dirs/detection2d_jhmdb_synth']
stages = [
    dict(name='rgb', method='RGB', template='seeded',
         config=_det + 'frcnn_r18_rgb_jhmdb_synth.py'),
    dict(name='flow', method='optical flow', template='seeded',
         config=_det + 'frcnn_r18_flow_jhmdb_synth.py'),
    dict(name='flow_6k', method='optical flow, 6,000 iterations',
         template='seeded',
         config=_det + 'frcnn_r18_flow_jhmdb_synth.py',
         cfg_options={{_base_.long_cfg_options}}),
]
reference_method = 'optical flow'
