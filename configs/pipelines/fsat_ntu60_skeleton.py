# FSAT on real data, skeleton student (paper Table V): the flow teacher of
# NTU-120-minus-60 teaches ST-GCN on whole NTU-60 skeleton sequences
# (video-to-video), then fine-tuning at 20 / 50 / 100 labels per class x 5
# seeds, against ST-GCN from scratch. All layers are trained.
#   tools/run_pipeline.py configs/pipelines/fsat_ntu60_skeleton.py --nproc 4
_base_ = ['./_base_/few_labels.py']
sweeps = dict(budget=[20, 50, 100], seed=[0, 1, 2, 3, 4])
report_metric = 'acc/top1'

_finetune = 'configs/finetune/skeleton_stgcn_ntu60_xview.py'
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_ntu120m60.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2skeleton_v2v.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='from scratch',
        template='few_labels',
        config=_finetune),
    dict(
        name='fsat',
        method='feature-supervised (v2v)',
        template='few_labels',
        config=_finetune,
        init_from=dict(stage='transfer', prefix='student.')),
]
