# step1 depth of the hallucination network on real NTU RGB+D 60,
# cross-subject: step1_depth_ntu60_cv.py with the cross-subject loaders
# (validation: training subject 1, Garcia et al.'s supplementary).
_base_ = ['./step1_depth_ntu60_cv.py']
_loaders = _base_.ntu_loaders['ntu60_xsub']
train_dataloader = dict(_delete_=True, **_loaders['depth_train'])
val_dataloader = dict(_delete_=True, **_loaders['depth_val'])
test_dataloader = dict(_delete_=True, **_loaders['depth_test'])
