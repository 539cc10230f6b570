# Gupta et al. (CVPR 2016), Table 1 on the NYUD2-format world, part 5
# (which layer to transfer at): the paper transfers at pool5 and argues
# for a mid- or high-level layer, since low-level statistics differ
# between modalities and a lower tap hands fewer trained layers to the
# detector. Here the same transfer at layer1 (stride 4, 64 channels;
# rgb2hha_transfer_layer1.py) against part 1's at layer2 (stride 8, the
# pool5 equivalent of the twin's two-stage trunk): with the layer1 tap
# only the stem and layer1 learn from the teacher, layer2 starts the
# detector at random. The layer2 rows and the no-init reference are taken
# over from part 1 when it has run.
#   python tools/run_pipeline.py \
#       configs/pipelines/st_nyud2_synth_table1_layers.py --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
reuse_from = ['work_dirs/st_nyud2_synth_table1']
_t1 = 'configs/supervision_transfer/table1_synth/'
stages = _base_.source_stages + _base_.transfer_stages + [
    dict(name='transfer_layer1', template='seeded',
         config=_t1 + 'rgb2hha_transfer_layer1.py',
         cfg_options={'model.teacher.checkpoint': '{rgb_source.checkpoint}'}),
    dict(name='hha_transfer_layer1',
         method='HHA, supervision transfer at layer1',
         template='seeded', config=_t1 + 'hha_det.py',
         init_from=dict(stage='transfer_layer1', prefix='student.',
                        target='backbone.')),
]
