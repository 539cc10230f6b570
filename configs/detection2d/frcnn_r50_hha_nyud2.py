# HHA Fast R-CNN on NYUD2 (19 classes), Gupta et al.'s setting (see the
# bases).
#   python tools/train.py configs/detection2d/frcnn_r50_hha_nyud2.py
_base_ = ['./_base_/nyud2.py']
train_dataloader = dict(dataset=dict(modalities=('hha', )))
val_dataloader = dict(dataset=dict(modalities=('hha', )))
test_dataloader = val_dataloader
