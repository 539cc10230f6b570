# step2 of the hallucination network on real NTU RGB+D 60,
# cross-subject: step2_ntu60_cv.py with the cross-subject loaders
# (validation: training subject 1, Garcia et al.'s supplementary).
_base_ = ['./step2_ntu60_cv.py']
_loaders = _base_.ntu_loaders['ntu60_xsub']
train_dataloader = dict(_delete_=True, **_loaders['rgb_depth_train'])
val_dataloader = dict(_delete_=True, **_loaders['rgb_depth_val'])
test_dataloader = dict(_delete_=True, **_loaders['rgb_depth_test'])
