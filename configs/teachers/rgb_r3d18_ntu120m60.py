# RGB teacher on NTU-120-minus-60: the flow teacher's recipe on 3-channel
# RGB clips decoded from the .avi files (transcode 1080p videos first, see
# configs/_base_/datasets/ntu_rgbd.py).
_base_ = ['./flow_r3d18_ntu120m60.py']
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
