# HHA (depth) Fast R-CNN on the synthetic NYUD2-format world (see the
# base): the same detector, fed the HHA images.
#   python tools/train.py configs/detection2d/frcnn_r18_hha_nyud2_synth.py
_base_ = ['./_base_/nyud2_synth.py']
model = {{_base_.detector}}
train_dataloader = dict(dataset=dict(modalities=('hha', )))
val_dataloader = dict(dataset=dict(modalities=('hha', )))
test_dataloader = val_dataloader
