# JHMDB frame-level action detection (21 classes; Gkioxari & Malik's
# frame-AP setting as Gupta et al. use it, Sec. 4.2) with the Fast R-CNN
# of ./frcnn_r50.py, split 1 (override `split` via --cfg-options
# train_dataloader.dataset.split=2 val_dataloader.dataset.split=2 ...).
# Data: Rename_Images/, puppet_mask/, joint_positions/, splits/ under
# data/jhmdb or FSAT_JHMDB_ROOT (docs/datasets.md, JHMDB); flow frames
# from tools/data/extract_flow.py under <root>/flow; per-frame proposals
# (original pixels, keyed '<class>/<video>/<frame>') named by
# FSAT_JHMDB_PROPOSALS. The paper does not state JHMDB's image scale or
# schedule: Fast R-CNN's shorter side 600 and NYUD2's 40,000 iterations
# are our choice.
_base_ = ['./frcnn_r50.py']
from fsat.datasets.jhmdb import JHMDB_CLASSES  # noqa: E402

data_root = '{{$FSAT_JHMDB_ROOT:data/jhmdb}}'
proposal_file = '{{$FSAT_JHMDB_PROPOSALS:data/jhmdb/proposals.npz}}'
classes = list(JHMDB_CLASSES)
split = 1
model = dict(roi_head=dict(num_classes=len(classes)))
_proposals = dict(type='LoadProposalFile', proposal_file=proposal_file,
                  max_num=2000)
_resize = dict(type='Det2DResize', short_side=600, max_size=1000)
_pack = dict(type='PackDet2DInputs')
rgb_train_pipeline = [
    _proposals, _resize, dict(type='Det2DRandomFlip', prob=0.5), _pack
]
# flow images hold x in channel 0: mirrored, it changes sign
flow_train_pipeline = [
    _proposals, _resize,
    dict(type='Det2DRandomFlip', prob=0.5, flow_modalities=('img', )),
    _pack
]
test_pipeline = [_proposals, _resize, _pack]
_dataset = dict(type='JHMDBFrameDetectionDataset', data_root=data_root,
                split=split, classes=classes)
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_dataset, subset='train'))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, subset='test', test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCBoxMAP', num_classes=len(classes),
                     class_names=classes)
test_evaluator = val_evaluator
