# Synthetic twin of rgb2depth_v2c.py: the frozen RGB teacher (SOURCE half,
# 48x48 RGB clips) supervises the depth student on unlabeled TARGET pairs;
# video-to-clip, cosine, teacher features cached. Otherwise as
# flow2depth_v2c_synth.py. Variants: rgb2depth_vc_synth.py.
_base_ = ['./flow2depth_v2c_synth.py']
teacher_config = 'configs/teachers/rgb_r3d18_synth.py'
model = dict(teacher=dict(config=teacher_config, modality='rgb_video'))
custom_hooks = [
    dict(
        type='TeacherFeatureCacheHook',
        cache_root='work_dirs/teacher_cache',
        dataset=dict(
            type='PairedModalityDataset',
            data_root={{_base_.data_root}},
            ntu=dict(
                benchmark='ntu60_xview',
                split='train',
                classes={{_base_.target_classes}}),
            with_label=False,
            test_mode=True,
            modalities=dict(
                rgb_video=dict(
                    source='rgb',
                    sampling='video',
                    pipeline={{_base_.rgb_test}}))))
]
