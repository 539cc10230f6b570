# The flow detector of the Table 3 twin (see the base). One config for
# every initialisation row: "no init" trains it as it is; "supervision
# transfer" and "supervised pre-training" give its trunk another
# initialisation (the pipeline's init_from, or PretrainedWeightsHook in
# custom_hooks). The supervised pre-training itself is this config on the
# source world (--cfg-options data_root=data/synthetic_jhmdb_source),
# started from the RGB network's trunk.
#   python tools/train.py configs/supervision_transfer/table3_synth/flow_det.py
_base_ = ['./_base_/det.py']
train_dataloader = dict(dataset=dict(
    modality='flow', pipeline=_base_.flow_train_pipeline))
test_dataloader = dict(dataset=dict(
    modality='flow', pipeline=_base_.test_pipeline))
