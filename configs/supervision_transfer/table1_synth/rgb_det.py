# The RGB detector of the Table 1 twin (see the base). The pipelines train
# it twice: on the source world (another seed of the same indoor world,
# labelled, standing in for ImageNet: --cfg-options
# data_root=data/synthetic_nyud2_source), and on the target world started
# from the source network's trunk (the RGB row and the "adapted" teacher).
#   python tools/train.py configs/supervision_transfer/table1_synth/rgb_det.py
_base_ = ['./_base_/det.py']
train_dataloader = dict(dataset=dict(modalities=('rgb', )))
val_dataloader = dict(dataset=dict(modalities=('rgb', )))
test_dataloader = val_dataloader
