# Ablation on the synthetic world (paper Tables II and III): which target
# the depth student matches, and with which loss. One flow teacher, four
# transfers (clip-to-clip, video-to-clip, video+clip with the cosine
# distance; video-to-clip with MSE), each fine-tuned with k labels per class
# x 3 seeds. Every variant searches the same fine-tuning grid (learning rate
# x which layers are trained) and chooses its length on validation, as in
# the demo (_base_/synthetic_depth_ablation.py), so that each transfer
# target is compared at its own best recipe.
#   python tools/run_pipeline.py \
#       configs/pipelines/ablation_synth_granularity.py
# the demo world, k labels per class, the fair protocol
_base_ = ['./_base_/synthetic_depth_ablation.py']
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
report_metric = 'acc/top1'
reference_method = 'video+clip (cos)'

_teacher_ckpt = {'model.teacher.checkpoint': '{teacher.checkpoint}'}


stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_synth.py'),
]
_variants = [
    ('c2c', 'configs/distill/flow2depth_c2c_synth.py', 'clip-to-clip (cos)'),
    ('v2c', 'configs/distill/flow2depth_v2c_synth.py', 'video-to-clip (cos)'),
    ('vc', 'configs/distill/flow2depth_vc_synth.py', 'video+clip (cos)'),
    ('v2c_mse', 'configs/distill/flow2depth_v2c_mse_synth.py',
     'video-to-clip (MSE)'),
]
for _name, _config, _ in _variants:
    stages.append(
        dict(name=f'transfer_{_name}', config=_config,
             cfg_options=_teacher_ckpt))
for _name, _, _method in _variants:
    stages.append(
        dict(
            name=f'ft_{_name}',
            method=_method,
            template=['few_labels', 'depth_finetune'],
            init_from=dict(stage=f'transfer_{_name}', prefix='student.')))
