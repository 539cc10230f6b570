# Gupta et al. (CVPR 2016), Table 3 on the JHMDB-format world: frame-level
# action detection on optical flow, the flow detector's trunk initialised
#   * at random (no init);
#   * by supervision transfer: trained from scratch to reproduce the RGB
#     network's stride-8 map on unlabelled RGB / flow pairs of other
#     videos (rgb2flow_transfer.py), then fine-tuned;
#   * by supervised pre-training (Gkioxari & Malik's ceiling): a flow
#     detector trained with labels on other videos, itself started from
#     the RGB network's trunk, then fine-tuned.
# The same flow detector config for every row
# (configs/supervision_transfer/table3_synth/flow_det.py), averaged over
# JHMDB's three splits, as the paper reports it (each split its own
# random seed: the table's spread is over splits and seeds at once).
#
# The paper's RGB network is trained on ImageNet and its unlabelled and
# pre-training videos are UCF-101's. The world has neither, so another
# seed of the same JHMDB-format world (other performers and scenes, 120
# clips; data/synthetic_jhmdb_source) stands in for both: its RGB
# detector (the ImageNet stand-in, trained once, as the paper uses one
# ImageNet network), its videos as unlabelled pairs (5 frames each) and
# its labelled flow for the supervised pre-training. No target clip is
# seen before fine-tuning. Every initialisation hands over the trunk
# only (ResNet-18 to stage 2, `backbone.*`); the box head starts at random
# in every row. Fixed recipes (the configs'); the learning rate is chosen
# on validation clips held out of the training clips in
# st_jhmdb_synth_table3_val.py only, and the docs compare.
#   python tools/run_pipeline.py configs/pipelines/st_jhmdb_synth_table3.py \
#       --jobs 2
_base_ = ['./_base_/st_jhmdb_table3.py']
_rgb_source, _flow_source, _transfer = _base_.source_stages
_noinit, _flow_transfer, _flow_supervised = _base_.row_stages
stages = [
    _rgb_source, _noinit, _flow_source, _transfer, _flow_transfer,
    _flow_supervised
]
