# The RGB detector of the Table 3 twin (see the base). The pipeline trains
# it once, on the source world (another seed of the JHMDB-format world,
# labelled, standing in for ImageNet: --cfg-options
# data_root=data/synthetic_jhmdb_source): the RGB network whose trunk
# teaches the supervision transfer and starts the supervised flow
# pre-training.
#   python tools/train.py configs/supervision_transfer/table3_synth/rgb_det.py
_base_ = ['./_base_/det.py']
train_dataloader = dict(dataset=dict(
    modality='rgb', pipeline=_base_.rgb_train_pipeline))
test_dataloader = dict(dataset=dict(
    modality='rgb', pipeline=_base_.test_pipeline))
