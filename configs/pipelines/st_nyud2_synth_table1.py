# Gupta et al. (CVPR 2016), Table 1 on the NYUD2-format world, part 1: how
# the HHA detector's trunk is initialised. The same HHA detector config
# (configs/supervision_transfer/table1_synth/hha_det.py), three seeds:
#   * no init: from scratch;
#   * copy RGB: the trunk of the RGB network (the ImageNet stand-in, see
#     the base) copied as it is;
#   * supervision transfer: the trunk trained from scratch to reproduce
#     the RGB network's stride-8 map on the target world's unlabelled
#     RGB/HHA training pairs (rgb2hha_transfer.py), then fine-tuned.
# Part 2 (st_nyud2_synth_table1_adapted.py) adds the adapted teacher and
# the fusion.
#   python tools/run_pipeline.py configs/pipelines/st_nyud2_synth_table1.py \
#       --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
_t1 = 'configs/supervision_transfer/table1_synth/'
# the transfers first: with --jobs 2, the copy rows (which wait for
# nothing but the source network) then fill the end of the schedule
stages = _base_.source_stages + [
    dict(name='transfer', template='seeded',
         config=_t1 + 'rgb2hha_transfer.py',
         cfg_options={'model.teacher.checkpoint': '{rgb_source.checkpoint}'}),
    dict(name='hha_transfer', method='HHA, supervision transfer',
         template='seeded', config=_t1 + 'hha_det.py',
         init_from=dict(stage='transfer', prefix='student.',
                        target='backbone.')),
    dict(name='copy', method='HHA, copy RGB', template='seeded',
         config=_t1 + 'hha_det.py',
         init_from=dict(stage='rgb_source', prefix='backbone.',
                        target='backbone.')),
]
