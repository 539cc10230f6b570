# RGB + HHA late fusion of the Table 1 twin's detectors (test only): both
# detectors on the HHA detector's RPN proposals (the first member makes
# them), class scores averaged before the softmax, box deltas averaged.
#   python tools/test.py \
#       configs/supervision_transfer/table1_synth/rgbhha_fusion.py none \
#       --cfg-options model.checkpoints.hha=HHA.pth \
#       model.checkpoints.rgb=RGB.pth
_base_ = ['./_base_/det.py']
model = dict(
    _delete_=True,
    type='LateFusionDetector2D',
    detectors=dict(hha=dict(_base_.model, modality='hha'),
                   rgb=dict(_base_.model, modality='rgb')),
    checkpoints=dict(hha=None, rgb=None),
    score_fusion='logits')
train_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
val_dataloader = dict(dataset=dict(modalities=('rgb', 'hha')))
test_dataloader = val_dataloader
