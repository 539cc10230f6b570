# Synthetic twin of rgb2depth_v2c.py: the frozen RGB teacher (SOURCE half,
# 48x48 RGB clips) supervises the depth student on unlabeled TARGET pairs;
# video-to-clip, cosine, teacher features cached. Otherwise as
# flow2depth_v2c_synth.py. Variants: rgb2depth_vc_synth.py.
_base_ = ['./flow2depth_v2c_synth.py']
teacher_config = '{{ fileDirname }}/../teachers/rgb_r3d18_synth.py'
model = dict(teacher=dict(config=teacher_config, modality='rgb_video'))
# the RGB teacher's features of the unlabeled TARGET videos, cached
custom_hooks = [{{_base_.rgb_teacher_cache}}]
