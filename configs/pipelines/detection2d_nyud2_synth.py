# Object detection on the NYUD2-format indoor world (tools/data/
# synthesize.py --preset nyud2, its depth encoded as HHA by the prepare
# step): Gupta et al.'s RGB, HHA and RGB + HHA late-fusion detectors
# (configs/detection2d/frcnn_r18_*_nyud2_synth.py, from scratch, sliding
# windows), and the HHA detector with its own region proposal network,
# three seeds. The fusion stage trains nothing: it tests the same seed's
# RGB and HHA detectors with their class scores averaged.
#   python tools/run_pipeline.py configs/pipelines/detection2d_nyud2_synth.py \
#       --jobs 2
# Fixed recipe (the configs' AdamW 1e-3, cosine, 800 iterations): no
# recipe or length is chosen on validation here, and the test split is the
# only evaluation; the docs say so beside the table.
_base_ = ['./_base_/detection2d_seeded.py']
prepare = [
    dict(type='synthetic_world', out='data/synthetic_nyud2', preset='nyud2',
         hha=True)
]
_det = 'configs/detection2d/'
stages = [
    dict(name='rgb', method='RGB', template='seeded',
         config=_det + 'frcnn_r18_rgb_nyud2_synth.py'),
    dict(name='hha', method='HHA', template='seeded',
         config=_det + 'frcnn_r18_hha_nyud2_synth.py'),
    dict(name='fusion', method='RGB + HHA (late fusion)', template='seeded',
         test_only=True,
         config=_det + 'frcnn_r18_rgbhha_fusion_nyud2_synth.py',
         cfg_options={
             'model.checkpoints.rgb': '{rgb.checkpoint}',
             'model.checkpoints.hha': '{hha.checkpoint}'}),
    dict(name='hha_rpn', method='HHA, RPN proposals', template='seeded',
         config=_det + 'frcnn_r18_hha_rpn_nyud2_synth.py'),
]
