# VPN++ (Das et al., TPAMI 2021) models at the paper's size, shared by the
# real-data configs in configs/vpn/ (the dataset files set num_classes, the
# skeleton layout and the number of persons):
# * student: I3D-style ResNet3d-50 (mmaction2's I3D layout) with one
#   non-local block after the last residual block (on top of the last stage,
#   the paper's Mixed_5c), dropout 0.3; 64x224x224 RGB clips give an 8x7x7
#   map there: 392 queries x 72 keys (keys max-pooled by (1, 2, 2)), the
#   public code's sizes;
# * pose_model: AGCN-J, mmaction2's AAGCN (2s-AGCN joint stream), 256-d
#   pooled feature;
# * vpn_star: VPN* (VPN without the spatial embedding): an I3D ResNet3d-50
#   RGB backbone (no non-local block) + a 2-layer AGCN pose backbone + the
#   spatio-temporal coupler on the 8x7x7 map.
# Kinetics-400 / ImageNet initialisation (the paper's) is not set: point
# the backbones' `pretrained` at an mmaction2 I3D checkpoint of the
# backbone alone (tools/export_student.py --prefix backbone. writes one).
num_classes = 60
num_person = 2
graph_layout = 'nturgb+d'
rgb_norm = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    format_shape='NCTHW')
_i3d = dict(
    type='ResNet3d',
    depth=50,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(5, 7, 7),
    conv1_stride_t=2,
    pool1_stride_t=2,
    conv_cfg=dict(type='Conv3d'),
    norm_eval=False,
    inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
    zero_init_residual=False)
student = dict(
    type='Recognizer3D',
    backbone=dict(
        _i3d,
        type='ResNet3dNL',
        non_local=((0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0, 0, 0), (0, 0, 1)),
        non_local_cfg=dict(
            sub_sample=True,
            use_scale=False,
            norm_cfg=dict(type='BN3d', requires_grad=True),
            mode='embedded_gaussian')),
    cls_head=dict(
        type='I3DHead',
        num_classes=num_classes,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.3,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', **rgb_norm))
# the student's taps and sizes (the distill configs wire them)
student_feat = dict(path='cls_head.avg_pool', dim=2048)  # before dropout
student_dim = 2048
nl_tap = 'backbone.layer4.2.non_local_block.attention'
nl_len = 392 * 72  # queries x keys of the non-local map, flattened
pose_model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='AAGCN',
        graph_cfg=dict(layout=graph_layout, mode='spatial'),
        in_channels=3,
        num_person=num_person),
    cls_head=dict(type='GCNHead', num_classes=num_classes, in_channels=256),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCTVM'))
pose_feat = dict(path='cls_head.fc', source='input', dim=256)
pose_dim = 256
vpn_star = dict(
    type='VPNRecognizer',
    backbone=_i3d,
    pose_backbone=dict(
        type='AAGCN',
        graph_cfg=dict(layout=graph_layout, mode='spatial'),
        in_channels=3,
        num_person=num_person,
        num_stages=2,
        inflate_stages=[],
        down_stages=[]),
    coupler=dict(in_channels=64, feat_size=(8, 7, 7)),
    cls_head=dict(
        type='I3DHead',
        num_classes=num_classes,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.3,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(
            rgb=dict(type='ActionDataPreprocessor', **rgb_norm),
            skeleton=dict(
                type='ActionDataPreprocessor', format_shape='NCTVM'))))
attn_len = 8 * 7 * 7  # t x m x n of VPN*'s attention
crd_negatives = 16384  # CRD's (Tian et al.)
