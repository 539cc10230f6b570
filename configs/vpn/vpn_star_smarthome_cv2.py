# VPN* on Toyota Smarthome CV2: RGB backbone + pose-driven spatio-temporal
# attention (VPN without the spatial embedding), RGB and pose at training and
# test time: the VPN baseline (VPN++ Tables 2 and 5, "attention") and the
# attention teacher of vpna_frozen_smarthome_cv2.py. VPN's own spatial
# embedding L_e: --cfg-options model.embedding.in_channels=<RGB channels>.
_base_ = ['./_base_/smarthome_cv2.py']
model = {{_base_.vpn_star}}
train_dataloader = {{_base_.paired_train_dataloader}}
val_dataloader = {{_base_.paired_val_dataloader}}
test_dataloader = {{_base_.paired_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
