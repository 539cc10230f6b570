# NTU RGB+D 60 cross-view from mmaction2's 3D skeleton pickle
# (https://download.openmmlab.com/mmaction/v1.0/skeleton/data/ntu60_3d.pkl):
# dict(split=dict(xsub_train, xsub_val, xview_train, xview_val),
# annotations=[dict(frame_dir, label, keypoint float16 [M, T, 25, 3],
# total_frames)]), M = 1 or 2 bodies. tools/data/ntu_to_pose_pkl.py writes
# the same format from the .skeleton files with fsat's body selection
# (docs/datasets.md, "Skeleton pickles").
# Put the file at data/skeleton/ntu60_3d.pkl (mmaction2's place) or set
# NTU60_POSE_PKL=/path/to/ntu60_3d.pkl in the environment. For NTU-120,
# override ann_file (ntu120_3d.pkl), the split names (xsub_* or xset_*)
# and num_classes=120.
ann_file = '{{$NTU60_POSE_PKL:data/skeleton/ntu60_3d.pkl}}'
train_split = 'xview_train'
test_split = 'xview_val'  # the official cross-view test set (camera 1)
num_classes = 60
# As the paired skeleton branch (ntu_rgbd.py): whole sequences zero-padded
# to NTU's longest (300 frames), gaps bridged, centred on the first body's
# SpineMid, no augmentation; FormatGCNInput pads one body to two.
sequence = dict(length=300, pad='zero')
skeleton_pipeline = [
    dict(type='FillSkeletonGaps'),
    dict(type='CenterSkeleton'),
    dict(type='SkeletonDecode'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
