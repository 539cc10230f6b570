# RGB Fast R-CNN on the synthetic NYUD2-format world (see the base).
#   python tools/train.py configs/detection2d/frcnn_r18_rgb_nyud2_synth.py
_base_ = ['./_base_/nyud2_synth.py']
model = {{_base_.detector}}
train_dataloader = dict(dataset=dict(modalities=('rgb', )))
val_dataloader = dict(dataset=dict(modalities=('rgb', )))
test_dataloader = val_dataloader
