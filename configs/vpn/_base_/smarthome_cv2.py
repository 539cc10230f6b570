# Toyota Smarthome (trimmed), cross-view 2 (CV2): 19 classes, for the VPN++
# configs in configs/vpn/ (see docs/distillers.md, "VPN++"). Everything as in
# the cross-subject base (models, pipelines, person crops, loaders; see
# smarthome_cs.py) but the protocol, its 19 classes and its own validation
# split: the models and loaders built there are re-pointed by dict merging.
# Link the dataset (mp4/, skeletonv12/) to data/smarthome or set
# SMARTHOME_ROOT.
_base_ = ['./smarthome_cs.py']
num_classes = 19
student = dict(cls_head=dict(num_classes=num_classes))
pose_model = dict(cls_head=dict(num_classes=num_classes))
vpn_star = dict(cls_head=dict(num_classes=num_classes))

__cv2 = dict(protocol='CV2')
__cv2_val = dict(protocol='CV2', split='val')
_source = __cv2
_val_split = dict(split='val')
rgb_train_dataloader = dict(dataset=__cv2)
rgb_test_dataloader = dict(dataset=__cv2)
rgb_val_dataloader = dict(dataset=__cv2_val)
distill_rgb_train_dataloader = dict(dataset=__cv2)
distill_paired_train_dataloader = dict(dataset=__cv2)
distill_test_dataloader = dict(dataset=__cv2)
distill_val_dataloader = dict(dataset=__cv2_val)
paired_train_dataloader = dict(dataset=__cv2)
paired_test_dataloader = dict(dataset=__cv2)
paired_val_dataloader = dict(dataset=__cv2_val)
fusion_test_dataloader = dict(dataset=__cv2)
skeleton_train_dataloader = dict(dataset=__cv2)
skeleton_test_dataloader = dict(dataset=__cv2)
skeleton_val_dataloader = dict(dataset=__cv2_val)
pose_cache_hook = dict(dataset=__cv2)
