# VPN++ Table 2, "I3D w/o attention (backbone)": the RGB network of
# i3d_nl_rgb_smarthome_cs.py without its non-local block, cross-entropy only.
_base_ = ['./i3d_nl_rgb_smarthome_cs.py']
model = dict(
    backbone=dict(
        type='ResNet3d', non_local=(0, 0, 0, 0), non_local_cfg=dict()))
