# NTU RGB+D 60, cross-view (CV): 60 classes, for the VPN++ configs in
# configs/vpn/ (see docs/distillers.md, "VPN++"). Everything as in the
# cross-subject base (models, pipelines, loaders; see ntu60_cs.py) but the
# benchmark: the loaders built there are re-pointed to 'ntu60_xview' by
# dict merging.
# Link the dataset to data/nturgbd or set NTU_ROOT (docs/datasets.md).
_base_ = ['./ntu60_cs.py']

__xview = dict(ntu=dict(benchmark='ntu60_xview'))
_train_split = __xview
_val_split = __xview
_test_split = __xview
rgb_train_dataloader = dict(dataset=__xview)
rgb_test_dataloader = dict(dataset=__xview)
rgb_val_dataloader = dict(dataset=__xview)
distill_rgb_train_dataloader = dict(dataset=__xview)
distill_paired_train_dataloader = dict(dataset=__xview)
distill_test_dataloader = dict(dataset=__xview)
distill_val_dataloader = dict(dataset=__xview)
paired_train_dataloader = dict(dataset=__xview)
paired_test_dataloader = dict(dataset=__xview)
paired_val_dataloader = dict(dataset=__xview)
fusion_test_dataloader = dict(dataset=__xview)
skeleton_train_dataloader = dict(dataset=__xview)
skeleton_test_dataloader = dict(dataset=__xview)
skeleton_val_dataloader = dict(dataset=__xview)
pose_cache_hook = dict(dataset=__xview)
