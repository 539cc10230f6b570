# Video-to-clip transfer from the RGB teacher (NTU-120-minus-60) to the
# depth student; otherwise as flow2depth_v2c.py.
_base_ = ['./flow2depth_v2c.py']
teacher_config = '{{ fileDirname }}/../teachers/rgb_r3d18_ntu120m60.py'
teacher_source = 'rgb'
model = dict(teacher=dict(config=teacher_config))
custom_hooks = [
    dict(
        type='TeacherFeatureCacheHook',
        cache_root='work_dirs/teacher_cache',
        dataset=dict(
            type='PairedModalityDataset',
            data_root={{_base_.data_root}},
            ntu=dict(benchmark='ntu60_xview', split='train'),
            with_label=False,
            test_mode=True,
            modalities=dict(
                teacher_video=dict(
                    source=teacher_source,
                    sampling='video',
                    pipeline={{_base_.rgb_test}}))))
]
