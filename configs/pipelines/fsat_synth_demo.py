# The main job (`make demo`): FSAT on the embedded synthetic world.
#   1. flow teacher on the SOURCE half (A061..A070)
#   2. video+clip transfer to a depth student on unlabeled TARGET pairs
#   3. fine-tuning with k labels per class x seeds, three initialisations:
#      from scratch, flow-teacher pretraining, feature-supervised transfer
# Each method's recipe (learning rate) is chosen per budget on a validation
# set carved from the labeled training pool (seed 0 runs the whole grid,
# seeds 1 and 2 the selected recipe); the table reports the test accuracy
# (camera 1, video level) of the selected recipe.
# the demo world and its flow (made when missing), the few-label templates
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py'
]
sweeps = dict(budget=[5, 20], seed=[0, 1, 2])
select_seeds = [0]
recipe_grid = [
    dict(name='lr0.01', cfg_options={'optim_wrapper.optimizer.lr': 0.01}),
    dict(name='lr0.05', cfg_options={'optim_wrapper.optimizer.lr': 0.05}),
]
report_metric = 'acc/top1'
select_metric = 'acc/top1'

_finetune = 'configs/finetune/depth_r3d18_synth.py'
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_synth.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2depth_vc_synth.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='from scratch',
        template='few_labels',
        config=_finetune,
        select_recipe=True),
    dict(
        name='pretrain',
        method='flow-teacher pretraining',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        cfg_options={'model.backbone.frozen_stages': 3},
        init_from=dict(stage='teacher', adapt_input_channels=True)),
    dict(
        name='fsat',
        method='feature-supervised (video+clip)',
        template='few_labels',
        config=_finetune,
        select_recipe=True,
        cfg_options={'model.backbone.frozen_stages': 3},
        init_from=dict(stage='transfer', prefix='student.')),
]
