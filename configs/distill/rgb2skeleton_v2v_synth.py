# Synthetic twin of rgb2skeleton_v2v.py: the RGB teacher's video feature
# supervises the slim ST-GCN skeleton student (see
# flow2skeleton_v2v_synth.py).
_base_ = ['./flow2skeleton_v2v_synth.py']
teacher_config = '{{ fileDirname }}/../teachers/rgb_r3d18_synth.py'
model = dict(teacher=dict(config=teacher_config, modality='rgb_video'))
# the RGB teacher's features of the unlabeled TARGET videos, cached
custom_hooks = [{{_base_.rgb_teacher_cache}}]
