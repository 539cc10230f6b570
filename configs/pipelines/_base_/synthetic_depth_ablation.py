# What the depth-student ablations on the synthetic world share: the demo
# world, k labels per class x seeds, and the demo's fair protocol
# (docs/pipelines.md, "Fair comparisons"): every fine-tuning searches the
# same grid where it applies, learning rate for all and which layers are
# trained (the last stage, or all) for a student initialised from another
# network, chosen per budget on validation with seed 0 (a learning rate at
# an end of its axis is extended up to two values in that direction), and
# each run chooses its length on validation (up to 300 iterations at a
# constant learning rate, validated every 50). `depth_finetune` is a
# fine-tuning stage of that protocol; `scratch_axes` restricts a student
# trained from scratch to the learning rate (it trains every layer).
_base_ = ['./synthetic_demo_world.py', './few_labels.py']
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.003, 0.01]),
    frozen_stages=dict(
        key='model.backbone.frozen_stages', values=[3, -1], scale='choice'))
extend_edges = 2
length_selection = dict(max_iters=300, val_interval=50, param_scheduler=[])
templates = dict(
    depth_finetune=dict(
        config='configs/finetune/depth_r3d18_synth.py',
        select_recipe=True),
    scratch_axes=dict(recipe_axes=['lr']),
)
