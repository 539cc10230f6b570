# Video-to-video transfer from the RGB teacher to the ST-GCN skeleton
# student; otherwise as flow2skeleton_v2v.py.
_base_ = ['./flow2skeleton_v2v.py']
teacher_config = '{{ fileDirname }}/../teachers/rgb_r3d18_ntu120m60.py'
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
                    source='rgb',
                    sampling='video',
                    pipeline={{_base_.rgb_test}}))))
]
