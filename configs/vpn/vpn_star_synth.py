# VPN* on the synthetic Smarthome world (CS): RGB backbone + pose-driven
# spatio-temporal attention (VPN without the spatial embedding), RGB and pose
# at training and test time: the VPN baseline (VPN++ Tables 2 and 5,
# "attention") and the attention teacher of vpna_frozen_synth.py. VPN's own
# spatial embedding L_e: --cfg-options model.embedding.in_channels=<RGB
# channels>.
_base_ = ['./_base_/synth_smarthome_cs.py']
model = {{_base_.vpn_star}}
train_dataloader = {{_base_.paired_train_dataloader}}
val_dataloader = {{_base_.paired_val_dataloader}}
test_dataloader = {{_base_.paired_test_dataloader}}
val_evaluator = {{_base_.evaluator}}
test_evaluator = {{_base_.evaluator}}
