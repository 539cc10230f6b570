# RGB frame-level action detector on JHMDB (21 classes, split 1; see the
# bases).
#   python tools/train.py configs/detection2d/frcnn_r50_rgb_jhmdb.py
_base_ = ['./_base_/jhmdb.py']
train_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.rgb_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
