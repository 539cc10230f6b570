# The skeleton student on the synthetic world (paper Table V): the flow
# teacher of the SOURCE half teaches a slim ST-GCN on whole TARGET skeleton
# sequences (video-to-video, cosine, cached teacher features); fine-tuning
# of all layers with k labels per class x 3 seeds, against ST-GCN trained
# from scratch. The same fine-tuning recipe for both (the skeleton config's
# lr 0.1, the paper's).
#   python tools/run_pipeline.py configs/pipelines/ablation_synth_skeleton.py
# the demo world and its flow (made when missing), the few-label templates
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py'
]
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
report_metric = 'acc/top1'

_finetune = 'configs/finetune/skeleton_stgcn_synth.py'
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_synth.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2skeleton_v2v_synth.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='ST-GCN from scratch',
        template='few_labels',
        config=_finetune),
    dict(
        name='fsat',
        method='feature-supervised (v2v)',
        template='few_labels',
        config=_finetune,
        init_from=dict(stage='transfer', prefix='student.')),
]
