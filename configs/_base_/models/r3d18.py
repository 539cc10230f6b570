# 3D-ResNet-18 of Hara et al. (CVPR 2018), the FSAT teacher on
# NTU-120-minus-60 and the depth student: 3x3x3 kernels in every residual
# block, input 3x16x112x112, a 512-d pooled feature before the classifier.
# mmaction2's ResNet3d builds it; its max-pool is 1x3x3 with temporal stride
# 2 (Hara: 3x3x3, stride 2), which only changes the stem's receptive field.
model = dict(
    type='Recognizer3D',
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
        temporal_strides=(1, 2, 2, 2),
        with_pool2=False,
        norm_eval=False,
        zero_init_residual=False),
    cls_head=dict(
        type='I3DHead',
        num_classes=60,
        in_channels=512,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        # video-level evaluation averages the class probabilities of clips
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))
