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
# the transfers first: with --jobs 2, the copy rows (which wait for
# nothing but the source network) then fill the end of the schedule
stages = (_base_.source_stages + _base_.transfer_stages +
          _base_.copy_stages)
