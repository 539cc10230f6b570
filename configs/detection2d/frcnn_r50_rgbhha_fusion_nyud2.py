# RGB + HHA late fusion on NYUD2 (Gupta et al.: independent detectors,
# class scores averaged before the softmax, box deltas averaged), test
# only, from the checkpoints of frcnn_r50_{rgb,hha}_nyud2.py:
#   python tools/test.py configs/detection2d/frcnn_r50_rgbhha_fusion_nyud2.py \
#       none --cfg-options model.checkpoints.rgb=RGB.pth \
#       model.checkpoints.hha=HHA.pth
_base_ = ['./_base_/nyud2.py']
# each member reads the input named like it (rgb, hha)
model = dict(
    _delete_=True,
    type='LateFusionDetector2D',
    detectors=dict(rgb={{_base_.model}}, hha={{_base_.model}}),
    checkpoints=dict(rgb=None, hha=None),
    score_fusion='logits')
test_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
