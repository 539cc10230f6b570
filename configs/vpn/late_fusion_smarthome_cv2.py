# Late fusion of RGB and 3D poses on Toyota Smarthome CV2
# (VPN++ Table 5, "l1 + l2 (Late Fusion)"; with a distilled student,
# "VPN++ + 3D Poses"): the video-level class probabilities of the RGB
# network (i3d_nl_rgb_smarthome_cv2.py) and of AGCN-J
# (agcn_j_smarthome_cv2.py) on
# the whole skeleton sequence, averaged. Test only: give both checkpoints,
#   python tools/test.py configs/vpn/late_fusion_smarthome_cv2.py none \
#       --cfg-options model.streams.rgb.checkpoint=<RGB checkpoint> \
#       model.streams.pose.checkpoint=<agcn_j_smarthome_cv2.py checkpoint>
# For a distilled student (VPN-F, VPN-A, VPN++) give the distiller's
# checkpoint and model.streams.rgb.prefix=student. (its student's keys).
_base_ = ['./_base_/smarthome_cv2.py']
model = dict(
    type='LateFusionRecognizer',
    streams=dict(
        rgb=dict(
            config='{{ fileDirname }}/i3d_nl_rgb_smarthome_cv2.py',
            checkpoint=None,
            prefix=None,  # 'student.' for a distiller's checkpoint
            modality='rgb'),
        pose=dict(
            config='{{ fileDirname }}/agcn_j_smarthome_cv2.py',
            checkpoint=None,
            modality='skeleton')))
test_dataloader = {{_base_.fusion_test_dataloader}}
test_evaluator = {{_base_.evaluator}}
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
val_dataloader = None
val_cfg = None
val_evaluator = None
