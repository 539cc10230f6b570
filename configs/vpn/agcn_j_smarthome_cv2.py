# AGCN-J (2s-AGCN's joint stream, mmaction2's AAGCN) on Toyota Smarthome CV2:
# the pose teacher of VPN-F and VPN++ (Das et al., VPN++, Table 5 "3D
# Poses"), trained on whole skeleton sequences with 2s-AGCN's recipe.
_base_ = ['./_base_/smarthome_cv2.py']
model = {{_base_.pose_model}}
train_dataloader = {{_base_.skeleton_train_dataloader}}
val_dataloader = {{_base_.skeleton_val_dataloader}}
test_dataloader = {{_base_.skeleton_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
train_cfg = {{_base_.pose_train_cfg}}
optim_wrapper = {{_base_.pose_optim_wrapper}}
param_scheduler = {{_base_.pose_param_scheduler}}
