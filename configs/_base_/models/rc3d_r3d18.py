# R-C3D (Xu, Das, Saenko, ICCV 2017) on the 3D-ResNet-18 depth student, as
# in FSAT's detection experiment (paper §V-D). The backbone is the
# recognizer's (same weights), with temporal strides (1, 1, 2, 2) after the
# stride-2 pooling: 8 input frames per feature step, R-C3D's stride. The
# head values are the R-C3D paper's (fsat/models/heads/rc3d_heads.py).
model = dict(
    type='RC3D',
    in_channels=512,
    temporal_stride=8,
    backbone=dict(
        type='ResNet3d',
        depth=18,
        pretrained=None,
        pretrained2d=False,
        in_channels=3,
        base_channels=64,
        conv1_kernel=(7, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=2,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 1, 2, 2),
        with_pool2=False,
        norm_eval=False,
        zero_init_residual=False),
    proposal_head=dict(
        feat_channels=512,
        anchor_scales=(2, 4, 5, 6, 8, 9, 10, 12, 14, 16),
        pos_iou=0.7,
        neg_iou=0.3,
        num_samples=256,
        pos_fraction=0.5,
        nms_iou=0.7,
        train_proposals=2000,
        test_proposals=300),
    classifier_head=dict(
        num_classes=51,
        roi_size=(1, 4, 4),
        hidden_channels=4096,
        dropout=0.5,
        fg_iou=0.5,
        bg_iou=(0.1, 0.5),
        num_samples=128,
        fg_fraction=0.25,
        nms_iou=0.3),
    # depth replicated to 3 channels in 0..255 (ReplicateDepth)
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[127.5] * 3,
        std=[127.5] * 3,
        format_shape='NCTHW'))
