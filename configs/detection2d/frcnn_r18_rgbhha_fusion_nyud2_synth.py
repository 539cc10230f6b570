# RGB + HHA late fusion of the two synthetic-world detectors (see the
# base), test only: the members' checkpoints are given as options,
#   python tools/test.py \
#       configs/detection2d/frcnn_r18_rgbhha_fusion_nyud2_synth.py none \
#       --cfg-options model.checkpoints.rgb=RGB.pth \
#       model.checkpoints.hha=HHA.pth
_base_ = ['./_base_/nyud2_synth.py']
model = {{_base_.fusion_detector}}
test_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
