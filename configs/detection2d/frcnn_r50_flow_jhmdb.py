# Optical-flow frame-level action detector on JHMDB (21 classes, split
# 1; see the bases).
#   python tools/train.py configs/detection2d/frcnn_r50_flow_jhmdb.py
_base_ = ['./_base_/jhmdb.py']
train_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.flow_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
