# The main job (`make demo`): FSAT on the embedded synthetic world, compared
# fairly (docs/reproducing.md, "The demo"; docs/pipelines.md, "Fair
# comparisons").
#   1. flow teacher on the SOURCE half (A061..A070)
#   2. video+clip transfer to a depth student on unlabeled TARGET pairs
#   3. fine-tuning with k labels per class, three initialisations:
#      from scratch, flow-teacher pretraining, feature-supervised transfer
# Upstream variance: seed s trains its own teacher and its own transfer, and
# fine-tuning seed s starts from them (and draws its labeled subset with s),
# so the spread over seeds holds the teacher's, the transfer's and the
# fine-tuning's randomness.
# Recipes: every method searches the same grid where it applies (learning
# rate for all; which layers are trained for the two initialised from
# another network), chosen per budget on a validation set carved from the
# labeled training pool (seed 0 runs the grid, seeds 1 and 2 the selected
# recipe); a learning rate chosen at an end of its axis is extended, one
# value at a time, up to two values in that direction. Each run trains up
# to 300 iterations at a constant learning rate, validates every 50 and
# tests its best checkpoint (test split: camera 1, video level).
# the demo world and its flow (made when missing), the few-label templates,
# the grid and the length selection described above
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py',
    './_base_/fair_depth_finetune.py'
]
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
report_metric = 'acc/top1'
select_metric = 'acc/top1'
reference_method = 'from scratch'

_finetune = 'configs/finetune/depth_r3d18_synth.py'
stages = [
    dict(
        name='teacher',
        config='configs/teachers/flow_r3d18_synth.py',
        sweep=['seed'],
        cfg_options={'randomness.seed': '{seed}'}),
    dict(
        name='transfer',
        config='configs/distill/flow2depth_vc_synth.py',
        sweep=['seed'],
        cfg_options={
            'model.teacher.checkpoint': '{teacher.checkpoint}',
            'randomness.seed': '{seed}'
        }),
    dict(
        name='scratch',
        method='from scratch',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        # a network trained from scratch trains every layer
        recipe_axes=['lr']),
    dict(
        name='pretrain',
        method='flow-teacher pretraining',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        init_from=dict(stage='teacher', adapt_input_channels=True)),
    dict(
        name='fsat',
        method='feature-supervised (video+clip)',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        init_from=dict(stage='transfer', prefix='student.')),
]
