# The skeleton student on the synthetic world (paper Table V): the flow
# teacher of the SOURCE half teaches a slim ST-GCN on whole TARGET skeleton
# sequences (video-to-video, cosine, cached teacher features); fine-tuning
# of all layers (as the paper fine-tunes skeleton students) with k labels
# per class x 3 seeds, against ST-GCN trained from scratch.
# Fair protocol (docs/pipelines.md, "Fair comparisons"): both methods
# search the same grid, learning rate (around the paper's 0.1) x weight
# decay, chosen per budget on validation with seed 0 (up to two values
# beyond an edge), and each run chooses its length on validation (up to
# 300 iterations at a constant learning rate, validated every 50).
#   python tools/run_pipeline.py configs/pipelines/ablation_synth_skeleton.py
# the demo world and its flow (made when missing), the few-label templates
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py'
]
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.03, 0.1]),
    weight_decay=dict(
        key='optim_wrapper.optimizer.weight_decay', values=[1e-5, 1e-4]))
extend_edges = 2
length_selection = dict(max_iters=300, val_interval=50, param_scheduler=[])
report_metric = 'acc/top1'
reference_method = 'ST-GCN from scratch'

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
        config=_finetune,
        select_recipe=True),
    dict(
        name='fsat',
        method='feature-supervised (v2v)',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        init_from=dict(stage='transfer', prefix='student.')),
]
