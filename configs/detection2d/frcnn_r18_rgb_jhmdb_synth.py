# RGB frame-level action detector on the synthetic JHMDB-format world
# (split 1; see the base).
#   python tools/train.py configs/detection2d/frcnn_r18_rgb_jhmdb_synth.py
_base_ = ['./_base_/jhmdb_synth.py']
model = {{_base_.detector}}
train_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.rgb_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='rgb', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
