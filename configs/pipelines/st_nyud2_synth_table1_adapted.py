# Gupta et al. (CVPR 2016), Table 1 on the NYUD2-format world, part 2: the
# RGB detector of the target world (its trunk from the RGB network of the
# source world, the ImageNet stand-in, then fine-tuned for detection on
# the target's labelled views), supervision transfer from it ("adapted":
# the teacher first fine-tuned for detection on the target data), and the
# late fusion of that RGB detector with the adapted HHA detector. The
# source network and the no-init rows are taken over from part 1
# (st_nyud2_synth_table1.py) when it has run, else trained here.
#   python tools/run_pipeline.py \
#       configs/pipelines/st_nyud2_synth_table1_adapted.py --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
reuse_from = ['work_dirs/st_nyud2_synth_table1']
_t1 = 'configs/supervision_transfer/table1_synth/'
stages = _base_.source_stages + _base_.adapted_stages + [
    dict(name='fusion', method='RGB + HHA adapted (late fusion)',
         template='seeded', test_only=True,
         config=_t1 + 'rgbhha_fusion.py',
         cfg_options={
             'model.checkpoints.hha': '{hha_adapted.checkpoint}',
             'model.checkpoints.rgb': '{rgb.checkpoint}'}),
]
