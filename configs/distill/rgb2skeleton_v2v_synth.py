# Synthetic twin of rgb2skeleton_v2v.py: the RGB teacher's video feature
# supervises the slim ST-GCN skeleton student (see
# flow2skeleton_v2v_synth.py).
_base_ = ['./flow2skeleton_v2v_synth.py']
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
