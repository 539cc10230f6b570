# Temporal action detection on the synthetic world (paper Table VI): R-C3D
# on the PKU-MMD-format depth sequences, cross-subject, with three
# initialisations of its 3D-ResNet-18: from scratch, the flow teacher's
# weights (pretraining; first convolution adapted to depth), and the depth
# student of FSAT's video+clip transfer (feature-supervised), compared
# fairly (docs/pipelines.md, "Fair comparisons").
#   python tools/run_pipeline.py configs/pipelines/fsat_synth_detection.py
# Data: a fifth of the 18 training sequences (4 sequences x 3 views = 12
# videos, 69 buffers, 66 instances), drawn once with holdout_seed 0, is held
# out as the validation set; the budgets are 1/4, 1/2 or all of the 42
# other training videos (video_fraction, drawn with the run's seed), so no
# budget ever trains on a validation video. The test set is the official
# validation split (18 videos, 99 buffers), never used to choose anything.
# Recipes: every method searches the learning rate (0.003, 0.01 around the
# detector's 0.01), chosen per budget on validation: seed 0 runs the grid
# and seeds 1 and 2 the chosen learning rate; one chosen at an end of the
# axis is extended, one value at a time, up to two values in that
# direction. Which layers are trained is not searched (every run trains
# all): with it the pipeline would take about 1.3 times as long.
# Length: each run trains by iterations at a constant learning rate (the
# detector's 8-epoch step schedule does not apply), up to 8 epochs' worth
# at its budget (14 / 26 / 51 batches per epoch), validates 6 times and
# tests the weights of its best validation. Metric (selection and report):
# mAP at tIoU 0.5 (ActivityNet protocol), buffers merged by class-wise NMS.
# the demo world and its flow (made when missing), the few-label templates
_base_ = [
    './_base_/synthetic_demo_world.py', './_base_/few_labels.py'
]
sweeps = dict(budget=[0.25, 0.5, 1.0], seed=[0, 1, 2])
report_metric = 'tdet/activitynet/mAP@0.5'
select_metric = 'tdet/activitynet/mAP@0.5'
reference_method = 'from scratch'
budget_format = '{:.0%} of videos'
budget_label = 'training videos'
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.003, 0.01]))
extend_edges = 2
length_selection = dict(
    max_iters={0.25: 114, 0.5: 210, 1.0: 408},
    val_interval={0.25: 19, 0.5: 35, 1.0: 68},
    param_scheduler=[])

_detector = 'configs/detection/rc3d_r3d18_depth_synth.py'
# validation: the held-out fifth of the training sequences (every buffer);
# the test set stays the official validation split
_holdout = {
    '+train_dataloader.dataset.holdout': 0.2,
    '+val_dataloader.dataset.holdout': 0.2,
    '+val_dataloader.dataset.use_holdout': True,
    'val_dataloader.dataset.split': 'train',
}
stages = [
    dict(name='teacher', config='configs/teachers/flow_r3d18_synth.py'),
    dict(
        name='transfer',
        config='configs/distill/flow2depth_vc_synth.py',
        cfg_options={'model.teacher.checkpoint': '{teacher.checkpoint}'}),
    dict(
        name='scratch',
        method='from scratch',
        template='video_fraction',
        config=_detector,
        select_recipe=True,
        cfg_options=_holdout),
    dict(
        name='pretrain',
        method='flow-teacher pretraining',
        template='video_fraction',
        config=_detector,
        select_recipe=True,
        init_from=dict(stage='teacher', adapt_input_channels=True),
        cfg_options=_holdout),
    dict(
        name='fsat',
        method='feature-supervised (video+clip)',
        template='video_fraction',
        config=_detector,
        select_recipe=True,
        init_from=dict(stage='transfer', prefix='student.'),
        cfg_options=_holdout),
]
