# Gupta et al. (CVPR 2016), Table 1 on the NYUD2-format world, part 4
# (teacher quality): does a better supervising network give a better HHA
# trunk? The paper transfers from VGG instead of AlexNet into the same
# AlexNet and gains 2-3 points. Here the stronger teacher is a deeper RGB
# network, ResNet-34 to stage 2 (rgb_det_r34.py), trained as the ResNet-18
# stand-in of parts 1-3 was (800 iterations on the source world, seed 0),
# and transferred into the same ResNet-18 HHA student
# (rgb2hha_transfer_r34.py); the HHA detector is then fine-tuned, or
# trained with its trunk frozen (ft head only), as in part 3. Both
# teachers are the source networks themselves, not adapted to the target
# (the paper's teacher rows are adapted, AlexNet* and VGG*; part 2 found
# adapting the ResNet-18 teacher changes nothing here: 26.6 vs 26.5). The
# ResNet-18 rows are taken over from parts 1 and 3 when they have run.
#   python tools/run_pipeline.py \
#       configs/pipelines/st_nyud2_synth_table1_teacher.py --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
reuse_from = [
    'work_dirs/st_nyud2_synth_table1',
    'work_dirs/st_nyud2_synth_table1_semantic',
]
reference_method = 'HHA, supervision transfer'
_t1 = 'configs/supervision_transfer/table1_synth/'
_from_r34 = dict(stage='transfer_r34', prefix='student.', target='backbone.')
# the deeper teacher first: every ResNet-34 row waits for it, and the
# ResNet-18 rows (taken over, or trained) fill the other job meanwhile
stages = [
    dict(name='rgb_source_r34', config=_t1 + 'rgb_det_r34.py',
         cfg_options=_base_.source_options),
] + _base_.source_stages + _base_.transfer_stages + \
    _base_.frozen_transfer_stages + [
    dict(name='transfer_r34', template='seeded',
         config=_t1 + 'rgb2hha_transfer_r34.py',
         cfg_options={
             'model.teacher.checkpoint': '{rgb_source_r34.checkpoint}'}),
    dict(name='hha_transfer_r34',
         method='HHA, supervision transfer from ResNet-34',
         template='seeded', config=_t1 + 'hha_det.py', init_from=_from_r34),
    dict(name='hha_transfer_r34_fc',
         method='HHA, supervision transfer from ResNet-34 (ft head only)',
         template='seeded', config=_t1 + 'hha_det_frozen.py',
         init_from=_from_r34),
]
