# Optical-flow frame-level action detector on the synthetic JHMDB-format
# world (split 1; see the base): the paper's (Gupta et al., Table 3)
# modality, the flow image (x, y, magnitude) of each frame.
#   python tools/train.py configs/detection2d/frcnn_r18_flow_jhmdb_synth.py
_base_ = ['./_base_/jhmdb_synth.py']
model = {{_base_.detector}}
train_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.flow_train_pipeline}}))
val_dataloader = dict(dataset=dict(
    modality='flow', pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
