# HHA (depth) Faster R-CNN on the synthetic NYUD2-format world (see the
# base): the HHA detector with its own proposals from a region proposal
# network (fsat.models.heads.RPNHead2D) on the same stride-8 map instead
# of sliding windows; the RPN and the RoI head train together
# (approximate joint training, docs/detection.md "Proposals from an RPN").
#   python tools/train.py configs/detection2d/frcnn_r18_hha_rpn_nyud2_synth.py
_base_ = ['./frcnn_r18_hha_nyud2_synth.py']
# the world's objects: 32-256 px at the half-size images; 4 x 3 anchors
model = dict(
    rpn_head=dict(anchor_scales=(32, 64, 128, 256),
                  anchor_ratios=(0.5, 1.0, 2.0), feat_channels=128,
                  train_pre_nms=2000, train_proposals=1000,
                  test_pre_nms=1000, test_proposals=300))
_train = [
    dict(type='Det2DResize', short_side={{_base_.short_side}}),
    dict(type='Det2DRandomFlip', prob=0.5),
    dict(type='PackDet2DInputs'),
]
_test = [
    dict(type='Det2DResize', short_side={{_base_.short_side}}),
    dict(type='PackDet2DInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=_train))
val_dataloader = dict(dataset=dict(pipeline=_test))
test_dataloader = val_dataloader
