# Gupta et al. (CVPR 2016), Table 1 on the NYUD2-format world, part 3 ("Is
# this transfer of supervision semantic?"): each initialisation of parts
# 1 and 2 again, with the HHA detector's trunk frozen at the weights it
# was given, so that only the RPN and the box head learn ("ft fc only" in
# the paper: conv1-pool5 frozen, fc6, fc7 and the classifier trained;
# configs/supervision_transfer/table1_synth/hha_det_frozen.py). A trunk
# whose features are useful for detection by themselves keeps most of its
# fine-tuned accuracy frozen; one that only set the low layers in the
# right range does not. The fine-tuned rows and their upstream runs are
# taken over from parts 1 and 2 when they have run (reuse_from), so this
# part trains the nine frozen-trunk detectors only; "no init, ft head
# only" shows what a frozen random trunk gives.
#   python tools/run_pipeline.py \
#       configs/pipelines/st_nyud2_synth_table1_semantic.py --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
reuse_from = [
    'work_dirs/st_nyud2_synth_table1',
    'work_dirs/st_nyud2_synth_table1_adapted',
]
_t1 = 'configs/supervision_transfer/table1_synth/'
_frozen = _t1 + 'hha_det_frozen.py'
stages = (_base_.source_stages + _base_.transfer_stages +
          _base_.copy_stages + _base_.adapted_stages +
          _base_.frozen_transfer_stages + [
              dict(name='noinit_fc', method='HHA, no init (ft head only)',
                   template='seeded', config=_frozen),
              dict(name='copy_fc', method='HHA, copy RGB (ft head only)',
                   template='seeded', config=_frozen,
                   init_from=dict(stage='rgb_source', prefix='backbone.',
                                  target='backbone.')),
              dict(name='hha_adapted_fc',
                   method='HHA, supervision transfer (adapted, ft head only)',
                   template='seeded', config=_frozen,
                   init_from=dict(stage='transfer_adapted',
                                  prefix='student.', target='backbone.')),
          ])
