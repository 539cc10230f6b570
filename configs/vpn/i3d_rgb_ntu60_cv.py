# VPN++ Table 2, "I3D w/o attention (backbone)": the RGB network of
# i3d_nl_rgb_ntu60_cv.py without its non-local block, cross-entropy only.
_base_ = ['./i3d_nl_rgb_ntu60_cv.py']
model = dict(
    backbone=dict(
        type='ResNet3d', non_local=(0, 0, 0, 0), non_local_cfg=dict()))
