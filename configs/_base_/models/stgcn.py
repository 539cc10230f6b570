# ST-GCN (Yan et al., AAAI 2018) on the 25-joint NTU skeleton, the FSAT
# skeleton student: whole sequences in, a 256-d pooled feature before the
# classifier.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
        in_channels=3,
        base_channels=64,
        num_person=2),
    cls_head=dict(
        type='GCNHead', num_classes=60, in_channels=256, dropout=0.0),
    data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCTVM'))
