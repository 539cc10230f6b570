# NYUD2 object detection (Gupta et al.'s 19 classes; 795 train / 654 test
# images of splits.mat) with the Fast R-CNN of ./frcnn_r50.py. Data: the
# labeled file and splits.mat under data/nyud2 or FSAT_NYUD2_ROOT; HHA
# precomputed into <root>/hha (tools/data/depth_to_hha.py --nyud2-mat
# ... --workers 8); proposals (e.g. MCG boxes of each image, original
# pixels) in an .npz / .pkl keyed by the 0-based image id '%04d', named
# by FSAT_NYUD2_PROPOSALS (docs/detection.md). Flip augmentation, as
# Fast R-CNN.
_base_ = ['./frcnn_r50.py']
from fsat.datasets.nyud2 import NYUD2_DET_CLASSES  # noqa: E402

data_root = '{{$FSAT_NYUD2_ROOT:data/nyud2}}'
proposal_file = '{{$FSAT_NYUD2_PROPOSALS:data/nyud2/proposals.npz}}'
classes = list(NYUD2_DET_CLASSES)
model = dict(roi_head=dict(num_classes=len(classes)))
_proposals = dict(type='LoadProposalFile', proposal_file=proposal_file,
                  max_num=2000)
_resize = dict(type='Det2DResize', short_side=688, max_size=1100)
train_pipeline = [
    _proposals, _resize,
    dict(type='Det2DRandomFlip', prob=0.5),
    dict(type='PackDet2DInputs')
]
test_pipeline = [_proposals, _resize, dict(type='PackDet2DInputs')]
_dataset = dict(type='NYUD2DetectionDataset', data_root=data_root,
                classes=classes, hha_root='hha')
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(_dataset, split='train', filter_empty_gt=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='test', test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VOCBoxMAP', num_classes=len(classes),
                     class_names=classes)
test_evaluator = val_evaluator
