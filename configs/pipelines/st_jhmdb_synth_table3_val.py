# Gupta et al. (CVPR 2016), Table 3 on the JHMDB-format world with the
# flow detectors' learning rate chosen on validation (st_jhmdb_synth_
# table3.py uses the configs' fixed AdamW 1e-3):
#   * validation: 30 % of each split's training source videos (the
#     world's actors, 2 of 7, every clip of each), held out of every flow
#     detector's training (configs/supervision_transfer/table3_synth/
#     flow_det_val.py); the test clips never choose anything;
#   * the grid: AdamW learning rate 3e-4, 1e-3 (the configs'), 3e-3 for
#     each of the three rows (no init; supervision transfer; supervised
#     pre-training), run on split 1 (select_on); a choice at an end of the
#     grid is extended by one more value that way; splits 2 and 3 train
#     the chosen one;
#   * everything else as Table 3: the source RGB network, the supervised
#     flow pre-training and the transfer (all on the source world), taken
#     over from st_jhmdb_synth_table3.py when it has run (reuse_from).
#   python tools/run_pipeline.py \
#       configs/pipelines/st_jhmdb_synth_table3_val.py --jobs 2
_base_ = ['./_base_/st_jhmdb_table3.py']
reuse_from = ['work_dirs/st_jhmdb_synth_table3']
select_metric = 'voc/mAP@0.5'
select_on = dict(split=[1])
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[3e-4, 1e-3, 3e-3]))
extend_edges = 1
_rgb_source, _flow_source, _transfer = _base_.source_stages
_noinit, _flow_transfer, _flow_supervised = _base_.row_stages
_validated = dict(
    config='configs/supervision_transfer/table3_synth/flow_det_val.py',
    select_recipe=True,
    cfg_options={'val_dataloader.dataset.split': '{split}'})
stages = [
    _rgb_source,
    dict(_noinit, **_validated),
    _flow_source,
    _transfer,
    dict(_flow_transfer, **_validated),
    dict(_flow_supervised, **_validated),
]
