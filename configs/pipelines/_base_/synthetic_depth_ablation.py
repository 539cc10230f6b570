# What the depth-student ablations on the synthetic world share: the demo
# world, k labels per class x seeds, and the demo's fair protocol
# (fair_depth_finetune.py). `depth_finetune` is a fine-tuning stage of that
# protocol; `scratch_axes` restricts a student trained from scratch to the
# learning rate (it trains every layer).
_base_ = [
    './synthetic_demo_world.py', './few_labels.py', './fair_depth_finetune.py'
]
templates = dict(
    depth_finetune=dict(
        config='configs/finetune/depth_r3d18_synth.py',
        select_recipe=True),
    scratch_axes=dict(recipe_axes=['lr']),
)
