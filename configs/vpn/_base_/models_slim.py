# VPN++'s models at CPU size for the synthetic Smarthome world (the
# synth_* configs in configs/vpn/), on 8x64x64 RGB person crops (the box
# of the clip's 2-D joints, LCRNetPersonCrop, about the person's size in
# the 144x192 frame, so the 2-3 pixel hand keeps its pixels; whole frames
# leave a small network from scratch at chance, docs/synthetic_world.md):
# * student: the slim 3D-ResNet-18 (widths 16/32/64/128) with a non-local
#   block after layer3, where the map is 2x4x4 (layer4's is 1x2x2): 32
#   queries x 8 keys;
# * pose_model: AGCN-J (mmaction2's AAGCN) with 16 base channels, a 64-d
#   pooled feature, on the 15-joint smarthome15 layout;
# * vpn_star: VPN* on a slim 3D-ResNet-18 whose last stage keeps the time
#   axis and the spatial size (a 2x4x4 map to attend over) and a 2-layer
#   AGCN.
num_classes = 13  # the synthetic world's classes
graph_layout = 'smarthome15'
rgb_norm = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    format_shape='NCTHW')
_r3d18 = dict(
    type='ResNet3d',
    depth=18,
    pretrained=None,
    pretrained2d=False,
    in_channels=3,
    base_channels=16,
    conv1_kernel=(7, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=2,
    inflate=(1, 1, 1, 1),
    spatial_strides=(1, 2, 2, 2),
    # 8 frames: 4 after pool1, halved in layer3 and layer4
    temporal_strides=(1, 1, 2, 2),
    with_pool2=False,
    norm_eval=False,
    zero_init_residual=False)
_head = dict(
    type='I3DHead',
    num_classes=num_classes,
    in_channels=128,
    spatial_type='avg',
    dropout_ratio=0.3,
    init_std=0.01,
    average_clips='prob')
student = dict(
    type='Recognizer3D',
    backbone=dict(
        _r3d18,
        type='ResNet3dNL',
        non_local=(0, 0, (0, 1), 0),
        non_local_cfg=dict(
            sub_sample=True,
            use_scale=False,
            norm_cfg=dict(type='BN3d', requires_grad=True),
            mode='embedded_gaussian')),
    cls_head=_head,
    data_preprocessor=dict(type='ActionDataPreprocessor', **rgb_norm))
student_feat = dict(path='cls_head.avg_pool', dim=128)  # before dropout
student_dim = 128
nl_tap = 'backbone.layer3.1.non_local_block.attention'
nl_len = 32 * 8
pose_model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='AAGCN',
        graph_cfg=dict(layout=graph_layout, mode='spatial'),
        in_channels=3,
        base_channels=16,
        num_person=1),
    cls_head=dict(type='GCNHead', num_classes=num_classes, in_channels=64),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCTVM'))
pose_feat = dict(path='cls_head.fc', source='input', dim=64)
pose_dim = 64
vpn_star = dict(
    type='VPNRecognizer',
    backbone=dict(
        _r3d18, spatial_strides=(1, 2, 2, 1), temporal_strides=(1, 1, 2, 1)),
    pose_backbone=dict(
        type='AAGCN',
        graph_cfg=dict(layout=graph_layout, mode='spatial'),
        in_channels=3,
        base_channels=16,
        num_person=1,
        num_stages=2,
        inflate_stages=[],
        down_stages=[]),
    coupler=dict(in_channels=16, feat_size=(2, 4, 4)),
    cls_head=_head,
    data_preprocessor=dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(
            rgb=dict(type='ActionDataPreprocessor', **rgb_norm),
            skeleton=dict(
                type='ActionDataPreprocessor', format_shape='NCTVM'))))
attn_len = 2 * 4 * 4
crd_negatives = 1024  # the synthetic CS split has 1,287 training clips
