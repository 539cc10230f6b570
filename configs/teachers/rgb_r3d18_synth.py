# RGB teacher on the synthetic world's SOURCE half: the flow teacher's
# recipe on 3-channel 48x48 RGB clips (decoded from the .avi files), with a
# lower learning rate: at 0.05 the RGB network collapses to constant
# predictions (loss ln K) within a few hundred iterations.
_base_ = ['./flow_r3d18_synth.py']
model = dict(
    backbone=dict(in_channels=3),
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
train_dataloader = dict(
    dataset=dict(
        modalities=dict(
            _delete_=True, rgb=dict(pipeline={{_base_.rgb_train}}))))
val_dataloader = dict(
    dataset=dict(
        modalities=dict(
            _delete_=True,
            rgb=dict(sampling='video', pipeline={{_base_.rgb_test}}))))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.01))
