# The RGB student alone on NTU RGB+D 60 CS: I3D-style 3D ResNet with a
# non-local block, cross-entropy only (VPN++ Table 2 "I3D w NL attention",
# Table 5 "RGB"). Also the test config of every distilled student (VPN-F,
# VPN-A, VPN++ and the Table 1 baselines): test time is RGB only,
#   python tools/export_student.py CKPT student.pth
#   python tools/test.py configs/vpn/i3d_nl_rgb_ntu60_cs.py student.pth
_base_ = ['./_base_/ntu60_cs.py']
model = {{_base_.student}}
train_dataloader = {{_base_.rgb_train_dataloader}}
val_dataloader = {{_base_.rgb_val_dataloader}}
test_dataloader = {{_base_.rgb_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
