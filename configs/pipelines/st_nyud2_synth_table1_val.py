# Gupta et al. (CVPR 2016), Table 1 part 1 on the NYUD2-format world with
# the detectors' learning rate chosen on validation (the other parts use
# the configs' fixed AdamW 1e-3, see the docs):
#   * validation: a fifth of the world's training rooms, every view of
#     each (NYUD2DetectionDataset holdout=0.2, holdout_seed 0: 20 of the
#     99 rooms, 39 of the 200 views), held out of every detector's
#     training, as Gupta et al. keep a validation set apart within
#     NYUD2's training images; the test views never choose anything;
#   * the grid: AdamW learning rate 3e-4, 1e-3 (the configs'), 3e-3 for
#     each of part 1's rows (the HHA detector from scratch, "no init";
#     from the supervision transfer; from the copied RGB trunk), run on
#     seed 0; a choice at an end of the grid is extended by one more
#     value that way; seeds 1 and 2 train the chosen one;
#   * everything else as part 1 (st_nyud2_synth_table1.py): the source
#     RGB network (the ImageNet stand-in) and the transfer, which trains
#     on the training views' unlabelled RGB/HHA pairs (validation rooms'
#     included: their boxes are never seen), taken over from part 1 when
#     it has run (reuse_from).
#   python tools/run_pipeline.py \
#       configs/pipelines/st_nyud2_synth_table1_val.py --jobs 2
_base_ = ['./_base_/st_nyud2_table1.py']
reuse_from = ['work_dirs/st_nyud2_synth_table1']
select_metric = 'voc/mAP@0.5'
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[3e-4, 1e-3, 3e-3]))
extend_edges = 1
_holdout = {
    '+train_dataloader.dataset.holdout': 0.2,
    '+val_dataloader.dataset.holdout': 0.2,
    '+val_dataloader.dataset.use_holdout': True,
    'val_dataloader.dataset.split': 'train',
}
_source, _noinit = _base_.source_stages
_transfer, _hha_transfer = _base_.transfer_stages
_copy, = _base_.copy_stages
stages = [
    _source, _transfer,
    dict(_noinit, select_recipe=True, cfg_options=_holdout),
    dict(_hha_transfer, select_recipe=True, cfg_options=_holdout),
    dict(_copy, select_recipe=True, cfg_options=_holdout),
]
