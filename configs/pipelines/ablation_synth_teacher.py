# Ablation on the synthetic world (paper Table I): which teacher modality
# teaches the depth student. An RGB and a flow teacher, each trained on the
# SOURCE half, each transfer video+clip (cosine) to a depth student on the
# unlabeled TARGET pairs; both students are fine-tuned with k labels per
# class x 3 seeds, and the two-stream row fuses the two fine-tuned students
# of the same budget and seed at test time (class scores averaged; a
# test-only stage). Every fine-tuning searches the same grid and chooses its
# length on validation, as in the demo (_base_/synthetic_depth_ablation.py).
# Upstream variance, as in the demo: seed s trains its own two teachers and
# their transfers, and fine-tuning seed s starts from them, so a row's
# spread holds the teacher's and the transfer's randomness too (a teacher
# comparison on one draw of each teacher would compare the draws).
#   python tools/run_pipeline.py configs/pipelines/ablation_synth_teacher.py
# the demo world, k labels per class, the fair protocol
_base_ = ['./_base_/synthetic_depth_ablation.py']
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
report_metric = 'acc/top1'
reference_method = 'flow teacher'

_seeded = {'randomness.seed': '{seed}'}
stages = [
    dict(
        name='teacher_rgb',
        config='configs/teachers/rgb_r3d18_synth.py',
        sweep=['seed'],
        cfg_options=_seeded),
    dict(
        name='teacher_flow',
        config='configs/teachers/flow_r3d18_synth.py',
        sweep=['seed'],
        cfg_options=_seeded),
    dict(
        name='transfer_rgb',
        config='configs/distill/rgb2depth_vc_synth.py',
        sweep=['seed'],
        cfg_options=dict(
            _seeded,
            **{'model.teacher.checkpoint': '{teacher_rgb.checkpoint}'})),
    dict(
        name='transfer_flow',
        config='configs/distill/flow2depth_vc_synth.py',
        sweep=['seed'],
        cfg_options=dict(
            _seeded,
            **{'model.teacher.checkpoint': '{teacher_flow.checkpoint}'})),
    dict(
        name='ft_rgb',
        method='RGB teacher',
        template=['few_labels', 'depth_finetune'],
        init_from=dict(stage='transfer_rgb', prefix='student.')),
    dict(
        name='ft_flow',
        method='flow teacher',
        template=['few_labels', 'depth_finetune'],
        init_from=dict(stage='transfer_flow', prefix='student.')),
    dict(
        name='two_stream',
        method='two-stream (RGB + flow taught, late fusion)',
        config='configs/finetune/depth_two_stream_synth.py',
        sweep=['budget', 'seed'],
        test_only=True,
        cfg_options={
            'model.streams.rgb_taught.checkpoint': '{ft_rgb.checkpoint}',
            'model.streams.flow_taught.checkpoint': '{ft_flow.checkpoint}',
        }),
]
