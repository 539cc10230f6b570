# FSAT on real data, depth student (paper Tables III-IV): NTU-120-minus-60
# -> NTU-60 cross-view at 20 / 50 / 100 labels per class x 5 seeds.
#   1. flow teacher on NTU-120-minus-60 (A061-A120)
#   2. video+clip transfer to the 3D-ResNet-18 depth student on the
#      unlabeled cross-view training pairs (teacher features cached)
#   3. fine-tuning with k labels per class, three initialisations: from
#      scratch, flow-teacher pretraining, feature-supervised transfer
# The paper's fixed recipes (no recipe search). Needs only the data: link
# it to data/nturgbd or set NTU_ROOT, extract flow (docs/optical_flow.md):
#   tools/run_pipeline.py configs/pipelines/fsat_ntu60_depth.py --nproc 8
_base_ = ['./_base_/few_labels.py']
sweeps = dict(budget=[20, 50, 100], seed=[0, 1, 2, 3, 4])
report_metric = 'acc/top1'

_finetune = 'configs/finetune/depth_r3d18_ntu60_xview.py'
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_ntu120m60.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2depth_vc.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='from scratch',
        template='few_labels',
        config=_finetune),
    dict(
        name='pretrain',
        method='flow-teacher pretraining',
        template='few_labels',
        config=_finetune,
        cfg_options={'model.backbone.frozen_stages': 3},
        init_from=dict(stage='teacher', adapt_input_channels=True)),
    dict(
        name='fsat',
        method='feature-supervised (video+clip)',
        template='few_labels',
        config=_finetune,
        cfg_options={'model.backbone.frozen_stages': 3},
        init_from=dict(stage='transfer', prefix='student.')),
]
